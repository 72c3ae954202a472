// The stars of a simulated field: real Tycho-2 stars read from the
// astrometry.net index files (their star kd-trees carry MAG_VT), plus fainter
// synthetic stars drawn from a number-count law so that a frame holds
// hundreds to thousands of stars.
//
// Number counts: N(<V) per square degree = n10 * 10^(0.33 (V - 10)), where
// n10 (stars brighter than V = 10 per square degree) falls with galactic
// latitude b as 2 + 20 exp(-|b| / 10 deg), close to the observed counts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ap::sim {

struct SkyStar {
  std::int64_t id = 0;  // index-file star index, or kSyntheticIdBase + n
  double ra = 0.0;      // degrees, ICRS
  double dec = 0.0;
  double vmag = 0.0;
  double bv = 0.65;  // B - V colour
  bool catalogue = false;
};

inline constexpr std::int64_t kSyntheticIdBase = 1000000000;

struct StarFieldOptions {
  double ra = 0.0;  // field centre, degrees
  double dec = 0.0;
  double radius_deg = 1.0;  // every star within this distance
  bool catalogue = true;    // read Tycho-2 stars
  bool synthetic = true;    // add faint stars
  double faint_limit = 19.5;
  std::size_t max_stars = 20000;  // the faint limit rises until the field holds at most this many
  std::filesystem::path index_dir = "/usr/share/astrometry";
};

struct StarField {
  std::vector<SkyStar> stars;  // brightest first
  std::string index_file;      // empty when no Tycho-2 index was used
  std::size_t catalogue_count = 0;
  double synthetic_bright = 0.0;  // magnitude range of the synthetic stars
  double synthetic_faint = 0.0;
  double n10_per_deg2 = 0.0;
  double galactic_latitude_deg = 0.0;
};

// The finest-scale Tycho-2 index in `dir` (index-tycho2-10 before -11 ...), if any.
std::optional<std::filesystem::path> find_tycho2_index(const std::filesystem::path& dir);

// Tycho-2 stars within `radius_deg` of (ra, dec) from one index file (bv left at its default).
// Throws ap::Error (kBadInput) naming the file when it cannot be read.
std::vector<SkyStar> read_index_stars(const std::filesystem::path& index, double ra, double dec,
                                      double radius_deg);

// Catalogue plus synthetic stars. Without an index file the catalogue part is
// replaced by synthetic stars down to V = 6 and a warning is logged.
StarField make_star_field(const StarFieldOptions& options, std::uint64_t seed);

}  // namespace ap::sim
