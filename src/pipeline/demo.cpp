#include "pipeline/demo.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <map>

#include "calib/badpix.h"
#include "calib/combine.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "core/parallel.h"
#include "itelescope/names.h"
#include "itelescope/telescopes.h"
#include "sim/simulate.h"

namespace ap::pipeline {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Master_Badpix_... next to the master dark (where caldb looks for it): its
// hot and cold pixels, as ap badpix finds them.
void write_badpix_mask(const fs::path& dark_path, const MasterResult& dark) {
  auto name = itelescope::parse_calibration_name(dark_path.filename().string());
  if (!name) return;
  name->type = itelescope::CalibrationType::kBadpix;
  const fs::path out = dark_path.parent_path() / itelescope::format_calibration_name(*name);
  const BadpixResult r = find_bad_pixels(dark.image, {});
  Header h;
  h.set("IMAGETYP", std::string("BADPIX"), "Bad-pixel mask");
  h.set("DATAFILE", dark_path.filename().string(), "Master the mask comes from");
  h.set("NBADAUTO", static_cast<std::int64_t>(r.hot + r.cold), "Automatic bad pixels");
  stamp(h, "demo badpix", dark_path.filename().string());
  FitsWriter writer(out, {dark_path});
  writer.add_mask(r.mask, h);
  writer.commit();
  logger("demo")->info("{} hot and {} cold pixels -> {}", r.hot, r.cold, out.string());
}

// Masters/<Kind>/<date>/Master_... for every Raws/<Kind>/<date>/ of the
// library, one per set of raws sharing a master name (flats: per filter).
void rebuild_masters(const fs::path& cal, const std::string& telescope) {
  const fs::path raws = cal / telescope / "Raws";
  fs::path bias, dark;
  for (const char* kind : {"Bias", "Darks", "Flats"}) {
    if (!fs::is_directory(raws / kind)) continue;
    for (const auto& date : fs::directory_iterator(raws / kind)) {
      std::map<fs::path, std::vector<fs::path>> sets;  // master path -> raws
      for (const fs::path& f : find_frames(date.path(), "")) {
        auto name = itelescope::parse_calibration_name(f.filename().string());
        if (!name || name->is_master()) continue;
        name->sequence = 0;
        const fs::path master = cal / telescope / "Masters" / kind / date.path().filename() /
                                itelescope::format_calibration_name(*name);
        sets[master].push_back(f);
      }
      for (const auto& [master, files] : sets) {
        MasterOptions o;
        if (std::string(kind) == "Flats") {
          o.bias = bias;
          o.dark = dark;
        }
        fs::create_directories(master.parent_path());
        FitsWriter writer(master, files);
        MasterResult m = make_master(files, o);
        stamp(m.header, "demo combine", fmt::format("{} frames", files.size()));
        write_master(writer, m);
        if (std::string(kind) == "Bias") bias = master;
        if (std::string(kind) == "Darks") {
          dark = master;
          write_badpix_mask(master, m);
        }
        logger("demo")->info("{} frames -> {}", files.size(), master.string());
      }
    }
  }
}

}  // namespace

DemoResult run_demo(const DemoOptions& o) {
  DemoResult result;
  const fs::path night = o.dir / "night";
  const std::string telescope = "T20";
  auto t0 = Clock::now();
  if (o.force || !fs::exists(night / "truth.json")) {
    sim::SimulateOptions s;
    s.output_dir = night;
    s.telescope = telescope;
    s.target = "NGC 6888";
    s.filters = {"Red", "Green", "Blue", "Ha"};
    s.frames = o.frames;
    s.width = s.height = o.size;
    s.force = o.force;
    sim::simulate(s);
    result.simulate_seconds = since(t0);
    t0 = Clock::now();
    rebuild_masters(night / "cal", telescope);
    result.masters_seconds = since(t0);
  } else {
    logger("demo")->info("{}: simulated night found, reused", night.string());
  }

  // The configuration, written out so the user can read and change it.
  result.config = o.dir / "demo.yaml";
  const double read_noise = itelescope::find_telescope(telescope).read_noise_e;
  // Under about 1.5 degrees the Tycho-2 indexes hold too few stars to solve on:
  // small demo frames (as the tests use) leave the solve step out.
  const double field_deg = o.size * itelescope::find_telescope(telescope).pixel_scale_arcsec() / 3600.0;
  const std::string stages =
      field_deg < 1.5 ? "  stages: [calibrate, metadata, sky, stars, quality]  # too small to solve\n" : "";
  if (!stages.empty())
    logger("demo")->info("frames of {:.2f} deg are too small to plate-solve with the Tycho-2 indexes: "
                         "no solve step", field_deg);
  const std::string config = fmt::format(
      "# ap run configuration of `ap demo` (ap run --print-config lists every key)\n"
      "run:\n  data: {}\n  out: {}\n  jobs: {}\n{}"
      "calibrate:\n  library: {}\n  fixcosmic: true\n"
      "  cr_readnoise: {}  # e-, the T20 camera's (its headers do not say)\n"
      "sky:\n  enabled: true\n"
      "  bg_badbox_pctile: 75  # a Milky Way field: half of the pixels are under the source mask\n",
      (night / "data").string(), (o.dir / "out").string(), o.jobs > 0 ? o.jobs : threads(), stages,
      (night / "cal").string(), read_noise);
  if (!fs::exists(result.config)) write_file_atomically(result.config, config);

  t0 = Clock::now();
  RunOptions run;
  run.config = result.config;
  result.run = run_night(run);
  result.run_seconds = since(t0);
  return result;
}

}  // namespace ap::pipeline
