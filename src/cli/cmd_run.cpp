// ap run [CONFIG.yaml] [--data DIR] [--out DIR] [--stages LIST] [-j N] [--dry-run]
//   [--force] [--explain] [--print-config]
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "pipeline/executor.h"
#include "pipeline/run.h"

namespace ap::cli {
namespace {

struct RunArgs {
  std::string config, data, out;
  std::vector<std::string> stages;
  int jobs = 0;
  bool dry_run = false, force = false, explain = false, print_config = false;
};

void run_run(const RunArgs& a) {
  if (a.print_config) {
    fmt::print("{}", pipeline::default_config());
    return;
  }
  pipeline::RunOptions o;
  o.config = a.config;
  o.data_dir = a.data;
  o.out_dir = a.out;
  o.stages = a.stages;
  o.jobs = a.jobs;
  o.dry_run = a.dry_run;
  o.force = a.force;
  o.progress_bar = ::isatty(STDERR_FILENO) != 0 && !a.explain;
  const pipeline::RunSummary s = pipeline::run_night(o);
  if (a.explain) {
    for (std::size_t i = 0; i < s.tasks.size(); ++i) {
      fmt::print("{} {} {}: {}\n", pipeline::outcome_name(s.results[i].outcome), s.tasks[i].stage,
                 s.tasks[i].subject, s.results[i].reason);
    }
  }
  fmt::print("{}", s.table);
  if (!s.report.empty()) fmt::print("report: {}\n", s.report.string());
  if (s.failed()) throw Error(ExitCode::kFailed, "some steps failed (see the table above)");
}

}  // namespace

void add_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Process a night: every stage, incremental and parallel, with a report");
  cmd->add_option("CONFIG", args->config, "YAML configuration (ap run --print-config)");
  cmd->add_option(flag("data"), args->data, "Directory of raw light frames (run.data)");
  cmd->add_option(flag("out"), args->out, "Output directory (run.out)");
  cmd->add_option(flag("stages"), args->stages, "Stages to run (run.stages)")->delimiter(',');
  cmd->add_option("-j,--jobs", args->jobs, "Frames processed at once (run.jobs)");
  cmd->add_flag(flag("dry-run"), args->dry_run, "Say what would run, run nothing");
  cmd->add_flag(flag("force"), args->force, "Run every step even if up to date");
  cmd->add_flag(flag("explain"), args->explain, "Print why each step runs or is skipped");
  cmd->add_flag(flag("print-config"), args->print_config,
                "Print the configuration with every default and exit");
  cmd->callback([args] { run_run(*args); });
}

}  // namespace ap::cli
