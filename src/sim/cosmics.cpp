#include "sim/cosmics.h"

#include <cmath>
#include <map>
#include <numbers>

namespace ap::sim {
namespace {

// Charge of one event, by pixel index, before it is added to the frame.
using Deposit = std::map<std::size_t, double>;

void deposit_at(Deposit& d, const Image& frame, double x, double y, double charge) {
  const double px = std::round(x);
  const double py = std::round(y);
  if (px < 0 || py < 0 || px >= static_cast<double>(frame.width()) ||
      py >= static_cast<double>(frame.height())) {
    return;
  }
  d[static_cast<std::size_t>(py) * frame.width() + static_cast<std::size_t>(px)] += charge;
}

Deposit make_event(const Image& frame, double pixel_um, Rng& rng) {
  Deposit d;
  const double x = rng.uniform(-0.5, static_cast<double>(frame.width()) - 0.5);
  const double y = rng.uniform(-0.5, static_cast<double>(frame.height()) - 0.5);
  const double kind = rng.uniform();
  if (kind < 0.5) {
    // Near-normal incidence: one pixel, sometimes with charge spread to its neighbours.
    const double q = 300.0 * std::pow(5000.0 / 300.0, rng.uniform());
    deposit_at(d, frame, x, y, q);
    if (kind >= 0.3) {
      for (const auto& [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
        deposit_at(d, frame, x + dx, y + dy, q * rng.uniform(0.05, 0.3));
      }
    }
    return d;
  }
  // Slanted: a straight track of 20-200 um with 30-120 e- per um of path.
  const double length_px = rng.uniform(20.0, 200.0) / pixel_um;
  const double per_px = rng.uniform(30.0, 120.0) * pixel_um;
  const double angle = rng.uniform(0.0, 2.0 * std::numbers::pi);
  const int steps = static_cast<int>(std::ceil(length_px / 0.2)) + 1;
  for (int k = 0; k < steps; ++k) {
    const double t = length_px * k / (steps - 1);
    deposit_at(d, frame, x + t * std::cos(angle), y + t * std::sin(angle),
               per_px * length_px / steps);
  }
  return d;
}

}  // namespace

std::size_t add_cosmic_rays(Image& charge, Mask& mask, double exposure_s, const CosmicOptions& o,
                            Rng& rng) {
  const double pixel_cm = o.pixel_um * 1e-4;
  const double area_cm2 = static_cast<double>(charge.size()) * pixel_cm * pixel_cm;
  const auto events =
      static_cast<std::size_t>(rng.poisson(o.rate_per_cm2_min * area_cm2 * exposure_s / 60.0));
  auto pixels = charge.pixels();
  auto flags = mask.pixels();
  for (std::size_t n = 0; n < events; ++n) {
    for (const auto& [index, q] : make_event(charge, o.pixel_um, rng)) {
      pixels[index] += static_cast<float>(q);
      if (q >= o.mask_threshold_e) flags[index] = 1;
    }
  }
  return events;
}

}  // namespace ap::sim
