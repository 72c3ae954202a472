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

std::size_t remove_temporaries(const std::filesystem::path& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(".") && name.find(".tmp-") != std::string::npos && it->is_regular_file(ec)) {
      std::error_code rm;
      removed += std::filesystem::remove(it->path(), rm) ? 1 : 0;
    }
  }
  return removed;
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
