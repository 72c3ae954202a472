// Placeholder: replaced by the stage's subcommand when it lands.
#include "cli/cli.h"

namespace ap::cli {
void add_read_noise(CLI::App&) {}
void add_gain(CLI::App&) {}
}  // namespace ap::cli
