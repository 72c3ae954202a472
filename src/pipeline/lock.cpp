#include "pipeline/lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.h"

namespace ap::pipeline {

RunLock::RunLock(const std::filesystem::path& out_dir) {
  const auto dir = out_dir / ".ap";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto path = dir / "lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw output_error(out_dir.string(), std::string("cannot lock: ") + std::strerror(errno));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    const ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
    ::close(fd_);
    fd_ = -1;
    throw output_error(out_dir.string(),
                       fmt::format("another ap run is using this output directory (pid {})",
                                   n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "?"));
  }
  // The pid only serves the message of a second run: failing to write it is harmless.
  const std::string me = std::to_string(::getpid());
  [[maybe_unused]] const bool written =
      ::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, me.data(), me.size(), 0) >= 0;
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace ap::pipeline
