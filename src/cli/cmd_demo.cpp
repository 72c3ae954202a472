// ap demo [DIR] [--frames 10] [--size 2048] [-j N] [--force]
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cli/cli.h"
#include "core/error.h"
#include "pipeline/demo.h"

namespace ap::cli {
namespace {

void demo(const pipeline::DemoOptions& o) {
  const pipeline::DemoResult r = pipeline::run_demo(o);
  fmt::print("{}", r.run.table);
  fmt::print("simulate {:.1f} s, run (masters included) {:.1f} s\n", r.simulate_seconds, r.run_seconds);
  fmt::print("configuration: {}\nreport: {}\n", r.config.string(), r.run.report.string());
  const auto colour = r.config.parent_path() / "out" / "Colour";
  if (std::filesystem::is_directory(colour))
    for (const auto& e : std::filesystem::directory_iterator(colour))
      if (e.path().string().find("_preview") == std::string::npos) fmt::print("colour composite: {}\n", e.path().string());
  if (r.run.failed()) throw Error(ExitCode::kFailed, "some steps failed (see the table above)");
}

}  // namespace

void add_demo(CLI::App& app) {
  auto o = std::make_shared<pipeline::DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Simulate an iTelescope night, build its masters, process it, write the report");
  cmd->add_option("DIR", o->dir, "Working directory")->capture_default_str();
  cmd->add_option(flag("frames"), o->frames, "Light frames per filter")->capture_default_str();
  cmd->add_option(flag("size"), o->size, "Frame size in pixels (square)")->capture_default_str();
  cmd->add_option("-j,--jobs", o->jobs, "Frames processed at once (default: threads)");
  cmd->add_flag(flag("force"), o->force, "Simulate again even if DIR/night exists");
  cmd->callback([o] { demo(*o); });
}

}  // namespace ap::cli
