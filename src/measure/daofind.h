// Star detection with the semantics of photutils DAOStarFinder (1.x), itself
// a port of IRAF DAOFIND: the image is convolved with a zero-sum, truncated
// Gaussian "density enhancement" kernel; local maxima of the convolved image
// above threshold * relerr (the kernel's noise gain) that are not masked are
// candidates; sharpness, two roundness measures and a centroid from 1-D
// Gaussian fits to the triangle-weighted marginals decide which are stars.
//
// Same numbers as photutils for the same input (pixels outside the image are
// 0 in the convolution, the peak search and the cut-outs), except that NaN
// and inf pixels count as 0 instead of spreading NaN through the convolution.
#pragma once

#include <vector>

#include "core/image.h"

namespace ap {

struct DaoFindOptions {
  double fwhm = 3.0;       // kernel FWHM along the major axis, pixels
  double threshold = 0.0;  // absolute, in background-subtracted image units
  double ratio = 1.0;      // minor / major sigma, (0, 1]
  double theta_deg = 0.0;  // major axis, counter-clockwise from +x
  double sigma_radius = 1.5;
  double sharplo = 0.2, sharphi = 1.0;
  double roundlo = -1.0, roundhi = 1.0;
};

struct DaoSource {
  double x = 0.0, y = 0.0;  // 0-based centroid
  double sharpness = 0.0;
  double roundness1 = 0.0;  // symmetry (SROUND)
  double roundness2 = 0.0;  // marginal Gaussian heights (GROUND)
  double peak = 0.0;        // data at the peak pixel
  double flux = 0.0;        // convolved peak / effective threshold
  int peak_x = 0, peak_y = 0;
};

// The truncated Gaussian kernel (photutils _StarFinderKernel).
struct DaoKernel {
  explicit DaoKernel(const DaoFindOptions& options);
  int nx = 0, ny = 0;                 // odd sizes
  std::vector<std::uint8_t> support;  // ny x nx, 1 inside
  std::vector<double> gauss;          // unmasked Gaussian, 1 at the centre
  std::vector<double> zero_sum;       // convolution kernel (0 outside support)
  double relerr = 0.0;
  double xsigma = 0.0, ysigma = 0.0;
  int npixels = 0;
};

// `data` is background subtracted. Pixels with a non-zero `mask` byte are
// never peaks (they still enter the convolution). Sources are returned in
// peak order (row-major), as photutils numbers them.
std::vector<DaoSource> dao_find(const Image& data, const DaoFindOptions& options,
                                const Mask* mask = nullptr);

}  // namespace ap
