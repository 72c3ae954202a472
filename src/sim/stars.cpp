#include "sim/stars.h"

#include <erfa.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <numbers>
#include <regex>
#include <tuple>

#include "core/error.h"
#include "core/log.h"
#include "sim/random.h"

extern "C" {
#include <astrometry/starkd.h>
}

namespace ap::sim {
namespace {

constexpr double kCountSlope = 0.33;  // d log10 N / d mag
constexpr double kDeg = std::numbers::pi / 180.0;

double n10_at_latitude(double b_deg) { return 2.0 + 20.0 * std::exp(-std::fabs(b_deg) / 10.0); }

double cap_area_deg2(double radius_deg) {
  return 2.0 * std::numbers::pi * (1.0 - std::cos(radius_deg * kDeg)) / (kDeg * kDeg);
}

// A point `distance` degrees from (ra, dec) towards position angle `angle` (radians).
std::pair<double, double> offset_point(double ra, double dec, double distance, double angle) {
  const double d = dec * kDeg;
  const double t = distance * kDeg;
  const double sin_dec = std::sin(d) * std::cos(t) + std::cos(d) * std::sin(t) * std::cos(angle);
  const double new_dec = std::asin(std::clamp(sin_dec, -1.0, 1.0));
  const double dra =
      std::atan2(std::sin(angle) * std::sin(t) * std::cos(d), std::cos(t) - std::sin(d) * sin_dec);
  double new_ra = std::fmod(ra + dra / kDeg, 360.0);
  if (new_ra < 0.0) new_ra += 360.0;
  return {new_ra, new_dec / kDeg};
}

struct Owned {
  void operator()(void* p) const { std::free(p); }
};

}  // namespace

std::optional<std::filesystem::path> find_tycho2_index(const std::filesystem::path& dir) {
  static const std::regex kIndex(R"(index-tycho2-(\d+)(\.littleendian)?\.fits)");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return std::nullopt;
  std::optional<std::filesystem::path> best;
  int best_scale = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, m, kIndex)) continue;
    const int scale = std::stoi(m[1].str());
    if (!best || scale < best_scale || (scale == best_scale && entry.path() < *best)) {
      best = entry.path();
      best_scale = scale;
    }
  }
  return best;
}

std::vector<SkyStar> read_index_stars(const std::filesystem::path& index, double ra, double dec,
                                      double radius_deg) {
  startree_t* tree = startree_open(index.c_str());
  if (tree == nullptr) throw input_error(index.string(), "cannot read the star kd-tree");
  double* radec = nullptr;
  int* indices = nullptr;
  int count = 0;
  startree_search_for_radec(tree, ra, dec, radius_deg, nullptr, &radec, &indices, &count);
  const std::unique_ptr<double, Owned> radec_owner(radec);
  const std::unique_ptr<int, Owned> indices_owner(indices);
  double* mags = count > 0 ? startree_get_data_column(tree, "MAG_VT", indices, count) : nullptr;
  if (count > 0 && mags == nullptr) {
    startree_close(tree);
    throw input_error(index.string(), "star kd-tree has no MAG_VT column");
  }
  std::vector<SkyStar> stars;
  for (int i = 0; i < count; ++i) {
    SkyStar s;
    s.id = indices[i];
    s.ra = radec[2 * i];
    s.dec = radec[2 * i + 1];
    s.vmag = mags[i];
    s.catalogue = true;
    stars.push_back(s);
  }
  if (mags != nullptr) startree_free_data_column(tree, mags);
  startree_close(tree);
  return stars;
}

StarField make_star_field(const StarFieldOptions& o, std::uint64_t seed) {
  auto log = logger("simulate");
  StarField field;
  if (o.catalogue) {
    if (const auto index = find_tycho2_index(o.index_dir)) {
      field.stars = read_index_stars(*index, o.ra, o.dec, o.radius_deg);
      field.index_file = index->string();
    } else {
      log->warn(
          "no Tycho-2 index file (index-tycho2-*.fits) in {}: all stars are synthetic "
          "(install astrometry-data-tycho2-10-19-littleendian for the real sky)",
          o.index_dir.string());
    }
  }
  field.catalogue_count = field.stars.size();

  double l = 0.0, b = 0.0;
  eraIcrs2g(o.ra * kDeg, o.dec * kDeg, &l, &b);
  field.galactic_latitude_deg = b / kDeg;
  field.n10_per_deg2 = n10_at_latitude(field.galactic_latitude_deg);

  Rng rng = Rng::stream(seed, Stream::kStarField);
  // Synthetic stars start where the catalogue stops.
  double bright = 6.0;
  for (const SkyStar& s : field.stars) bright = std::max(bright, s.vmag);
  double faint = std::max(bright, o.faint_limit);
  const double per_unit = field.n10_per_deg2 * cap_area_deg2(o.radius_deg);
  const auto cumulative = [](double m) { return std::pow(10.0, kCountSlope * (m - 10.0)); };
  const double room =
      static_cast<double>(o.max_stars > field.stars.size() ? o.max_stars - field.stars.size() : 0);
  if (per_unit * (cumulative(faint) - cumulative(bright)) > room) {
    faint = 10.0 + std::log10(room / per_unit + cumulative(bright)) / kCountSlope;
  }
  field.synthetic_bright = bright;
  field.synthetic_faint = faint;
  const auto count = o.synthetic ? static_cast<std::size_t>(std::llround(
                                       per_unit * (cumulative(faint) - cumulative(bright))))
                                 : 0;
  const double cos_radius = std::cos(o.radius_deg * kDeg);
  for (std::size_t i = 0; i < count; ++i) {
    SkyStar s;
    s.id = kSyntheticIdBase + static_cast<std::int64_t>(i);
    // Uniform on the spherical cap.
    const double distance = std::acos(1.0 - rng.uniform() * (1.0 - cos_radius)) / kDeg;
    std::tie(s.ra, s.dec) =
        offset_point(o.ra, o.dec, distance, 2.0 * std::numbers::pi * rng.uniform());
    const double c_b = cumulative(bright);
    s.vmag = 10.0 + std::log10(c_b + rng.uniform() * (cumulative(faint) - c_b)) / kCountSlope;
    field.stars.push_back(s);
  }
  for (SkyStar& s : field.stars) s.bv = std::clamp(rng.normal(0.75, 0.35), -0.25, 2.0);
  std::stable_sort(field.stars.begin(), field.stars.end(),
                   [](const SkyStar& a, const SkyStar& c) { return a.vmag < c.vmag; });
  log->debug(
      "star field: {} Tycho-2 stars from {}, {} synthetic stars V {:.2f}-{:.2f} "
      "(b = {:.1f} deg)",
      field.catalogue_count, field.index_file.empty() ? "none" : field.index_file, count, bright,
      faint, field.galactic_latitude_deg);
  return field;
}

}  // namespace ap::sim
