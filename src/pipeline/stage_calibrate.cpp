// The calibrate step of ap run: each light gets its masters from the
// calibration library (calib/caldb.h) and is calibrated as `ap calibrate`
// does into Calibrated/cal-<stem>.fits. A light without a complete set of
// masters fails with the reasons every candidate was refused.
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "calib/caldb.h"
#include "calib/calibrate.h"
#include "core/error.h"
#include "core/fits.h"
#include "pipeline/plan.h"
#include "pipeline/stages.h"

namespace ap::pipeline {
namespace {
namespace fs = std::filesystem;

std::string refused(const char* kind, const CalChoice& c) {
  return fmt::format("no {} ({})", kind,
                     c.refused.empty() ? std::string("no candidate")
                                       : fmt::format("{}", fmt::join(c.refused, "; ")));
}

class CalibrateStage : public Stage {
 public:
  const char* name() const override { return "calibrate"; }

  void bind(ConfigSection& s) override {
    s.value("enabled", enabled_, "calibrate the raw lights (bias, dark, flat, bad pixels)");
    s.value("library", library_,
            "calibration library root (<TEL>/Masters/...); empty: $AP_CAL_DIR");
    s.value("temp_tolerance", tolerance_, "deg C between a master's and the light's temperature");
    s.value("dark_bias", dark_bias_, "auto (from CALSTAT), biased or unbiased");
    s.value("fix_badpix", o_.fix_badpix, "repair the bad-pixel mask's pixels when there is one");
    s.value("deltapix", o_.badpix.deltapix, "half-width of the repair box");
    s.value("fixcosmic", o_.fix_cosmics, "find and clean cosmic rays (L.A.Cosmic)");
    s.value("cr_gain", cr_gain_, "gain for cosmic rays, e-/ADU (0: EGAIN or GAIN of the light)");
    s.value("cr_readnoise", cr_readnoise_, "read noise for cosmic rays, e- (0: from the header)");
  }

  void plan(Plan& plan, const std::string& parameters) override {
    if (!enabled_) return;
    const DarkBias dark_bias = parse_dark_bias(dark_bias_);
    o_.temp_tolerance = tolerance_;
    o_.cosmics.gain = cr_gain_ > 0 ? cr_gain_ : std::nan("");
    o_.cosmics.readnoise = cr_readnoise_ > 0 ? cr_readnoise_ : std::nan("");
    const char* env = std::getenv("AP_CAL_DIR");
    if (library_.empty() && (env == nullptr || *env == '\0')) {
      throw Error(ExitCode::kUsage, "calibrate.library is empty and AP_CAL_DIR is not set");
    }
    const fs::path root = library_.empty() ? fs::path(env) : fs::path(library_);
    const CalLibrary library = CalLibrary::scan(root);
    auto cache = std::make_shared<MasterCache>();
    for (PlannedFrame& frame : plan.frames()) {
      const fs::path out = plan.output(frame, "Calibrated", "cal-", ".fits");
      std::string problem;
      CalMatch m;
      try {
        const auto hdus = read_hdu_list(frame.raw.path);
        const HduInfo& h = hdus.front();
        const int w = h.shape.size() >= 2 ? static_cast<int>(h.shape[0]) : 0;
        const int ht = h.shape.size() >= 2 ? static_cast<int>(h.shape[1]) : 0;
        const LightInfo light = LightInfo::from(frame.raw.path, h.header, w, ht);
        m = match_calibration(library, light, tolerance_);
        if (!m.bias.entry) problem = refused("bias", m.bias);
        else if (!m.dark.entry) problem = refused("dark", m.dark);
        else if (!m.flat.entry) problem = refused("flat", m.flat);
      } catch (const Error& e) {
        problem = e.what();  // reported when the task runs, like any failure
      }
      std::vector<fs::path> masters;
      for (const CalChoice* c : {&m.bias, &m.dark, &m.flat, &m.badpix}) {
        if (c->entry) masters.push_back(c->entry->path);
      }
      const auto options = o_;
      plan.add_frame_task(
          frame, name(), parameters, {out},
          [cache, masters, problem, out, options, dark_bias](const fs::path& input) {
            if (!problem.empty()) throw input_error(input.string(), problem);
            const Masters& set = cache->get(masters, dark_bias);
            CalibrateResult r = calibrate(read_image(input), input.string(), set, options);
            stamp(r.header, "run calibrate", input.filename().string());
            FitsWriter writer(out, {input});
            writer.add_image(r.image, r.header);
            writer.add_mask(r.mask, {}, "MASK");
            writer.commit();
          },
          true, masters);
    }
  }

 private:
  // Masters are read once per set and shared by every light that uses it.
  struct MasterCache {
    std::mutex mutex;
    std::map<std::vector<fs::path>, std::unique_ptr<Masters>> sets;

    const Masters& get(const std::vector<fs::path>& paths, DarkBias dark_bias) {
      std::lock_guard lock(mutex);
      auto& slot = sets[paths];
      if (!slot) {
        slot = std::make_unique<Masters>(Masters::load(paths[0], paths[1], paths[2],
                                                       paths.size() > 3 ? paths[3] : fs::path(),
                                                       dark_bias));
      }
      return *slot;
    }
  };

  bool enabled_ = true;
  std::string library_;
  double tolerance_ = 1.0;
  std::string dark_bias_ = "auto";
  double cr_gain_ = 0.0, cr_readnoise_ = 0.0;
  CalibrateOptions o_;
};

}  // namespace

std::unique_ptr<Stage> make_calibrate_stage() { return std::make_unique<CalibrateStage>(); }

}  // namespace ap::pipeline
