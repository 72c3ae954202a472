// The solve step of ap run: each frame's current image solved from its
// source list with the index files loaded once for the whole run, written
// as Navigated/nav_<stem>.fits (the image with its WCS); the source list
// gains ra, dec. A frame with no solution fails alone. With `backend: nova`
// the frames go to nova.astrometry.net instead (the key from
// AP_ASTROMETRY_API_KEY or astroquery.cfg, never from this file, which the
// manifest fingerprints).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "astrometry/nova.h"
#include "astrometry/solve_files.h"
#include "core/error.h"
#include "pipeline/plan.h"
#include "pipeline/stages.h"

namespace ap::pipeline {
namespace {

class SolveStage : public Stage {
 public:
  const char* name() const override { return "solve"; }

  void bind(ConfigSection& s) override {
    s.value("use_sip", o_.use_sip, "fit TAN-SIP distortion");
    s.value("sip_order", o_.sip_order, "SIP polynomial order");
    s.value("scale_err_ratio", o_.scale_err_ratio, "scale searched within the hint */ this");
    s.value("timeout", o_.timeout_s, "seconds per frame before giving up");
    s.value("index_dir", index_dir_, "index files (empty: AP_INDEX_DIR, astrometry.cfg, /usr/share/astrometry)");
    s.value("backend", backend_, "local (libastrometry in process) or nova (nova.astrometry.net)");
  }

  void plan(Plan& plan, const std::string& parameters) override {
    std::optional<astrometry::NovaOptions> nova;
    if (backend_ == "nova") {
      nova = astrometry::NovaOptions::defaults();
      nova->api_key = astrometry::nova_api_key("");
    } else if (backend_ != "local") {
      throw Error(ExitCode::kUsage, fmt::format("solve.backend '{}': local or nova", backend_));
    }
    for (PlannedFrame& frame : plan.frames()) {
      const auto it = frame.products.find("srclist");
      if (it == frame.products.end()) continue;  // no stars step: nothing to solve from
      const auto nav = plan.output(frame, "Navigated", "nav_", ".fits");
      const Product srclist = it->second;
      const std::size_t task = plan.add_frame_task(
          frame, name(), parameters, {nav},
          [o = o_, nav, list = srclist.path, dir = index_dir_, nova](const std::filesystem::path& input) {
            solve_frame(input, list, nav, o, dir, nova);
          },
          true, {srclist.path});
      if (srclist.writer) plan.tasks()[task].after.push_back(*srclist.writer);
    }
  }

 private:
  static void solve_frame(const std::filesystem::path& image, const std::filesystem::path& list,
                          const std::filesystem::path& nav, const astrometry::SolveOptions& o,
                          const std::string& index_dir, const std::optional<astrometry::NovaOptions>& nova) {
    using namespace astrometry;
    const StarList stars = read_star_list(list);
    std::vector<std::filesystem::path> dirs;
    if (!index_dir.empty()) dirs.emplace_back(index_dir);
    const Solution s = nova ? solve_nova(stars.stars, stars.width, stars.height, stars.hints, o, *nova)
                            : solve_field(stars.stars, stars.width, stars.height, stars.hints, o, IndexSet::shared(dirs));
    if (!s.solved) throw Error(ExitCode::kFailed, s.reason);
    write_solved_image(image, nav, s, fmt::format("index={} sip={}", s.index, o.use_sip ? o.sip_order : 0));
  }

  astrometry::SolveOptions o_;
  std::string index_dir_, backend_ = "local";
};

}  // namespace

std::unique_ptr<Stage> make_solve_stage() { return std::make_unique<SolveStage>(); }

}  // namespace ap::pipeline
