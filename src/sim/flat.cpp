#include "sim/flat.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sim/random.h"

namespace ap::sim {
namespace {

// FNV-1a: a portable hash of the filter name for its random stream.
std::uint64_t name_hash(const std::string& name) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// A mote `distance_mm` in front of the focal plane casts a pupil image of
// radius distance / (2 f-ratio).
DustMote make_mote(const Detector& d, const itelescope::Telescope& t, double distance_mm,
                   double depth, const char* where, Rng& rng) {
  const double f_ratio = t.focal_length_mm / t.aperture_mm;
  const double pixel_mm = t.pixel_um * 1e-3 * d.binning;
  DustMote m;
  m.radius = distance_mm / (2.0 * f_ratio) / pixel_mm;
  m.x = rng.uniform(0.0, d.width - 1.0);
  m.y = rng.uniform(0.0, d.height - 1.0);
  m.depth = depth;
  m.where = where;
  return m;
}

// Soft step: 1 well inside r < edge, 0 well outside.
double inside(double r, double edge, double width) {
  return 1.0 / (1.0 + std::exp((r - edge) / width));
}

void cast_shadow(Image& image, const DustMote& m, double obstruction) {
  const double width = std::max(0.5, 0.08 * m.radius);
  const double reach = m.radius + 6.0 * width;
  const auto x0 =
      static_cast<std::size_t>(std::clamp(std::floor(m.x - reach), 0.0, double(image.width())));
  const auto x1 =
      static_cast<std::size_t>(std::clamp(std::ceil(m.x + reach) + 1, 0.0, double(image.width())));
  const auto y0 =
      static_cast<std::size_t>(std::clamp(std::floor(m.y - reach), 0.0, double(image.height())));
  const auto y1 =
      static_cast<std::size_t>(std::clamp(std::ceil(m.y + reach) + 1, 0.0, double(image.height())));
  for (std::size_t y = y0; y < y1; ++y) {
    for (std::size_t x = x0; x < x1; ++x) {
      const double dx = static_cast<double>(x) - m.x;
      const double dy = static_cast<double>(y) - m.y;
      const double r = std::sqrt(dx * dx + dy * dy);
      double shadow = inside(r, m.radius, width);
      if (obstruction > 0.0) shadow -= inside(r, obstruction * m.radius, width);
      image(x, y) *= static_cast<float>(1.0 - m.depth * shadow);
    }
  }
}

void vignette(Image& image, const Detector& d, const itelescope::Telescope& t,
              const FlatOptions& o) {
  // Optical axis slightly off the sensor centre; distances in unbinned pixels.
  const double cx = 0.52 * t.sensor_width;
  const double cy = 0.49 * t.sensor_height;
  const double corner2 =
      0.25 * (double(t.sensor_width) * t.sensor_width + double(t.sensor_height) * t.sensor_height);
  for (std::size_t y = 0; y < image.height(); ++y) {
    const double dy = (o.y_origin + static_cast<double>(y) + 0.5) * d.binning - cy;
    auto row = image.row(y);
    for (std::size_t x = 0; x < image.width(); ++x) {
      const double dx = (o.x_origin + static_cast<double>(x) + 0.5) * d.binning - cx;
      row[x] *= static_cast<float>(1.0 - t.vignetting * (dx * dx + dy * dy) / corner2);
    }
  }
}

}  // namespace

FlatField make_flat_field(const Detector& d, const itelescope::Telescope& t,
                          const std::string& filter, int date_index, const FlatOptions& o,
                          std::uint64_t seed) {
  FlatField flat;
  flat.response = d.response;
  if (o.vignetting) vignette(flat.response, d, t, o);
  if (o.dust) {
    const auto date = static_cast<std::uint64_t>(date_index);
    Rng permanent = Rng::stream(seed, Stream::kFlat, {0});
    Rng window = Rng::stream(seed, Stream::kFlat, {1, date});
    Rng on_filter = Rng::stream(seed, Stream::kFlat, {2, date, name_hash(filter)});
    flat.dust.push_back(make_mote(d, t, permanent.uniform(2.0, 6.0), permanent.uniform(0.02, 0.06),
                                  "window", permanent));
    flat.dust.push_back(
        make_mote(d, t, window.uniform(2.0, 6.0), window.uniform(0.02, 0.06), "window", window));
    for (int i = 0; i < 3; ++i) {
      flat.dust.push_back(make_mote(d, t, on_filter.uniform(10.0, 25.0),
                                    on_filter.uniform(0.005, 0.02), "filter", on_filter));
    }
    for (const DustMote& m : flat.dust) cast_shadow(flat.response, m, t.obstruction);
  }
  const auto pixels = flat.response.pixels();
  const double mean = std::accumulate(pixels.begin(), pixels.end(), 0.0) / double(pixels.size());
  for (float& v : pixels) v = static_cast<float>(v / mean);
  return flat;
}

}  // namespace ap::sim
