// A WCS fitted to stars whose pixel and sky positions are both known: TAN,
// or TAN-SIP of a given order, with CRPIX held where the caller wants it
// (the image centre), by linear least squares on the tangent plane
// re-centred until CRVAL sits under CRPIX. Plus the one-to-one cross-match
// of reference stars with detections through a WCS, which both the fit and
// the check of a solution use.
#pragma once

#include <cstddef>
#include <vector>

#include "core/header.h"
#include "core/wcs.h"

namespace ap::astrometry {

struct StarPair {
  double x = 0.0, y = 0.0;      // FITS 1-based pixel
  double ra = 0.0, dec = 0.0;   // degrees
};

struct WcsFit {
  Header cards;               // CTYPE, CRPIX, CRVAL, CD, SIP A/B/AP/BP, RADESYS
  double rms_arcsec = 0.0;    // sky residual of the pairs
  double rms_pixels = 0.0;
  double pixel_scale_arcsec = 0.0;
};

// Needs at least as many pairs as coefficients (3 per axis for TAN). Throws
// ap::Error (kFailed) when the pairs do not constrain the fit.
WcsFit fit_wcs(const std::vector<StarPair>& pairs, double crpix_x, double crpix_y,
               double ra_guess, double dec_guess, int sip_order);

struct Detection {
  double x = 0.0, y = 0.0;  // FITS 1-based pixel
};
struct Reference {
  double ra = 0.0, dec = 0.0;
};

// Each reference star inside the image (through `wcs`) paired with the
// nearest detection within `radius_px`, each detection used once (the
// closest pair wins).
std::vector<StarPair> cross_match(const Wcs& wcs, const std::vector<Detection>& detections,
                                  const std::vector<Reference>& references, double radius_px,
                                  double width, double height);

}  // namespace ap::astrometry
