#include "core/atomic_file.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>

#include "core/error.h"

namespace ap {

std::filesystem::path temporary_path(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  auto temp =
      dir / fmt::format(".{}.tmp-{}-{}", target.filename().string(), ::getpid(), counter++);
  std::error_code ec;
  std::filesystem::remove(temp, ec);
  return temp;
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  const auto temp = temporary_path(path);
  std::error_code ec;
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out.flush()) {
      out.close();
      std::filesystem::remove(temp, ec);
      throw output_error(path.string(), "cannot write the file");
    }
  }
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    throw output_error(path.string(), "cannot move the file into place: " + ec.message());
  }
}

}  // namespace ap

namespace ap {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) throw Error(ExitCode::kBadInput, fmt::format("{}: cannot open", path.string()));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ExitCode::kBadInput, fmt::format("{}: cannot read", path.string()));
  return bytes;
}

}  // namespace ap
