// One `ap run` per output directory: a second run on the same output would
// race the first one's temporary files and manifest. The lock is an flock()
// on OUT/.ap/lock, released by the kernel if the process dies, so a killed
// run never leaves a stale lock behind.
#pragma once

#include <filesystem>

namespace ap::pipeline {

class RunLock {
 public:
  // Throws ap::Error (kOutputError) when another process holds the lock,
  // naming its process id, or when the lock file cannot be created.
  explicit RunLock(const std::filesystem::path& out_dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace ap::pipeline
