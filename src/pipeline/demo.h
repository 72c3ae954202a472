// `ap demo`: the whole toolkit on a simulated night, as the README's main job.
//
//   DIR/night/   the simulated delivery (ap simulate: T20 on NGC 6888 in Red,
//                Green, Blue and Ha, with the calibration library and raws)
//   DIR/demo.yaml  the ap run configuration used (edit it and run again)
//   DIR/out/     everything ap run makes, report/index.html included
//
// The masters of the latest calibration date are rebuilt from their raws
// with the library's combine (make_master), and a bad-pixel mask is made from
// the master dark (find_bad_pixels), before the run. A second `ap
// demo` on the same directory reuses the simulation and finds the run up to
// date.
#pragma once

#include <filesystem>

#include "pipeline/run.h"

namespace ap::pipeline {

struct DemoOptions {
  std::filesystem::path dir = "ap-demo";
  int frames = 10;    // per filter
  int size = 2048;    // pixels per side
  int jobs = 0;       // frames at once; 0: as many as threads
  bool force = false; // simulate again into a non-empty DIR/night
};

struct DemoResult {
  RunSummary run;
  std::filesystem::path config;
  double simulate_seconds = 0.0, run_seconds = 0.0;  // the run includes building the masters
};

DemoResult run_demo(const DemoOptions& options);

}  // namespace ap::pipeline
