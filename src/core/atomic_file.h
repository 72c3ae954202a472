// Files appear whole or not at all: they are written under a temporary name
// in the target's own directory (so the rename stays on one file system)
// and renamed into place once complete.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace ap {

// ".<name>.tmp-<pid>-<n>" next to `target`, unique within the process; a file
// of that name left by a crashed process with the same pid is removed.
std::filesystem::path temporary_path(const std::filesystem::path& target);

// Removes the temporary files (temporary_path's names) under `dir` that a
// killed process left; only for a directory no live process writes to (ap
// run holds its lock). Returns how many were removed.
std::size_t remove_temporaries(const std::filesystem::path& dir);

// Writes `content` to `path` through a temporary file. Throws ap::Error
// (kOutputError) naming `path`; nothing is left behind on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// The whole file as bytes. Throws ap::Error (kBadInput) naming `path`.
std::string read_file(const std::filesystem::path& path);

}  // namespace ap
