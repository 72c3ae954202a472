// Placeholder: replaced by the stage's subcommand when it lands.
#include "cli/cli.h"

namespace ap::cli {
void add_background(CLI::App&) {}
}  // namespace ap::cli
