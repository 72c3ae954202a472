#include "itelescope/ingest.h"

#include <fmt/format.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <memory>
#include <string>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "itelescope/names.h"

namespace ap::itelescope {
namespace fs = std::filesystem;
namespace {

constexpr fs::perms kDirectoryMode = fs::perms::owner_all | fs::perms::group_read |
                                     fs::perms::group_exec | fs::perms::others_read |
                                     fs::perms::others_exec;
constexpr std::size_t kChunk = std::size_t{1} << 20;

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct EntryCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;
using EntryPtr = std::unique_ptr<zip_file_t, EntryCloser>;

bool is_zip(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".zip";
}

class Ingest {
 public:
  explicit Ingest(const IngestOptions& options) : options_(options) {}

  // Steps 1 and 2 below `dir` (not `dir` itself: it is the user's); zips
  // are collected for step 3.
  void walk(const fs::path& dir) {
    std::vector<fs::directory_entry> entries;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) entries.push_back(e);
    if (ec) throw input_error(dir.string(), "cannot list the directory: " + ec.message());
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries) {
      if (entry.is_symlink()) continue;
      const fs::path path = rename_spaces(entry.path());
      // In a dry run nothing was renamed: keep walking the old path.
      const fs::path& now = options_.dry_run ? entry.path() : path;
      if (entry.is_directory()) {
        fix_mode(now);
        walk(now);
      } else if (entry.is_regular_file() && is_zip(path)) {
        zips_.push_back(now);
      }
    }
  }

  // Step 3.
  void extract_all() {
    for (const fs::path& zip : zips_) extract(zip);
  }

  IngestReport report;

 private:
  void act(IngestAction::Kind kind, const fs::path& from, const fs::path& to = {}) {
    report.actions.push_back({kind, from, to});
    logger("ingest")->debug("{} {} {}", ingest_action_name(kind), from.string(), to.string());
  }

  fs::path rename_spaces(const fs::path& path) {
    const std::string name = path.filename().string();
    if (name.find(' ') == std::string::npos) return path;
    const fs::path target = path.parent_path() / underscore_spaces(name);
    std::error_code ec;
    if (fs::exists(fs::symlink_status(target, ec))) {
      throw output_error(path.string(), fmt::format("cannot rename to '{}': that name exists",
                                                    target.filename().string()));
    }
    if (!options_.dry_run) {
      fs::rename(path, target, ec);
      if (ec) throw output_error(path.string(), "cannot rename: " + ec.message());
    }
    act(IngestAction::Kind::kRename, path, target);
    return target;
  }

  void fix_mode(const fs::path& dir) {
    std::error_code ec;
    const fs::perms mode = fs::status(dir, ec).permissions() & fs::perms::mask;
    if (ec) throw input_error(dir.string(), "cannot read the permissions: " + ec.message());
    if (mode == kDirectoryMode) return;
    if (!options_.dry_run) {
      fs::permissions(dir, kDirectoryMode, fs::perm_options::replace, ec);
      if (ec) throw output_error(dir.string(), "cannot change the permissions: " + ec.message());
    }
    act(IngestAction::Kind::kChmod, dir);
  }

  [[noreturn]] static void zip_failed(const fs::path& zip, const std::string& what,
                                      zip_error_t* error) {
    throw input_error(zip.string(), fmt::format("{}: {}", what, zip_error_strerror(error)));
  }

  // The entry's path under the zip's directory, with the space rule applied
  // to each component; unsafe names are refused.
  static fs::path destination(const fs::path& zip, const std::string& name) {
    const fs::path relative(name);
    if (name.empty() || relative.is_absolute()) {
      throw input_error(zip.string(), fmt::format("unsafe entry name '{}'", name));
    }
    fs::path out = zip.parent_path();
    for (const auto& part : relative) {
      if (part == "..") {
        throw input_error(zip.string(), fmt::format("unsafe entry name '{}'", name));
      }
      if (part.empty() || part == ".") continue;
      out /= underscore_spaces(part.string());
    }
    return out;
  }

  // Streams entry `index` to `sink` in chunks; libzip checks size and CRC-32
  // as the last chunk is read and reports a mismatch as a read error.
  template <typename Sink>
  static void read_entry(zip_t* archive, const fs::path& zip, zip_uint64_t index,
                         const std::string& name, Sink&& sink) {
    EntryPtr entry(zip_fopen_index(archive, index, 0));
    if (!entry) zip_failed(zip, fmt::format("entry '{}'", name), zip_get_error(archive));
    std::vector<char> buffer(kChunk);
    for (;;) {
      const zip_int64_t n = zip_fread(entry.get(), buffer.data(), buffer.size());
      if (n < 0) zip_failed(zip, fmt::format("entry '{}'", name), zip_file_get_error(entry.get()));
      if (n == 0) break;
      sink(buffer.data(), static_cast<std::size_t>(n));
    }
  }

  static bool same_bytes(zip_t* archive, const fs::path& zip, zip_uint64_t index,
                         const std::string& name, const fs::path& file, zip_uint64_t size) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec) || fs::file_size(file, ec) != size) return false;
    std::ifstream in(file, std::ios::binary);
    std::vector<char> theirs(kChunk);
    bool same = true;
    read_entry(archive, zip, index, name, [&](const char* data, std::size_t n) {
      if (!same || !in.read(theirs.data(), static_cast<std::streamsize>(n))) {
        same = false;
        return;
      }
      same = std::equal(data, data + n, theirs.data());
    });
    return same;
  }

  void extract(const fs::path& zip) {
    int code = 0;
    ZipPtr archive(zip_open(zip.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code));
    if (!archive) {
      zip_error_t error;
      zip_error_init_with_code(&error, code);
      zip_failed(zip, "not a readable zip archive", &error);
    }
    const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
    for (zip_int64_t i = 0; i < entries; ++i) {
      const auto index = static_cast<zip_uint64_t>(i);
      zip_stat_t st;
      if (zip_stat_index(archive.get(), index, 0, &st) != 0) {
        zip_failed(zip, fmt::format("entry {}", i), zip_get_error(archive.get()));
      }
      const std::string name = st.name;
      const fs::path out = destination(zip, name);
      if (name.ends_with('/')) {
        make_directories(out);
        continue;
      }
      if (fs::exists(out)) {
        if (same_bytes(archive.get(), zip, index, name, out, st.size)) continue;
        throw input_error(zip.string(), fmt::format("entry '{}' would overwrite the different "
                                                    "file '{}'",
                                                    name, out.string()));
      }
      act(IngestAction::Kind::kExtract, zip, out);
      if (options_.dry_run) continue;
      make_directories(out.parent_path());
      write_entry(archive.get(), zip, index, name, out);
    }
    act(IngestAction::Kind::kRemoveZip, zip);
    if (options_.dry_run) return;
    archive.reset();
    std::error_code ec;
    fs::remove(zip, ec);
    if (ec) throw output_error(zip.string(), "extracted, but cannot remove: " + ec.message());
  }

  void make_directories(const fs::path& dir) {
    if (options_.dry_run || fs::is_directory(dir)) return;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw output_error(dir.string(), "cannot create the directory: " + ec.message());
    fix_mode(dir);
  }

  static void write_entry(zip_t* archive, const fs::path& zip, zip_uint64_t index,
                          const std::string& name, const fs::path& out) {
    const fs::path temp = temporary_path(out);
    try {
      std::ofstream file(temp, std::ios::binary | std::ios::trunc);
      read_entry(archive, zip, index, name, [&](const char* data, std::size_t n) {
        file.write(data, static_cast<std::streamsize>(n));
      });
      file.close();
      if (!file) throw output_error(out.string(), "cannot write the extracted file");
      fs::rename(temp, out);
    } catch (const std::filesystem::filesystem_error& e) {
      std::error_code ec;
      fs::remove(temp, ec);
      throw output_error(out.string(), std::string("cannot move into place: ") +
                                           e.code().message());
    } catch (...) {
      std::error_code ec;
      fs::remove(temp, ec);
      throw;
    }
  }

  IngestOptions options_;
  std::vector<fs::path> zips_;
};

}  // namespace

std::size_t IngestReport::count(IngestAction::Kind kind) const {
  return static_cast<std::size_t>(std::count_if(
      actions.begin(), actions.end(), [kind](const IngestAction& a) { return a.kind == kind; }));
}

const char* ingest_action_name(IngestAction::Kind kind) {
  switch (kind) {
    case IngestAction::Kind::kRename: return "rename";
    case IngestAction::Kind::kChmod: return "chmod 755";
    case IngestAction::Kind::kExtract: return "extract";
    case IngestAction::Kind::kRemoveZip: return "remove";
  }
  return "?";
}

IngestReport ingest(const fs::path& dir, const IngestOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw input_error(dir.string(), "not a directory");
  Ingest run(options);
  run.walk(dir);
  run.extract_all();
  return std::move(run.report);
}

}  // namespace ap::itelescope
