// astrometry.net index files, loaded once per process and shared by every
// frame a process solves.
//
// Where they are looked for, in order: the directories given, AP_INDEX_DIR
// (':'-separated), the add_path lines of astrometry.net's own configuration
// (/etc/astrometry.cfg), and the Debian packages' /usr/share/astrometry.
#pragma once

#include <filesystem>
#include <string>
#include <vector>


namespace ap::astrometry {

struct LoadedIndex {
  std::string name;       // file name, e.g. "index-tycho2-10.littleendian.fits"
  double quad_min_arcsec;  // the quad sizes the index holds
  double quad_max_arcsec;
  void* index;             // libastrometry's index_t*
};

class IndexSet {
 public:
  // The index files under the search path. Throws ap::Error (kBadInput) when
  // there is none, saying which Debian package provides them.
  static const IndexSet& shared(const std::vector<std::filesystem::path>& dirs = {});

  const std::vector<LoadedIndex>& indexes() const { return indexes_; }
  const std::vector<std::filesystem::path>& directories() const { return dirs_; }

  // The smallest and largest quads of all indexes, arcsec.
  double min_quad_arcsec() const;
  double max_quad_arcsec() const;

  IndexSet(const IndexSet&) = delete;
  IndexSet& operator=(const IndexSet&) = delete;
  ~IndexSet();

 private:
  explicit IndexSet(std::vector<std::filesystem::path> dirs);
  std::vector<std::filesystem::path> dirs_;
  std::vector<LoadedIndex> indexes_;
};

// The search path for `dirs` (as documented above), existing directories only.
std::vector<std::filesystem::path> index_search_path(const std::vector<std::filesystem::path>& dirs);

}  // namespace ap::astrometry
