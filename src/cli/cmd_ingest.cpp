// ap ingest DIR [--dry-run]
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/cli.h"
#include "core/log.h"
#include "itelescope/ingest.h"

namespace ap::cli {
namespace {

struct IngestArgs {
  std::string dir;
  bool dry_run = false;
};

void run_ingest(const IngestArgs& a) {
  using Kind = itelescope::IngestAction::Kind;
  const auto report = itelescope::ingest(a.dir, {.dry_run = a.dry_run});
  for (const auto& action : report.actions) {
    if (action.to.empty()) {
      fmt::print("{} {}\n", itelescope::ingest_action_name(action.kind), action.from.string());
    } else {
      fmt::print("{} {} -> {}\n", itelescope::ingest_action_name(action.kind),
                 action.from.string(), action.to.string());
    }
  }
  logger("ingest")->info("{}{} zip files extracted ({} files), {} renamed, {} directory modes set",
                         a.dry_run ? "dry run: " : "", report.count(Kind::kRemoveZip),
                         report.count(Kind::kExtract), report.count(Kind::kRename),
                         report.count(Kind::kChmod));
}

}  // namespace

void add_ingest(CLI::App& app) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "ingest", "Unzip an iTelescope delivery in place, fix names with spaces and permissions");
  cmd->add_option("DIR", args->dir, "Directory of the delivery (searched recursively)")
      ->required();
  cmd->add_flag(flag("dry-run"), args->dry_run, "List what would be done, change nothing");
  cmd->callback([args] { run_ingest(*args); });
}

}  // namespace ap::cli
