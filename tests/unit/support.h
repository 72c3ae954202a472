// Test helpers: a temporary directory that cleans itself up, and running the
// real `ap` executable with its exit code, stdout and stderr.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sim/simulate.h"

namespace ap::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `<program> <args>` through the shell (args are shell words).
CommandResult run(const std::string& program, const std::string& args);
// Runs the ap binary built alongside the tests.
inline CommandResult run_ap(const std::string& args) { return run(AP_BINARY, args); }

std::string read_text(const std::filesystem::path& path);

// Options for a small simulated night in `dir`: size x size frames, `frames`
// light frames per filter, 2 raw frames per master, 100 stars. Tests change
// what they need before calling sim::simulate.
sim::SimulateOptions small_night(const std::filesystem::path& dir, int size,
                                 std::vector<std::string> filters = {"Red"}, int frames = 1);

// The regular files under `dir` (recursively) whose name contains `part`, sorted.
std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir,
                                               std::string_view part = {});

// tests/peers/<name>: a peer-tool script, run with /usr/bin/python3.
inline std::filesystem::path peer_script(const std::string& name) {
  return std::filesystem::path(AP_TEST_DIR) / "peers" / name;
}

}  // namespace ap::test
