#include "resample/resample.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "core/error.h"
#include "core/parallel.h"
#include "core/stats.h"

namespace ap {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double sinc(double x) {
  if (std::abs(x) < 1e-8) return 1.0;
  const double px = std::numbers::pi * x;
  return std::sin(px) / px;
}

int kernel_radius(Kernel k) {
  switch (k) {
    case Kernel::kLanczos3: return 3;
    case Kernel::kLanczos2: return 2;
    case Kernel::kBilinear: return 1;
    case Kernel::kNearest: return 0;
  }
  return 0;
}

double exact_kernel(Kernel k, double x) {
  x = std::abs(x);
  switch (k) {
    case Kernel::kLanczos3: return x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
    case Kernel::kLanczos2: return x < 2.0 ? sinc(x) * sinc(x / 2.0) : 0.0;
    case Kernel::kBilinear: return x < 1.0 ? 1.0 - x : 0.0;
    case Kernel::kNearest: return 1.0;
  }
  return 0.0;
}

// Lanczos kernels tabulated (4096 steps per pixel, linear in between: errors
// below 1e-7), as the sines would otherwise dominate the resampling time.
class KernelTable {
 public:
  explicit KernelTable(Kernel k) : kernel_(k) {
    const int r = kernel_radius(k);
    table_.resize(static_cast<std::size_t>(r * kSteps + 2));
    for (std::size_t i = 0; i < table_.size(); ++i) table_[i] = exact_kernel(k, static_cast<double>(i) / kSteps);
  }
  double operator()(double x) const {
    if (kernel_ == Kernel::kBilinear || kernel_ == Kernel::kNearest) return exact_kernel(kernel_, x);
    const double t = std::abs(x) * kSteps;
    const auto i = static_cast<std::size_t>(t);
    if (i + 1 >= table_.size()) return 0.0;
    const double f = t - static_cast<double>(i);
    return table_[i] + f * (table_[i + 1] - table_[i]);
  }

 private:
  static constexpr int kSteps = 4096;
  Kernel kernel_;
  std::vector<double> table_;
};

// Standard coordinates (degrees) of a sky position on the plane tangent at (ra0, dec0).
std::array<double, 2> tangent(const SkyCoord& s, const SkyCoord& c) {
  const double r = std::numbers::pi / 180.0;
  const double d = s.dec * r, d0 = c.dec * r, da = (s.ra - c.ra) * r;
  const double cosc = std::sin(d0) * std::sin(d) + std::cos(d0) * std::cos(d) * std::cos(da);
  return {std::cos(d) * std::sin(da) / cosc / r,
          (std::cos(d0) * std::sin(d) - std::sin(d0) * std::cos(d) * std::cos(da)) / cosc / r};
}

}  // namespace

Kernel parse_kernel(std::string_view name) {
  if (name == "lanczos3") return Kernel::kLanczos3;
  if (name == "lanczos2") return Kernel::kLanczos2;
  if (name == "bilinear") return Kernel::kBilinear;
  if (name == "nearest") return Kernel::kNearest;
  throw Error(ExitCode::kUsage, fmt::format("unknown kernel '{}' (lanczos3, lanczos2, bilinear, nearest)", name));
}

Grid choose_grid(const std::vector<Footprint>& inputs, const GridOptions& o) {
  if (inputs.empty()) throw Error(ExitCode::kUsage, "resample: no input");
  // Centre: the middle of the input centres (unit vectors averaged).
  double vx = 0, vy = 0, vz = 0;
  std::vector<float> scales;
  const double r = std::numbers::pi / 180.0;
  for (const Footprint& f : inputs) {
    const double fw = static_cast<double>(f.width), fh = static_cast<double>(f.height);
    const SkyCoord c = f.wcs.pixel_to_sky({0.5 * (fw - 1.0), 0.5 * (fh - 1.0)});
    vx += std::cos(c.dec * r) * std::cos(c.ra * r);
    vy += std::cos(c.dec * r) * std::sin(c.ra * r);
    vz += std::sin(c.dec * r);
    scales.push_back(static_cast<float>(f.wcs.pixel_scale_arcsec()));
  }
  SkyCoord centre{std::fmod(std::atan2(vy, vx) / r + 360.0, 360.0), std::atan2(vz, std::hypot(vx, vy)) / r};
  if (o.ra && o.dec) centre = {*o.ra, *o.dec};
  const double scale = o.pixel_scale.value_or(median(scales)) / 3600.0;

  // Each footprint's box on the tangent plane, from points along its edges.
  double lo_x = o.intersection ? -1e30 : 1e30, hi_x = -lo_x, lo_y = lo_x, hi_y = hi_x;
  for (const Footprint& f : inputs) {
    double fx0 = 1e30, fx1 = -1e30, fy0 = 1e30, fy1 = -1e30;
    const double fw = static_cast<double>(f.width) - 1.0, fh = static_cast<double>(f.height) - 1.0;
    for (int k = 0; k <= 40; ++k) {
      const double t = k / 40.0;
      const std::array<PixelCoord, 4> edge = {PixelCoord{t * fw, 0.0}, PixelCoord{t * fw, fh},
                                              PixelCoord{0.0, t * fh}, PixelCoord{fw, t * fh}};
      for (const PixelCoord& p : edge) {
        const auto [xi, eta] = tangent(f.wcs.pixel_to_sky(p), centre);
        fx0 = std::min(fx0, xi), fx1 = std::max(fx1, xi), fy0 = std::min(fy0, eta), fy1 = std::max(fy1, eta);
      }
    }
    if (o.intersection) {
      lo_x = std::max(lo_x, fx0), hi_x = std::min(hi_x, fx1), lo_y = std::max(lo_y, fy0), hi_y = std::min(hi_y, fy1);
    } else {
      lo_x = std::min(lo_x, fx0), hi_x = std::max(hi_x, fx1), lo_y = std::min(lo_y, fy0), hi_y = std::max(hi_y, fy1);
    }
  }
  if (!(hi_x > lo_x && hi_y > lo_y))
    throw Error(ExitCode::kBadInput, "resample: the inputs do not overlap");
  // East is left: x grows towards -xi.
  const auto w = o.width.value_or(static_cast<std::size_t>(std::ceil((hi_x - lo_x) / scale)) + 1);
  const auto h = o.height.value_or(static_cast<std::size_t>(std::ceil((hi_y - lo_y) / scale)) + 1);
  if (static_cast<double>(w) * static_cast<double>(h) > static_cast<double>(o.max_pixels)) {
    const double needed = scale * 3600.0 * std::sqrt(static_cast<double>(w) * static_cast<double>(h) /
                                                     static_cast<double>(o.max_pixels));
    throw Error(ExitCode::kUsage,
                fmt::format("resample: a {} x {} grid ({:.1f} GB of float32) is too large; "
                            "try --pixel-scale {:.2f} or a smaller --size",
                            w, h, static_cast<double>(w) * static_cast<double>(h) * 4e-9 * 3, needed));
  }
  // CRPIX (1-based) where the centre falls: the box starts at pixel 1.
  const double crpix_x = o.width ? 0.5 * (static_cast<double>(w) + 1.0) : 1.0 + hi_x / scale;
  const double crpix_y = o.height ? 0.5 * (static_cast<double>(h) + 1.0) : 1.0 - lo_y / scale;
  return {Wcs::tan({crpix_x, crpix_y}, centre, {-scale, 0.0, 0.0, scale}), w, h};
}

PixelMap::PixelMap(const Grid& out, const Wcs& in) {
  for (;;) {
    nx_ = (out.width + step_ - 1) / step_ + 1;
    ny_ = (out.height + step_ - 1) / step_ + 1;
    mx_.assign(nx_ * ny_, kNaN);
    my_.assign(nx_ * ny_, kNaN);
    parallel_for(0, ny_, [&](std::size_t j0, std::size_t j1) {
      Wcs ow = out.wcs, iw = in;  // wcslib structs are not shared between threads
      for (std::size_t j = j0; j < j1; ++j) {
        for (std::size_t i = 0; i < nx_; ++i) {
          const SkyCoord s = ow.pixel_to_sky({static_cast<double>(i) * static_cast<double>(step_),
                                              static_cast<double>(j) * static_cast<double>(step_)});
          const PixelCoord p = iw.sky_to_pixel(s);
          mx_[j * nx_ + i] = p.x;
          my_[j * nx_ + i] = p.y;
        }
      }
    }, 1);
    // Check at cell centres against the exact mapping.
    Wcs ow = out.wcs, iw = in;
    max_error_ = 0.0;
    for (std::size_t j = 0; j + 1 < ny_; j += std::max<std::size_t>(1, ny_ / 8)) {
      for (std::size_t i = 0; i + 1 < nx_; i += std::max<std::size_t>(1, nx_ / 8)) {
        const double x = (static_cast<double>(i) + 0.5) * static_cast<double>(step_);
        const double y = (static_cast<double>(j) + 0.5) * static_cast<double>(step_);
        const PixelCoord p = iw.sky_to_pixel(ow.pixel_to_sky({x, y}));
        double ix, iy;
        map(x, y, ix, iy);
        if (std::isfinite(p.x) && std::isfinite(ix)) max_error_ = std::max(max_error_, std::hypot(ix - p.x, iy - p.y));
      }
    }
    if (max_error_ < 0.01 || step_ <= 2) break;
    step_ /= 2;
  }
}

void PixelMap::map(double x, double y, double& ix, double& iy) const {
  const double fx = x / static_cast<double>(step_), fy = y / static_cast<double>(step_);
  const auto i = std::min(static_cast<std::size_t>(std::max(0.0, fx)), nx_ - 2);
  const auto j = std::min(static_cast<std::size_t>(std::max(0.0, fy)), ny_ - 2);
  const double tx = fx - static_cast<double>(i), ty = fy - static_cast<double>(j);
  const auto at = [&](const std::vector<double>& m, std::size_t a, std::size_t b) { return m[b * nx_ + a]; };
  const auto lerp = [&](const std::vector<double>& m) {
    return (1 - ty) * ((1 - tx) * at(m, i, j) + tx * at(m, i + 1, j)) +
           ty * ((1 - tx) * at(m, i, j + 1) + tx * at(m, i + 1, j + 1));
  };
  ix = lerp(mx_);
  iy = lerp(my_);
}

double PixelMap::area(double x, double y) const {
  double x0, y0, x1, y1, x2, y2;
  map(x, y, x0, y0);
  map(x + 1.0, y, x1, y1);
  map(x, y + 1.0, x2, y2);
  return std::abs((x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0));
}

void resample_rows(const InputRows& in, const PixelMap& map, const ResampleOptions& o, std::size_t y0,
                   std::size_t y1, Image& image, Image& weight) {
  const int radius = kernel_radius(o.kernel);
  const KernelTable kernel_value(o.kernel);
  const long iw = static_cast<long>(in.width), ih = static_cast<long>(in.full_height);
  const double mid_area = map.area(0.5 * static_cast<double>(image.width()), 0.5 * static_cast<double>(y0 + y1));
  const int sub = o.oversampling > 0 ? o.oversampling
                                     : std::max(1, static_cast<int>(std::ceil(std::sqrt(mid_area) - 0.01)));
  const double unit = o.exposure && *o.exposure > 0 ? 1.0 / *o.exposure : 1.0;
  // Pixels of rows outside [first_row, end_row) are treated as off the image.
  const long first = static_cast<long>(in.first_row), end = first + static_cast<long>(in.rows);
  const auto pixel = [&](long px, long py, float& v) {
    if (px < 0 || py < first || px >= iw || py >= end) return false;
    const std::size_t i = static_cast<std::size_t>(py - first) * in.width + static_cast<std::size_t>(px);
    v = in.data[i];
    return std::isfinite(v) && !(in.bad && in.bad[i]);
  };
  parallel_for(y0, y1, [&](std::size_t ya, std::size_t yb) {
    std::vector<double> wx(static_cast<std::size_t>(2 * radius + 2)), wy(wx.size());
    for (std::size_t y = ya; y < yb; ++y) {
      for (std::size_t x = 0; x < image.width(); ++x) {
        double value = 0.0, wsum_all = 0.0;
        int covered = 0;
        for (int sj = 0; sj < sub; ++sj) {
          for (int si = 0; si < sub; ++si) {
            const double ox = static_cast<double>(x) + (si + 0.5) / sub - 0.5;
            const double oy = static_cast<double>(y) + (sj + 0.5) / sub - 0.5;
            double ix, iy;
            map.map(ox, oy, ix, iy);
            if (!std::isfinite(ix) || ix < -0.5 || iy < -0.5 || ix > static_cast<double>(iw) - 0.5 ||
                iy > static_cast<double>(ih) - 0.5)
              continue;
            double sum = 0.0, wsum = 0.0, wall = 0.0;
            float v;
            if (o.kernel == Kernel::kNearest) {
              wall = 1.0;
              if (pixel(std::lround(ix), std::lround(iy), v)) sum = v, wsum = 1.0;
            } else {
              const long cx = static_cast<long>(std::floor(ix)), cy = static_cast<long>(std::floor(iy));
              for (int k = 0; k < 2 * radius; ++k) {
                wx[static_cast<std::size_t>(k)] = kernel_value(ix - static_cast<double>(cx - radius + 1 + k));
                wy[static_cast<std::size_t>(k)] = kernel_value(iy - static_cast<double>(cy - radius + 1 + k));
              }
              for (int b = 0; b < 2 * radius; ++b) {
                for (int a = 0; a < 2 * radius; ++a) {
                  const double w = wx[static_cast<std::size_t>(a)] * wy[static_cast<std::size_t>(b)];
                  wall += w;
                  if (!pixel(cx - radius + 1 + a, cy - radius + 1 + b, v)) continue;
                  sum += w * v;
                  wsum += w;
                }
              }
            }
            if (wsum <= 0.0 || wall <= 0.0) continue;
            value += sum / wsum;
            wsum_all += std::clamp(wsum / wall, 0.0, 1.0);
            ++covered;
          }
        }
        if (covered > 0) {
          // Mean surface brightness of the covered sub-pixels, times the area ratio.
          image(x, y - y0) = static_cast<float>(value / covered *
                                                map.area(static_cast<double>(x), static_cast<double>(y)) * unit);
          weight(x, y - y0) = static_cast<float>(wsum_all / (sub * sub));
        } else {
          image(x, y - y0) = std::nanf("");
          weight(x, y - y0) = 0.0f;
        }
      }
    }
  }, 8);
}

std::pair<std::size_t, std::size_t> PixelMap::input_rows(std::size_t y0, std::size_t y1, std::size_t width,
                                                         int margin, std::size_t input_height) const {
  // The mapping is bilinear between mesh nodes: its extremes are at nodes or band edges.
  const auto points = [&](std::size_t from, std::size_t to) {
    std::vector<double> v;
    for (std::size_t t = from; t < to; t += step_) v.push_back(static_cast<double>(t));
    v.push_back(static_cast<double>(to));
    return v;
  };
  double lo = 1e30, hi = -1e30;
  for (const double y : points(y0, y1)) {
    for (const double x : points(0, width)) {
      double ix, iy;
      map(x, y, ix, iy);
      if (std::isfinite(iy)) lo = std::min(lo, iy), hi = std::max(hi, iy);
    }
  }
  const double a = std::max(0.0, std::floor(lo) - margin);
  const double b = std::min(static_cast<double>(input_height), std::ceil(hi) + margin + 1);
  if (!(b > a)) return {0, 0};
  return {static_cast<std::size_t>(a), static_cast<std::size_t>(b)};
}

int kernel_margin(Kernel k) { return kernel_radius(k) + 1; }

Resampled resample(const Image& in, const Wcs& in_wcs, const Mask* bad, const Grid& grid,
                   const ResampleOptions& o) {
  const PixelMap map(grid, in_wcs);
  Resampled out{Image(grid.width, grid.height), Image(grid.width, grid.height)};
  const InputRows rows{in.data(), bad ? bad->data() : nullptr, in.width(), 0, in.height(), in.height()};
  resample_rows(rows, map, o, 0, grid.height, out.image, out.weight);
  return out;
}

}  // namespace ap
