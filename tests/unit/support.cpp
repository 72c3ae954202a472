#include "support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ap::test {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("ap-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CommandResult run(const std::string& program, const std::string& args) {
  TempDir dir;
  const auto out = dir / "stdout";
  const auto err = dir / "stderr";
  const std::string command =
      "'" + program + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
  const int status = std::system(command.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

sim::SimulateOptions small_night(const std::filesystem::path& dir, int size,
                                 std::vector<std::string> filters, int frames) {
  sim::SimulateOptions o;
  o.output_dir = dir;
  o.width = o.height = size;
  o.filters = std::move(filters);
  o.frames = frames;
  o.bias_frames = o.dark_frames = o.flat_frames = 2;
  o.max_stars = 100;
  return o;
}

std::vector<std::filesystem::path> files_under(const std::filesystem::path& dir,
                                               std::string_view part) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename().string().find(part) != std::string::npos) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ap::test
