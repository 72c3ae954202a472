#include "pipeline/demo.h"

#include <fmt/format.h>

#include <chrono>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "core/parallel.h"
#include "itelescope/telescopes.h"
#include "sim/simulate.h"

namespace ap::pipeline {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
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
      field_deg < 1.5 ? "  stages: [masters, calibrate, metadata, sky, stars, quality]  # too small to solve\n" : "";
  if (!stages.empty())
    logger("demo")->info("frames of {:.2f} deg are too small to plate-solve with the Tycho-2 indexes: "
                         "no solve step", field_deg);
  const std::string config = fmt::format(
      "# ap run configuration of `ap demo` (ap run --print-config lists every key)\n"
      "run:\n  data: {0}\n  out: {1}\n  jobs: {2}\n{3}"
      "masters:\n  library: {4}\n  replace: true  # the simulator's masters are rebuilt from its raws\n"
      "calibrate:\n  library: {4}\n  fixcosmic: true\n"
      "  cr_readnoise: {5}  # e-, the T20 camera's (its headers do not say)\n"
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
