// Placeholder: replaced by the stage's subcommand when it lands.
#include "cli/cli.h"

namespace ap::cli {
void add_combine(CLI::App&) {}
}  // namespace ap::cli
