// `ap run`: a night from raw frames to products in one incremental, parallel
// batch (replacing the original's calibrate_all.sh, navigate_all.sh,
// resample_all.sh and composite_all.sh).
//
// The configuration file has a `run` section (paths, stages, jobs) and one
// section per stage; `ap run --print-config` prints every key with its
// default and meaning. Command-line options override the file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/executor.h"

namespace ap::pipeline {

struct RunOptions {
  std::filesystem::path config;    // empty: all defaults
  std::filesystem::path data_dir;  // override run.data
  std::filesystem::path out_dir;   // override run.out
  std::vector<std::string> stages;  // override run.stages (names of all_stages())
  int jobs = 0;                     // override run.jobs when > 0
  bool dry_run = false;
  bool force = false;
  bool progress_bar = false;
};

struct RunSummary {
  std::vector<Task> tasks;
  std::vector<TaskResult> results;
  std::string table;  // summary_table()
  std::filesystem::path report;  // report/index.html, empty in a dry run
  bool failed() const;
};

// Throws ap::Error for a bad configuration (kBadInput, naming file, line and
// key), a data directory without lights (kBadInput), an output directory in
// use by another run or not writable (kOutputError). Failing frames do not
// throw: they are in the summary.
RunSummary run_night(const RunOptions& options);

// The whole configuration with defaults and documentation, as YAML.
std::string default_config();

}  // namespace ap::pipeline
