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

}  // namespace

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
  // Projected coordinates (degrees, x towards +RA) relative to the centre.
  const Wcs plane = Wcs::projected(o.projection, {1.0, 1.0}, centre, {1.0, 0.0, 0.0, 1.0});

  // Each footprint's box on the projection plane, from points along its edges.
  double lo_x = o.intersection ? -1e30 : 1e30, hi_x = -lo_x, lo_y = lo_x, hi_y = hi_x;
  for (const Footprint& f : inputs) {
    double fx0 = 1e30, fx1 = -1e30, fy0 = 1e30, fy1 = -1e30;
    const double fw = static_cast<double>(f.width) - 1.0, fh = static_cast<double>(f.height) - 1.0;
    for (int k = 0; k <= 40; ++k) {
      const double t = k / 40.0;
      const std::array<PixelCoord, 4> edge = {PixelCoord{t * fw, 0.0}, PixelCoord{t * fw, fh},
                                              PixelCoord{0.0, t * fh}, PixelCoord{fw, t * fh}};
      for (const PixelCoord& p : edge) {
        const auto [xi, eta] = plane.sky_to_pixel(f.wcs.pixel_to_sky(p));
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
  return {Wcs::projected(o.projection, {crpix_x, crpix_y}, centre, {-scale, 0.0, 0.0, scale}), w, h};
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

std::array<double, 4> PixelMap::jacobian(double x, double y) const {
  // Derivatives of the bilinear interpolation in the mesh cell of (x, y).
  const double fx = x / static_cast<double>(step_), fy = y / static_cast<double>(step_);
  const auto i = std::min(static_cast<std::size_t>(std::max(0.0, fx)), nx_ - 2);
  const auto j = std::min(static_cast<std::size_t>(std::max(0.0, fy)), ny_ - 2);
  const double tx = fx - static_cast<double>(i), ty = fy - static_cast<double>(j);
  const double s = static_cast<double>(step_);
  const auto d = [&](const std::vector<double>& m) -> std::array<double, 2> {
    const double m00 = m[j * nx_ + i], m10 = m[j * nx_ + i + 1];
    const double m01 = m[(j + 1) * nx_ + i], m11 = m[(j + 1) * nx_ + i + 1];
    return {((1 - ty) * (m10 - m00) + ty * (m11 - m01)) / s, ((1 - tx) * (m01 - m00) + tx * (m11 - m10)) / s};
  };
  const auto [xx, xy] = d(mx_);
  const auto [yx, yy] = d(my_);
  return {xx, xy, yx, yy};
}

FoldedKernel fold_kernel(const Grid& grid, const PixelMap& map, const ResampleOptions& o) {
  const auto j = map.jacobian(0.5 * static_cast<double>(grid.width), 0.5 * static_cast<double>(grid.height));
  const double area = std::abs(j[0] * j[3] - j[1] * j[2]);
  const bool known = std::isfinite(area) && area > 0.0;
  const int sub = o.oversampling > 0 ? o.oversampling
                  : known           ? std::max(1, static_cast<int>(std::ceil(std::sqrt(area) - 0.01)))
                                    : 1;
  return FoldedKernel(o.kernel, sub, known ? j : std::array<double, 4>{1, 0, 0, 1});
}

void resample_rows(const InputRows& in, const PixelMap& map, const FoldedKernel& kernel,
                   const ResampleOptions& o, std::size_t y0, std::size_t y1, Image& image, Image& weight) {
  const long iw = static_cast<long>(in.width), ih = static_cast<long>(in.full_height);
  const long taps = kernel.taps();
  const double unit = o.exposure && *o.exposure > 0 ? 1.0 / *o.exposure : 1.0;
  // Pixels of rows outside [first_row, end_row) are treated as off the image.
  const long first = static_cast<long>(in.first_row), end = first + static_cast<long>(in.rows);
  static_assert(FoldedKernel::kSteps == 64);  // the node's pixel is n >> 6, its step n & 63
  constexpr float kMax = std::numeric_limits<float>::max();
  parallel_for(y0, y1, [&](std::size_t ya, std::size_t yb) {
    for (std::size_t y = ya; y < yb; ++y) {
      for (std::size_t x = 0; x < image.width(); ++x) {
        const double ox = static_cast<double>(x), oy = static_cast<double>(y);
        double ix, iy;
        map.map(ox, oy, ix, iy);
        float value = std::nanf(""), covered = 0.0f;
        if (std::isfinite(ix) && ix >= -0.5 && iy >= -0.5 && ix <= static_cast<double>(iw) - 0.5 &&
            iy <= static_cast<double>(ih) - 0.5) {
          // The nearest table node.
          const long nx = std::lround(ix * FoldedKernel::kSteps), ny = std::lround(iy * FoldedKernel::kSteps);
          const long px = (nx >> 6) - kernel.reach() + 1, py = (ny >> 6) - kernel.reach() + 1;
          const float* k = kernel.weights(static_cast<std::size_t>(nx & 63), static_cast<std::size_t>(ny & 63));
          // Taps off the image or outside the rows held are left out.
          const long a0 = std::max(0L, -px), a1 = std::min(taps, iw - px);
          const long b0 = std::max(0L, first - py), b1 = std::min(taps, end - py);
          float sum = 0.0f, wsum = 0.0f;
          for (long b = b0; b < b1; ++b) {
            const std::size_t row = static_cast<std::size_t>(py + b - first) * in.width;
            const float* v = in.data + row + px;
            const std::uint8_t* bad = in.bad ? in.bad + row + px : nullptr;
            const float* w = k + b * taps;
            for (long a = a0; a < a1; ++a) {
              const bool ok = std::abs(v[a]) <= kMax && !(bad && bad[a]);
              sum += ok ? w[a] * v[a] : 0.0f;
              wsum += ok ? w[a] : 0.0f;
            }
          }
          if (wsum > 1e-3f) {
            const auto jac = map.jacobian(ox, oy);
            value = static_cast<float>(sum / wsum * std::abs(jac[0] * jac[3] - jac[1] * jac[2]) * unit);
            covered = std::min(1.0f, wsum);
          }
        }
        image(x, y - y0) = value;
        weight(x, y - y0) = covered;
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

Resampled resample(const Image& in, const Wcs& in_wcs, const Mask* bad, const Grid& grid,
                   const ResampleOptions& o) {
  const PixelMap map(grid, in_wcs);
  Resampled out{Image(grid.width, grid.height), Image(grid.width, grid.height)};
  const InputRows rows{in.data(), bad ? bad->data() : nullptr, in.width(), 0, in.height(), in.height()};
  resample_rows(rows, map, fold_kernel(grid, map, o), o, 0, grid.height, out.image, out.weight);
  return out;
}

}  // namespace ap
