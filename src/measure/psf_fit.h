// Fits of a star's image with an elliptical Gaussian or an elliptical Moffat
// profile plus a constant background, by weighted Levenberg-Marquardt least
// squares (Eigen's port of MINPACK, as scipy.optimize.leastsq used by
// astropy's LevMarLSQFitter) with analytic derivatives:
//
//   Gaussian  f = bg + A exp(-(u^2 / su^2 + v^2 / sv^2) / 2)
//   Moffat    f = bg + A (1 + u^2 / au^2 + v^2 / av^2)^(-beta)
//
// where u, v are the offsets from the centre rotated by theta, counter-
// clockwise from +x (image columns; the original had x and y swapped).
// The model is averaged over each pixel (2 x 2 Gauss-Legendre nodes), so
// the widths of undersampled stars are not overestimated.
// Weights are 1 / sigma with sigma^2 = sky_variance + (pixel - bg) / gain.
// Uncertainties come from the covariance (J^T W J)^-1 scaled by the reduced
// chi-square, as astropy does.
#pragma once

#include "core/image.h"

namespace ap {

enum class PsfModel { kGaussian, kMoffat };

struct PsfFitOptions {
  PsfModel model = PsfModel::kMoffat;
  double sky_variance = 1.0;  // per pixel, ADU^2 (sky and read noise)
  double gain = 1.0;          // e-/ADU, for the Poisson noise of the star
  int max_evaluations = 500;
};

// First guesses; the fit also starts from the stamp's second moments.
struct PsfGuess {
  double x = 0.0, y = 0.0;  // 0-based image coordinates
  double amplitude = 0.0;
  double background = 0.0;
  double fwhm = 3.0;
};

struct PsfFit {
  bool ok = false;
  double x = 0.0, y = 0.0, x_err = 0.0, y_err = 0.0;  // 0-based image coordinates
  double amplitude = 0.0, amplitude_err = 0.0;
  double background = 0.0;
  double fwhm_major = 0.0, fwhm_major_err = 0.0;  // pixels
  double fwhm_minor = 0.0, fwhm_minor_err = 0.0;
  double theta_deg = 0.0, theta_err_deg = 0.0;  // major axis, (-90, 90] from +x
  double beta = 0.0, beta_err = 0.0;            // Moffat only
  double reduced_chi2 = 0.0;
  int evaluations = 0;

  double fwhm() const { return 0.5 * (fwhm_major + fwhm_minor); }
  double ellipticity() const { return fwhm_major > 0 ? 1.0 - fwhm_minor / fwhm_major : 0.0; }
  double ellipticity_err() const;
};

// Fits the pixels of `image` in the box [x0, x0 + size) x [y0, y0 + size)
// (clipped to the image); non-finite pixels and those set in `bad` are left out.
PsfFit fit_psf(const Image& image, const Mask* bad, long x0, long y0, long size,
               const PsfGuess& guess, const PsfFitOptions& options);

}  // namespace ap
