// The stars step of ap run: `ap stars` on each frame's current image, writing
// SourceLists/srclist_<stem>.fits and MetaData/qual_<stem>.yaml (and, with
// psf_plot, MetaData/psf_<stem>.png).
#include <memory>
#include <string>

#include "core/atomic_file.h"
#include "core/fits.h"
#include "measure/source_list.h"
#include "measure/stars.h"
#include "measure/stars_plot.h"
#include "pipeline/plan.h"
#include "pipeline/stages.h"

namespace ap::pipeline {
namespace {

class StarsStage : public Stage {
 public:
  const char* name() const override { return "stars"; }

  void bind(ConfigSection& s) override {
    s.value("search_fwhm", o_.search_fwhm, "first detection FWHM and PSF guess, pixels");
    s.value("search_nsigma", o_.search_nsigma, "detection threshold, background sigma");
    s.value("bitdepth", o_.bitdepth, "detector bits; saturation = sat_frac * (2^bitdepth - 1)");
    s.value("sat_frac", o_.sat_frac, "saturation as a fraction of full scale");
    s.value("retain_saturated", o_.retain_saturated,
            "detect saturated stars too (the brightest catalogue stars: needed by solve)");
    s.value("max_sources", o_.max_sources, "keep the N brightest sources (0: all)");
    s.value("psf_plot", psf_plot_, "also write MetaData/psf_<stem>.png");
  }

  void plan(Plan& plan, const std::string& parameters) override {
    for (PlannedFrame& frame : plan.frames()) {
      const auto srclist = plan.output(frame, "SourceLists", "srclist_", ".fits");
      const auto quality = plan.output(frame, "MetaData", "qual_", ".yaml");
      std::vector<std::filesystem::path> outputs = {srclist, quality};
      const auto psf = plan.output(frame, "MetaData", "psf_", ".png");
      if (psf_plot_) outputs.push_back(psf);
      const std::size_t task = plan.add_frame_task(
          frame, name(), parameters, outputs,
          [o = o_, srclist, quality, psf, plot = psf_plot_](const std::filesystem::path& input) {
            const FitsImage in = read_image(input);
            const StarsResult r = find_stars(in.image, in.header(), o);
            const Header list = source_list_header(r, in.header(), input.string(), o);
            write_file_atomically(quality, quality_report_yaml(r, list));
            if (plot) write_file_atomically(psf, psf_grid_png(in.image, r, input.filename().string()));
            write_source_list(srclist, r, list);
          },
          false);
      frame.products["srclist"] = {srclist, task};
      frame.products["quality"] = {quality, task};
    }
  }

 private:
  StarsOptions o_ = [] {
    StarsOptions o;
    o.retain_saturated = true;  // as the original's navigate_all.sh
    return o;
  }();
  bool psf_plot_ = false;
};

}  // namespace

std::unique_ptr<Stage> make_stars_stage() { return std::make_unique<StarsStage>(); }

}  // namespace ap::pipeline
