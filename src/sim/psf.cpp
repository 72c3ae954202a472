#include "sim/psf.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ap::sim {
namespace {

constexpr double kMaxRadius = 600.0;  // pixels; bounds the work for the brightest stars
constexpr int kPhases = 16;           // tabulated sub-pixel phases per axis
constexpr double kTrailStep = 0.25;   // pixels between the points of a trail
constexpr double kLostFlux = 1e-3;    // largest fraction of a star's flux left undrawn

int subsamples(const Psf& psf) {
  const double fwhm = psf.fwhm_minor();
  return fwhm < 2.5 ? 7 : fwhm < 5.0 ? 5 : 3;
}

}  // namespace

StarRenderer::StarRenderer(const Psf& psf) : psf_(psf), beta_(psf.beta) {
  const double k = 2.0 * std::sqrt(std::pow(2.0, 1.0 / psf.beta) - 1.0);
  a_ = psf.fwhm_major() / k;
  const double b = psf.fwhm_minor() / k;
  inv_a2_ = 1.0 / (a_ * a_);
  inv_b2_ = 1.0 / (b * b);
  const double angle = psf.angle_deg * std::numbers::pi / 180.0;
  cos_ = std::cos(angle);
  sin_ = std::sin(angle);
  norm_ = (psf.beta - 1.0) / (std::numbers::pi * a_ * b);
  core_radius_ = 1.5 * psf.fwhm_major() + 0.75;
  reach_ = static_cast<int>(std::ceil(core_radius_)) + 1;
  // Moffat flux beyond radius r: (1 + r^2/a^2)^(1 - beta).
  lost_flux_radius_ = a_ * std::sqrt(std::pow(kLostFlux, 1.0 / (1.0 - beta_)) - 1.0);

  const int n = subsamples(psf);
  const double step = 1.0 / n;
  const int side = 2 * reach_ + 2;
  table_.resize(static_cast<std::size_t>((kPhases + 1) * (kPhases + 1) * side * side));
  std::size_t i = 0;
  for (int py = 0; py <= kPhases; ++py) {
    for (int px = 0; px <= kPhases; ++px) {
      for (int ky = -reach_; ky <= reach_ + 1; ++ky) {
        for (int kx = -reach_; kx <= reach_ + 1; ++kx) {
          // Mean over the pixel at offset (kx - phase) on an n x n grid.
          double sum = 0.0;
          for (int sy = 0; sy < n; ++sy) {
            const double dy = ky - static_cast<double>(py) / kPhases + (sy + 0.5) * step - 0.5;
            for (int sx = 0; sx < n; ++sx) {
              sum += profile(kx - static_cast<double>(px) / kPhases + (sx + 0.5) * step - 0.5, dy);
            }
          }
          table_[i++] = static_cast<float>(sum * step * step);
        }
      }
    }
  }
}

double StarRenderer::moffat(double q) const {
  return norm_ * (beta_ == 3.0 ? 1.0 / (q * q * q) : std::pow(q, -beta_));  // beta 3: no pow
}

double StarRenderer::profile(double dx, double dy) const {
  const double u = cos_ * dx + sin_ * dy;
  const double v = -sin_ * dx + cos_ * dy;
  return moffat(1.0 + u * u * inv_a2_ + v * v * inv_b2_);
}

double StarRenderer::wing(double dx, double dy) const {
  // Pixel mean to second order: f + laplacian(f) / 24, with f = N q^-beta and
  // laplacian(f) = N beta q^(-beta-2) ((beta + 1) |grad q|^2 - q laplacian(q)).
  const double u = cos_ * dx + sin_ * dy;
  const double v = -sin_ * dx + cos_ * dy;
  const double q = 1.0 + u * u * inv_a2_ + v * v * inv_b2_;
  const double grad2 = 4.0 * (u * u * inv_a2_ * inv_a2_ + v * v * inv_b2_ * inv_b2_);
  const double lap_q = 2.0 * (inv_a2_ + inv_b2_);
  return moffat(q) * (1.0 + beta_ * ((beta_ + 1.0) * grad2 / q - lap_q) / (24.0 * q));
}

double StarRenderer::core(int kx, int ky, double fx, double fy) const {
  const int side = 2 * reach_ + 2;
  const auto entry = [&](int px, int py) {
    return static_cast<double>(table_[static_cast<std::size_t>(
        ((py * (kPhases + 1) + px) * side + ky + reach_) * side + kx + reach_)]);
  };
  const double ux = fx * kPhases;
  const double uy = fy * kPhases;
  const int ix = std::min(static_cast<int>(ux), kPhases - 1);
  const int iy = std::min(static_cast<int>(uy), kPhases - 1);
  const double tx = ux - ix;
  const double ty = uy - iy;
  return (1.0 - ty) * ((1.0 - tx) * entry(ix, iy) + tx * entry(ix + 1, iy)) +
         ty * ((1.0 - tx) * entry(ix, iy + 1) + tx * entry(ix + 1, iy + 1));
}

double StarRenderer::peak_fraction() const { return core(0, 0, 0.0, 0.0); }

void StarRenderer::add_point(Image& image, double xc, double yc, double flux, double floor) const {
  // Out to where the profile falls below the floor, and at least to where the
  // wings beyond hold less than kLostFlux of the flux (radii along the major axis).
  double radius = std::max(core_radius_, lost_flux_radius_);
  if (flux * norm_ > floor) {
    radius = std::max(radius, a_ * std::sqrt(std::pow(flux * norm_ / floor, 1.0 / beta_) - 1.0));
  }
  radius = std::min(radius, kMaxRadius);
  const double ix = std::floor(xc);
  const double iy = std::floor(yc);
  const auto range = [radius](double c, std::size_t size) {
    const double lo = std::clamp(std::ceil(c - radius), 0.0, static_cast<double>(size));
    const double hi = std::clamp(std::floor(c + radius) + 1.0, 0.0, static_cast<double>(size));
    return std::pair<std::size_t, std::size_t>(static_cast<std::size_t>(lo),
                                               static_cast<std::size_t>(hi));
  };
  const auto [x0, x1] = range(xc, image.width());
  const auto [y0, y1] = range(yc, image.height());
  const double core2 = core_radius_ * core_radius_;
  const double radius2 = radius * radius;
  for (std::size_t y = y0; y < y1; ++y) {
    const double dy = static_cast<double>(y) - yc;
    auto row = image.row(y);
    for (std::size_t x = x0; x < x1; ++x) {
      const double dx = static_cast<double>(x) - xc;
      const double r2 = dx * dx + dy * dy;
      if (r2 > radius2) continue;
      const double value =
          r2 < core2 ? core(static_cast<int>(static_cast<double>(x) - ix),
                            static_cast<int>(static_cast<double>(y) - iy), xc - ix, yc - iy)
                     : wing(dx, dy);
      row[x] += static_cast<float>(flux * value);
    }
  }
}

void StarRenderer::add(Image& image, double x, double y, double flux, double floor) const {
  // A trail is a row of points kTrailStep apart sharing the flux.
  const int points =
      psf_.trail_px > 0.0 ? static_cast<int>(std::ceil(psf_.trail_px / kTrailStep)) + 1 : 1;
  const double angle = psf_.trail_angle_deg * std::numbers::pi / 180.0;
  for (int k = 0; k < points; ++k) {
    const double t =
        points == 1 ? 0.0 : (static_cast<double>(k) / (points - 1) - 0.5) * psf_.trail_px;
    add_point(image, x + t * std::cos(angle), y + t * std::sin(angle), flux / points,
              floor / points);
  }
}

}  // namespace ap::sim
