// Star finding, aperture photometry and PSF measurement of one frame: the
// `ap stars` stage (the original's ap_find_stars; shared reference,
// processing stages section 1), with its bugs fixed.
//
// find_stars() runs, in order:
//   1. global background: source mask above 2 sigma (11 x 11 dilation), then
//      3-sigma clipped median and std of the unmasked pixels;
//   2. saturation: pixels above floor(sat_frac * (2^bitdepth - 1)) in the
//      image as read, grouped into 8-connected stars (one per star, not one
//      per plateau pixel) and, unless retain_saturated, masked out to
//      (2 * int(4 * fwhm) - 1) pixel squares so they cannot be detected;
//   3. detection with DAOStarFinder semantics (daofind.h) at
//      search_nsigma * background std;
//   4. PSF fits of isolated, unsaturated stars: the 5 brightest in each of
//      five regions (centre, then the four corners of the frame), each fitted
//      with an elliptical Gaussian and an elliptical Moffat plus a constant
//      (psf_fit.h). The frame FWHM and ellipticity are the 3-sigma clipped
//      medians over the good Moffat fits;
//   5. a second detection with the measured FWHM, which also sets the
//      aperture radius ceil(2 * FWHM) and the annulus (r, 1.5 r);
//   6. saturated stars re-centred on the first moment of their core and wings;
//   7. aperture photometry (aperture.h) of every detection, sorted brightest
//      first and trimmed to max_sources.
// A frame with no detection, no isolated star or no good fit is a result
// that says so (counts of 0, NaN FWHM), not an error.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/header.h"
#include "core/image.h"
#include "measure/psf_fit.h"

namespace ap {

struct StarsOptions {
  double search_fwhm = 3.0;    // pixels: first detection kernel and PSF guess
  double search_nsigma = 7.0;  // detection threshold in background std
  int bitdepth = 16;
  double sat_frac = 0.8;
  bool retain_saturated = false;
  std::size_t max_sources = 0;  // 0: keep all
  bool second_pass = true;      // detect again with the measured FWHM
  int stars_per_region = 5;
  std::optional<double> gain;  // e-/ADU; default EGAIN or GAIN of the header, else 1
};

struct Star {
  int id = 0;               // 1.. in the order of the final list (brightest first)
  double x = 0.0, y = 0.0;  // 0-based centroid
  double sharpness = 0.0, roundness1 = 0.0, roundness2 = 0.0;
  double peak = 0.0;           // ADU above the global background
  bool saturated = false;      // raw peak above the saturation level
  double aperture_sum = 0.0;   // ADU, local background removed
  double background = 0.0;     // ADU per pixel, annulus clipped median
  double adu_per_sec = 0.0;
  double magnitude = 0.0;      // -2.5 log10(adu_per_sec); NaN when not positive
};

enum class Region { kCentre, kTopLeft, kTopRight, kBottomRight, kBottomLeft };
const char* region_name(Region r);  // "CN", "TL", "TR", "BR", "BL"

struct PsfStar {
  int id = 0;               // Star::id (0: not in the final list)
  double x = 0.0, y = 0.0;  // 0-based detection centroid
  Region region = Region::kCentre;
  double nn_dist = 0.0;  // pixels to the nearest other detection
  PsfFit gaussian;
  PsfFit moffat;
};

struct RobustValue {
  double value = 0.0;  // clipped median (NaN: nothing measured)
  double error = 0.0;  // MAD std of the kept values
  std::size_t n = 0;
};

struct StarsResult {
  std::size_t width = 0, height = 0;
  double bg_median = 0.0, bg_std = 0.0;
  double saturation_level = 0.0;
  std::size_t saturated_stars = 0;     // groups of saturated pixels in the image
  std::size_t detected = 0;            // last detection pass (AP_NDET)
  double detect_fwhm = 0.0;            // FWHM of the last detection kernel
  double aperture_radius = 0.0;
  double exposure = 1.0;               // seconds
  bool exposure_assumed = false;       // EXPOSURE/EXPTIME missing: 1 s
  std::vector<Star> stars;             // brightest first, trimmed
  double adups_brightest = 0.0, adups_median = 0.0, adups_faintest = 0.0;  // untrimmed
  std::vector<PsfStar> psf;
  long psf_box = 0;         // side of the PSF fitting boxes, pixels
  RobustValue fwhm;         // Moffat, mean of the axes, pixels
  RobustValue fwhm_major, fwhm_minor;
  RobustValue ellipticity;  // 1 - minor / major
  RobustValue theta_deg;
  RobustValue beta;
  RobustValue fwhm_gaussian;
  std::vector<std::string> notes;  // what could not be measured, one line each

  std::size_t good_fits() const;
};

// `image` is pedestal-corrected. Throws ap::Error (kUsage) for invalid
// options and (kBadInput) for an empty image or one with no finite pixel.
StarsResult find_stars(const Image& image, const Header& header, const StarsOptions& options);

}  // namespace ap
