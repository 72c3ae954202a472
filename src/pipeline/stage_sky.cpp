// The sky step of ap run: the 2-D background measured as `ap background`
// does and subtracted (the original's "skybg" option of calibrate_all.sh).
// Off unless sky.enabled is true.
#include <memory>
#include <string>

#include "arith/imarith.h"
#include "core/fits.h"
#include "measure/background.h"
#include "pipeline/plan.h"
#include "pipeline/stages.h"

namespace ap::pipeline {
namespace {

class SkyStage : public Stage {
 public:
  const char* name() const override { return "sky"; }

  void bind(ConfigSection& s) override {
    s.value("enabled", enabled_, "subtract the sky background from every calibrated frame");
    s.value("nbg_cols", o_.nbg_cols, "background boxes across the image");
    s.value("nbg_rows", o_.nbg_rows, "background boxes down the image (the original used 32)");
    s.value("min_bgwidth", o_.min_bgwidth, "minimum box width, pixels");
    s.value("min_bgheight", o_.min_bgheight, "minimum box height, pixels");
    s.value("bg_filter_width", o_.filter_width, "median filter of the mesh, boxes (odd)");
    s.value("bg_badbox_pctile", o_.badbox_pctile,
            "boxes with more masked pixels than this are interpolated, %");
    s.value("bg_sigmaclip", o_.clip_sigma, "clipping inside each box, sigma");
    s.value("estimator", estimator_, "box statistic: median or sextractor");
  }

  void plan(Plan& plan, const std::string& parameters) override {
    if (!enabled_) return;
    o_.estimator = parse_background_estimator(estimator_);
    for (PlannedFrame& frame : plan.frames()) {
      const auto subtracted = plan.output(frame, "Calibrated", "skysub-", ".fits");
      const auto background = plan.output(frame, "Calibrated", "skybg-", ".fits");
      plan.add_frame_task(
          frame, name(), parameters, {subtracted, background},
          [o = o_, subtracted, background](const std::filesystem::path& input) {
            const FitsImage in = read_image(input);
            const BackgroundResult r = measure_background(in.image, o);
            Header header = in.header();
            add_background_keywords(header, r, o);
            stamp(header, "run sky", input.filename().string());
            FitsWriter bg(background, {input});
            Header bg_header = header;
            bg_header.set("IMAGETYP", std::string("Background Sky"), "Type of image");
            bg.add_image(r.background, bg_header);
            bg.commit();
            FitsWriter sub(subtracted, {input});
            sub.add_image(imarith(in.image, ArithOp::kSub, r.background).image, header);
            sub.commit();
          },
          true);
    }
  }

 private:
  bool enabled_ = false;
  std::string estimator_ = "median";
  BackgroundOptions o_;
};

}  // namespace

std::unique_ptr<Stage> make_sky_stage() { return std::make_unique<SkyStage>(); }

}  // namespace ap::pipeline
