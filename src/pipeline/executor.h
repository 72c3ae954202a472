// Running the steps of `ap run`: in dependency order, `jobs` at a time,
// skipping what the manifest says is up to date, isolating failures.
//
// A task whose step is up to date is skipped (SKIP) unless `force`. A task
// that throws is FAIL with the exception's one-line message and is forgotten
// by the manifest; tasks that depend on it are not run (BLOCKED) but every
// other task still is. Progress goes to stderr: a bar with counts and ETA on
// a terminal, one log line per finished task otherwise.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "pipeline/manifest.h"

namespace ap::pipeline {

struct Task {
  std::string stage;                // "calibrate", "stars", ...
  std::string subject;              // what it works on: a frame's name, a group key
  Step step;                        // identity, inputs, parameters, outputs
  std::function<void()> run;        // writes step.outputs (atomically)
  std::vector<std::size_t> after;   // indices of tasks that must succeed first (earlier ones)
  bool partial_inputs = false;      // run when some of `after` failed (blocked only when all
                                    // did): a group step uses the frames that made it
};

enum class Outcome { kOk, kSkip, kFail, kBlocked, kPlanned };

struct TaskResult {
  Outcome outcome = Outcome::kPlanned;
  std::string reason;  // why it ran, why it failed, or what blocked it
  double seconds = 0.0;
};

struct ExecuteOptions {
  int jobs = 1;
  bool dry_run = false;  // decide and report, run nothing (outcome kPlanned or kSkip)
  bool force = false;    // run even what is up to date
  bool progress_bar = false;  // a live bar (when stderr is a terminal) instead of log lines
};

// Throws ap::Error (kUsage) when a task depends on a later one.
std::vector<TaskResult> execute(const std::vector<Task>& tasks, Manifest& manifest,
                                const ExecuteOptions& options);

const char* outcome_name(Outcome outcome);

// The end-of-run table: one line per task (status, stage, subject, time or
// reason) and the time spent per stage.
std::string summary_table(const std::vector<Task>& tasks, const std::vector<TaskResult>& results);

}  // namespace ap::pipeline
