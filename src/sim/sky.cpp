#include "sim/sky.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace ap::sim {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
    return std::tolower(x) == std::tolower(y);
  });
}

double to_rad(double deg) { return deg * std::numbers::pi / 180.0; }

}  // namespace

const std::vector<Filter>& filters() {
  // Zero points: photon flux densities of a magnitude-0 star (B 1390, V 995, R 702,
  // I 452 photons s^-1 cm^-2 nm^-1) times band width and peak transmission.
  static const std::vector<Filter> kFilters = {
      {"Luminance", 2.7e6, 0.05, 21.0, 0.9, 0.9, 0.9, ""},
      {"Clear", 4.0e6, -0.2, 20.6, 0.95, 0.95, 0.95, ""},
      {"Red", 6.3e5, -0.5, 20.4, 0.9, 0.0, 0.9, ""},
      {"Green", 9.0e5, 0.0, 21.0, 0.0, 0.9, 0.0, ""},
      {"Blue", 1.25e6, 0.75, 22.0, 0.0, 0.3, 0.0, ""},
      {"Ha", 1.9e4, -0.5, 20.4, 0.9, 0.0, 0.0, "Red"},
      {"OIII", 2.7e4, 0.0, 21.0, 0.0, 0.9, 0.0, "Green"},
      {"SII", 1.9e4, -0.5, 20.4, 0.0, 0.0, 0.9, "Red"},
      {"B", 1.05e6, 1.0, 22.2, 0.0, 0.3, 0.0, ""},
      {"V", 7.0e5, 0.0, 21.2, 0.0, 0.8, 0.0, ""},
      {"R", 7.7e5, -0.55, 20.5, 0.85, 0.0, 0.85, ""},
      {"I", 5.4e5, -1.1, 19.3, 0.0, 0.0, 0.0, ""},
  };
  return kFilters;
}

const Filter& find_filter(std::string_view name) {
  std::string known;
  for (const Filter& f : filters()) {
    if (same_name(f.name, name)) return f;
    known += (known.empty() ? "" : ", ") + f.name;
  }
  throw Error(ExitCode::kUsage, fmt::format("unknown filter '{}' (known: {})", name, known));
}

double Photometry::star_rate(const Filter& filter, double mag) const {
  return filter.photons_mag0 * std::pow(10.0, -0.4 * mag) * effective_area_cm2;
}

double Photometry::sky_rate(const Filter& filter) const {
  return star_rate(filter, filter.sky_mag_arcsec2) * pixel_area_arcsec2;
}

double Photometry::line_rate(const Filter& filter, double ha, double oiii, double sii) const {
  return (filter.ha * ha + filter.oiii * oiii + filter.sii * sii) * effective_area_cm2 *
         pixel_area_arcsec2;
}

double Nebula::profile(double east, double north) const {
  const double pa = to_rad(angle_deg);
  const double major = (east * std::sin(pa) + north * std::cos(pa)) / radius_arcsec;
  const double minor = (east * std::cos(pa) - north * std::sin(pa)) / (radius_arcsec * axis_ratio);
  const double rho = std::sqrt(major * major + minor * minor);
  const double phi = std::atan2(minor, major);
  // A wavy shell whose brightness varies along the rim: the filaments.
  const double rim = 1.0 + 0.05 * std::sin(5.0 * phi + phase2);
  const double shell = std::exp(-0.5 * std::pow((rho - rim) / thickness, 2));
  const double filaments =
      std::max(0.15, 1.0 + 0.5 * std::sin(3.0 * phi + phase1) + 0.3 * std::sin(7.0 * phi + phase2));
  const double interior = 0.25 * std::exp(-0.5 * std::pow(rho / 0.6, 2));
  return shell * filaments / 1.8 + interior;
}

void add_nebula(Image& image, const Nebula& nebula, const LocalAffine& map, double rate) {
  const double det = map.j[0] * map.j[3] - map.j[1] * map.j[2];
  if (rate <= 0.0 || det == 0.0) return;
  // Inverse map: (east, north) from pixel offsets.
  const double inv[4] = {map.j[3] / det, -map.j[1] / det, -map.j[2] / det, map.j[0] / det};
  const double reach_x = nebula.extent_arcsec() * std::hypot(map.j[0], map.j[1]);
  const double reach_y = nebula.extent_arcsec() * std::hypot(map.j[2], map.j[3]);
  const auto clamp_range = [](double lo, double hi, std::size_t n) {
    const double first = std::clamp(std::floor(lo), 0.0, static_cast<double>(n));
    const double last = std::clamp(std::ceil(hi) + 1.0, 0.0, static_cast<double>(n));
    return std::pair<std::size_t, std::size_t>(static_cast<std::size_t>(first),
                                               static_cast<std::size_t>(last));
  };
  const auto [x_begin, x_end] = clamp_range(map.x0 - reach_x, map.x0 + reach_x, image.width());
  const auto [y_begin, y_end] = clamp_range(map.y0 - reach_y, map.y0 + reach_y, image.height());
  for (std::size_t y = y_begin; y < y_end; ++y) {
    const double dy = static_cast<double>(y) - map.y0;
    auto row = image.row(y);
    for (std::size_t x = x_begin; x < x_end; ++x) {
      const double dx = static_cast<double>(x) - map.x0;
      const double east = inv[0] * dx + inv[1] * dy;
      const double north = inv[2] * dx + inv[3] * dy;
      row[x] += static_cast<float>(rate * nebula.profile(east, north));
    }
  }
}

}  // namespace ap::sim
