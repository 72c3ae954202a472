#include "astrometry/index_set.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/log.h"

extern "C" {
#include <astrometry/index.h>
#include <astrometry/log.h>
}

namespace ap::astrometry {
namespace fs = std::filesystem;

std::vector<fs::path> index_search_path(const std::vector<fs::path>& dirs) {
  std::vector<fs::path> candidates = dirs;
  if (const char* env = std::getenv("AP_INDEX_DIR"); env && *env) {
    std::stringstream ss(env);
    for (std::string part; std::getline(ss, part, ':');)
      if (!part.empty()) candidates.emplace_back(part);
  }
  if (dirs.empty()) {
    std::ifstream cfg("/etc/astrometry.cfg");
    for (std::string line; std::getline(cfg, line);) {
      std::istringstream ls(line);
      std::string word, path;
      if (ls >> word >> path && word == "add_path") candidates.emplace_back(path);
    }
    candidates.emplace_back("/usr/share/astrometry");
  }
  std::vector<fs::path> out;
  for (const fs::path& p : candidates) {
    std::error_code ec;
    if (fs::is_directory(p, ec) && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

IndexSet::IndexSet(std::vector<fs::path> dirs) : dirs_(std::move(dirs)) {
  log_init(LOG_NONE);  // libastrometry's own logging goes to stdout
  std::vector<fs::path> files;
  for (const fs::path& dir : dirs_) {
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file() && name.rfind("index-", 0) == 0 &&
          (name.ends_with(".fits") || name.ends_with(".fits.fz")))
        files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    index_t* index = index_load(f.c_str(), 0, nullptr);
    if (!index) {
      logger("solve")->warn("{}: not a loadable astrometry.net index, skipped", f.string());
      continue;
    }
    indexes_.push_back({f.filename().string(), index->index_scale_lower, index->index_scale_upper, index});
  }
  if (indexes_.empty()) {
    std::string where;
    for (const fs::path& d : dirs_) where += (where.empty() ? "" : ", ") + d.string();
    throw Error(ExitCode::kBadInput,
                fmt::format("no astrometry.net index files in {} (install the Debian package "
                            "astrometry-data-tycho2, or give --index-dir)",
                            where.empty() ? std::string("any search directory") : where));
  }
}

IndexSet::~IndexSet() {
  for (LoadedIndex& i : indexes_) index_free(static_cast<index_t*>(i.index));
}

double IndexSet::min_quad_arcsec() const {
  double m = indexes_.front().quad_min_arcsec;
  for (const LoadedIndex& i : indexes_) m = std::min(m, i.quad_min_arcsec);
  return m;
}

double IndexSet::max_quad_arcsec() const {
  double m = 0.0;
  for (const LoadedIndex& i : indexes_) m = std::max(m, i.quad_max_arcsec);
  return m;
}

const IndexSet& IndexSet::shared(const std::vector<fs::path>& dirs) {
  static std::mutex mutex;
  static std::map<std::vector<fs::path>, std::unique_ptr<IndexSet>> sets;
  const std::vector<fs::path> path = index_search_path(dirs);
  std::lock_guard lock(mutex);
  auto& slot = sets[path];
  if (!slot) slot.reset(new IndexSet(path));
  return *slot;
}

}  // namespace ap::astrometry
