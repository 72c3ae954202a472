#include "measure/aperture.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ap {
namespace {

// Integral of sqrt(r^2 - u^2) from 0 to u, for |u| <= r.
double half_chord_integral(double u, double r) {
  return 0.5 * (u * std::sqrt(std::max(0.0, r * r - u * u)) + r * r * std::asin(u / r));
}

// Area of the circle inside {u <= x, v <= y}: the integral over u of the
// length of the chord's part below y.
double quadrant_area(double x, double y, double r) {
  x = std::clamp(x, -r, r);
  if (x <= -r || y <= -r) return 0.0;
  const auto chord = [&](double a, double b) {  // integral of 2 sqrt(r^2 - u^2) over [a, min(b, x)]
    b = std::min(b, x);
    return b > a ? 2.0 * (half_chord_integral(b, r) - half_chord_integral(a, r)) : 0.0;
  };
  if (y >= r) return chord(-r, r);
  const double w = std::sqrt(r * r - y * y);
  // |u| <= w: the chord runs from -s(u) up to y; |u| > w: all of it when y >= 0, none else.
  double area = 0.0;
  const double b = std::min(w, x);
  if (b > -w) area += 0.5 * chord(-w, w) + y * (b + w);
  if (y >= 0.0) area += chord(-r, -w) + chord(w, r);
  return area;
}

}  // namespace

double circle_rect_overlap(double x0, double x1, double y0, double y1, double r) {
  return quadrant_area(x1, y1, r) - quadrant_area(x0, y1, r) - quadrant_area(x1, y0, r) +
         quadrant_area(x0, y0, r);
}

ApertureResult aperture_photometry(const Image& image, const Mask* bad, double x, double y,
                                   const ApertureOptions& o) {
  ApertureResult res;
  const double reach = std::max(o.radius, o.annulus_outer);
  const long w = static_cast<long>(image.width()), h = static_cast<long>(image.height());
  const long xa = std::max(0L, static_cast<long>(std::floor(x - reach))),
             xb = std::min(w - 1, static_cast<long>(std::ceil(x + reach)));
  const long ya = std::max(0L, static_cast<long>(std::floor(y - reach))),
             yb = std::min(h - 1, static_cast<long>(std::ceil(y + reach)));
  const double half_diag = std::sqrt(0.5);
  const double in2 = o.annulus_inner * o.annulus_inner, out2 = o.annulus_outer * o.annulus_outer;
  thread_local std::vector<float> ring;
  ring.clear();
  for (long py = ya; py <= yb; ++py) {
    for (long px = xa; px <= xb; ++px) {
      const auto ux = static_cast<std::size_t>(px), uy = static_cast<std::size_t>(py);
      const float v = image(ux, uy);
      if (!std::isfinite(v) || (bad && (*bad)(ux, uy))) continue;
      const double dx = static_cast<double>(px) - x, dy = static_cast<double>(py) - y;
      const double d2 = dx * dx + dy * dy;
      if (d2 >= in2 && d2 < out2) ring.push_back(v);
      const double d = std::sqrt(d2);
      double weight;
      if (d + half_diag <= o.radius) weight = 1.0;  // the whole pixel is inside
      else if (d - half_diag >= o.radius) continue;
      else weight = circle_rect_overlap(dx - 0.5, dx + 0.5, dy - 0.5, dy + 0.5, o.radius);
      res.raw_sum += weight * v;
      res.area += weight;
    }
  }
  res.annulus_pixels = ring.size();
  res.background = ring.empty() ? std::nan("") : sigma_clipped_stats(ring, o.clip).median;
  return res;
}

}  // namespace ap
