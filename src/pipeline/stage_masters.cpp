// The calibration-generation step of ap run (the seed's "Build Master Cal",
// "Calc Read Noise", "Find Bad Pixels" and "Find Bad Columns" rows): for
// every <TEL>/Raws/<Kind>/<date>/ of the calibration library, the masters
// `ap combine` would make, written where the library keeps them
// (<TEL>/Masters/<Kind>/<date>/Master_...), flats corrected with that
// date's bias and dark; from each bias set the read noise of its first two
// raws (`ap read-noise`, with the histogram plot); from each master dark its
// bad columns and rows (`ap badcols`) and the bad-pixel mask (`ap badpix`
// with those columns), Master_Badpix_... beside the dark, where the
// calibrate step finds it. This step runs before the others plan, so the
// lights are matched with the masters it makes.
//
// A master already in the library that ap did not make (no "ap" HISTORY
// card: iTelescope's own) is kept unless `replace` is set.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calib/badcols.h"
#include "calib/badpix.h"
#include "calib/combine.h"
#include "calib/read_noise.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "itelescope/names.h"
#include "pipeline/plan.h"
#include "pipeline/stages.h"

namespace ap::pipeline {
namespace {
namespace fs = std::filesystem;

bool made_by_ap(const fs::path& master) {
  try {
    for (const std::string& h : read_hdu_list(master).front().header.history())
      if (h.starts_with("ap ")) return true;
  } catch (const Error&) {
  }
  return false;
}

class MastersStage : public Stage {
 public:
  const char* name() const override { return "masters"; }
  bool generates_calibration() const override { return true; }

  void bind(ConfigSection& s) override {
    s.value("enabled", enabled_, "build masters, read noise and bad-pixel masks from the library's raw frames");
    s.value("library", library_, "calibration library root (<TEL>/Raws/..., <TEL>/Masters/...); empty: $AP_CAL_DIR");
    s.value("replace", replace_, "also rebuild masters that ap did not make (e.g. iTelescope's)");
    s.value("sigma", sigma_, "rejection of the combine, in MAD standard deviations");
    s.value("badpix_sigma", badpix_sigma_, "hot and cold pixel threshold of the master dark, in std");
    s.value("badcols_sigma", badcols_sigma_, "bad column and row threshold, in std");
    s.value("badcols_window", badcols_window_, "sliding window of the column and row profiles, pixels");
  }

  void plan(Plan& plan, const std::string& parameters) override {
    if (!enabled_) return;
    const char* env = std::getenv("AP_CAL_DIR");
    const fs::path root = !library_.empty() ? fs::path(library_) : env && *env ? fs::path(env) : fs::path();
    if (root.empty() || !fs::is_directory(root)) return;  // calibrate reports the missing library
    std::vector<fs::path> telescopes;
    for (const auto& e : fs::directory_iterator(root))
      if (fs::is_directory(e.path() / "Raws")) telescopes.push_back(e.path());
    std::sort(telescopes.begin(), telescopes.end());
    for (const fs::path& tel : telescopes) plan_telescope(plan, tel, parameters);
  }

 private:
  struct Built {
    fs::path path;
    std::size_t task;
  };

  void plan_telescope(Plan& plan, const fs::path& tel, const std::string& parameters) {
    // The bias and dark of each date, for that date's flats.
    std::map<std::string, Built> bias, dark;
    for (const char* kind : {"Bias", "Darks", "Flats"}) {
      const fs::path dir = tel / "Raws" / kind;
      if (!fs::is_directory(dir)) continue;
      std::vector<fs::path> dates;
      for (const auto& e : fs::directory_iterator(dir))
        if (e.is_directory()) dates.push_back(e.path());
      std::sort(dates.begin(), dates.end());
      for (const fs::path& date_dir : dates) {
        const std::string date = date_dir.filename().string();
        std::map<fs::path, std::vector<fs::path>> sets;  // master -> its raws
        for (const fs::path& f : find_frames(date_dir, "")) {
          auto n = itelescope::parse_calibration_name(f.filename().string());
          if (!n || n->is_master()) continue;
          n->sequence = 0;
          sets[tel / "Masters" / kind / date / itelescope::format_calibration_name(*n)].push_back(f);
        }
        for (const auto& [master, raws] : sets) {
          if (raws.size() < 2) continue;
          if (fs::exists(master) && !replace_ && !made_by_ap(master)) {
            logger("run")->info("{}: kept (not made by ap; masters.replace rebuilds it)", master.string());
            continue;
          }
          const std::string k = kind;
          MasterOptions o;
          o.combine.sigma = sigma_;
          o.telescop = tel.filename().string();  // for raws without TELESCOP
          std::vector<Product> inputs;
          for (const fs::path& r : raws) inputs.push_back({r, std::nullopt});
          if (k == "Flats") {
            for (auto* set : {&bias, &dark}) {
              if (const auto it = set->find(date); it != set->end()) inputs.push_back({it->second.path, it->second.task});
            }
            if (bias.contains(date)) o.bias = bias[date].path;
            if (dark.contains(date)) o.dark = dark[date].path;
          }
          const std::size_t task = plan.add_group_task(
              "masters", master.filename().string(), parameters, inputs, {master},
              [master, raws, o](const std::vector<fs::path>&) {
                FitsWriter writer(master, raws);
                MasterResult m = make_master(raws, o);
                stamp(m.header, "run masters", fmt::format("{} frames", m.used.size()));
                write_master(writer, m);
              });
          plan.group_products()["calibration"][master.filename().string()] = {master, task};
          if (k == "Bias") {
            bias[date] = {master, task};
            plan_read_noise(plan, master, raws, parameters);
          }
          if (k == "Darks") {
            dark[date] = {master, task};
            plan_bad_pixels(plan, master, task, parameters);
          }
        }
      }
    }
  }

  // readnoise_<master stem>.png (the histogram) and .json in MetaData/.
  void plan_read_noise(Plan& plan, const fs::path& master, const std::vector<fs::path>& raws,
                       const std::string& parameters) {
    const fs::path stem = plan.out_dir() / "MetaData" / ("readnoise_" + master.stem().string());
    const fs::path png = stem.string() + ".png", json = stem.string() + ".json";
    const fs::path a = raws[0], b = raws[1];
    const std::size_t task = plan.add_group_task(
        "read-noise", master.filename().string(), parameters, {{a, std::nullopt}, {b, std::nullopt}},
        {png, json}, [a, b, png, json](const std::vector<fs::path>&) {
          const FitsImage f1 = read_image(a), f2 = read_image(b);
          const double gain = resolve_gain("EGAIN", f1.header(), a.string(), f2.header(), b.string());
          ReadNoiseOptions o;
          o.histogram = true;
          const ReadNoiseResult r = read_noise(f1.image, f2.image, gain, o);
          write_file_atomically(png, read_noise_histogram_png(r));
          const nlohmann::json j = {{"bias1", a.filename().string()}, {"bias2", b.filename().string()},
                                    {"gain_e_per_adu", r.gain}, {"diff_std_adu", r.diff_std_adu},
                                    {"read_noise_e", r.read_noise_e}, {"good_pixels", r.good}};
          write_file_atomically(json, j.dump(2) + "\n");
          logger("run")->info("read noise {:.2f} e- from {} and {}", r.read_noise_e, a.filename().string(),
                              b.filename().string());
        });
    plan.group_products()["calibration"]["readnoise " + master.filename().string()] = {png, task};
  }

  // badcols_<dark stem>.yaml in MetaData/, then Master_Badpix_... beside the dark.
  void plan_bad_pixels(Plan& plan, const fs::path& dark, std::size_t dark_task, const std::string& parameters) {
    auto name = itelescope::parse_calibration_name(dark.filename().string());
    if (!name) return;
    name->type = itelescope::CalibrationType::kBadpix;
    const fs::path mask = dark.parent_path() / itelescope::format_calibration_name(*name);
    const fs::path yaml = plan.out_dir() / "MetaData" / ("badcols_" + dark.stem().string() + ".yaml");
    BadcolsOptions co;
    co.sigma = badcols_sigma_;
    co.window = badcols_window_;
    const std::size_t cols = plan.add_group_task(
        "badcols", dark.filename().string(), parameters, {{dark, dark_task}}, {yaml},
        [dark, yaml, co](const std::vector<fs::path>&) {
          const BadcolsResult r = find_bad_columns(read_image(dark).image, co);
          write_file_atomically(yaml, badcols_yaml(r, "ap run badcols: " + dark.filename().string()));
        });
    BadpixOptions po;
    po.sigma = badpix_sigma_;
    const std::size_t task = plan.add_group_task(
        "badpix", dark.filename().string(), parameters, {{dark, dark_task}, {yaml, cols}}, {mask},
        [dark, yaml, mask, po](const std::vector<fs::path>&) {
          const UserBadpix user = read_user_badpix(yaml);
          const BadpixResult r = find_bad_pixels(read_image(dark).image, po, &user);
          Header h;
          h.set("IMAGETYP", std::string("BADPIX"), "Bad-pixel mask");
          h.set("DATAFILE", dark.filename().string(), "Master the mask comes from");
          h.set("NBADAUTO", static_cast<std::int64_t>(r.hot + r.cold), "Automatic bad pixels");
          h.set("NBADUSER", static_cast<std::int64_t>(r.user), "Pixels of the bad columns and rows");
          stamp(h, "run badpix", fmt::format("sigma={} user={}", po.sigma, yaml.filename().string()));
          FitsWriter writer(mask, {dark});
          writer.add_mask(r.mask, h);
          writer.commit();
        });
    plan.group_products()["calibration"][mask.filename().string()] = {mask, task};
  }

  bool enabled_ = true, replace_ = false;
  std::string library_;
  double sigma_ = 5.0, badpix_sigma_ = 4.0, badcols_sigma_ = 5.0;
  int badcols_window_ = 11;
};

}  // namespace

std::unique_ptr<Stage> make_masters_stage() { return std::make_unique<MastersStage>(); }

}  // namespace ap::pipeline
