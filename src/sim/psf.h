// Star images: an elliptical Moffat profile, optionally smeared along a
// line (a tracking error), integrated over pixels.
//
//   I(u, v) = F (beta - 1) / (pi a b) * (1 + u^2/a^2 + v^2/b^2)^(-beta)
//
// with u along the major axis. The FWHM along an axis is 2 alpha sqrt(2^(1/beta) - 1).
// Pixels near the centre hold the profile integrated over the pixel (n x n
// sub-pixel grid), so undersampled stars keep their exact centroid and flux;
// the wings, smooth on the pixel scale, use the pixel mean to second order
// (value plus Laplacian / 24). All stars of a frame share one PSF, so the
// integrated core is tabulated once for a grid of sub-pixel phases and
// interpolated per star. Each star is drawn out to where its wings hold less
// than 0.1% of its flux, or farther while they stay above the floor.
#pragma once

#include <vector>

#include "core/image.h"

namespace ap::sim {

struct Psf {
  double fwhm = 3.0;        // pixels: mean of the major- and minor-axis FWHM
  double elongation = 1.0;  // major / minor FWHM, >= 1
  double angle_deg = 0.0;   // major axis, counter-clockwise from +x
  double beta = 3.0;
  double trail_px = 0.0;  // length of a linear trail (0: none); the centre is its midpoint
  double trail_angle_deg = 0.0;

  double fwhm_major() const { return fwhm * 2.0 * elongation / (1.0 + elongation); }
  double fwhm_minor() const { return fwhm * 2.0 / (1.0 + elongation); }
};

class StarRenderer {
 public:
  explicit StarRenderer(const Psf& psf);

  // Adds a star of total `flux` centred on 0-based (x, y). Wing pixels where the
  // profile stays below `floor` (same unit as flux) are skipped.
  void add(Image& image, double x, double y, double flux, double floor) const;

  // Fraction of the flux in the central pixel of a centred, untrailed star.
  double peak_fraction() const;

 private:
  // Unit-flux profile for q = 1 + u^2/a^2 + v^2/b^2, and at offset (dx, dy) from the centre.
  double moffat(double q) const;
  double profile(double dx, double dy) const;
  // Its mean over the pixel at that offset, for pixels outside the core.
  double wing(double dx, double dy) const;
  void add_point(Image& image, double x, double y, double flux, double floor) const;
  // Integrated core value of pixel offset (kx, ky) from floor(centre), at phase (px, py).
  double core(int kx, int ky, double fx, double fy) const;

  Psf psf_;
  double beta_, a_, inv_a2_, inv_b2_, cos_, sin_, norm_;
  int reach_ = 0;  // core pixels span offsets [-reach_, reach_ + 1]
  double core_radius_ = 0.0;
  double lost_flux_radius_ = 0.0;
  std::vector<float> table_;  // [phase y][phase x][ky][kx]
};

}  // namespace ap::sim
