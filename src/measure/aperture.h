// Circular aperture photometry with a local background annulus.
//
// The aperture sum weights every pixel by the exact area of its overlap with
// the circle (photutils' "exact" method, SEP's circular overlap). The local
// background is the sigma-clipped median of the annulus pixels whose centres
// lie inside it (photutils' "center" method). Unlike the original, pixels
// outside the image, masked or non-finite never count: they are left out of
// both the sum (the covered area shrinks) and the annulus, instead of being
// read as 0.
#pragma once

#include <cstddef>

#include "core/image.h"
#include "core/stats.h"

namespace ap {

// Area of the intersection of the circle of radius r centred on the origin
// with the rectangle [x0, x1] x [y0, y1] (x0 <= x1, y0 <= y1).
double circle_rect_overlap(double x0, double x1, double y0, double y1, double r);

struct ApertureOptions {
  double radius = 6.0;
  double annulus_inner = 6.0;
  double annulus_outer = 9.0;
  SigmaClipOptions clip = SigmaClipOptions::symmetric(3.0, 5);
};

struct ApertureResult {
  double raw_sum = 0.0;     // overlap-weighted sum of the good pixels
  double area = 0.0;        // overlap-weighted good area, pixels
  double background = 0.0;  // clipped median per pixel (NaN: no annulus pixel)
  std::size_t annulus_pixels = 0;
  double flux() const { return raw_sum - background * area; }  // NaN background -> NaN
};

// (x, y) is the 0-based centre. `bad` (non-zero = bad) may be null.
ApertureResult aperture_photometry(const Image& image, const Mask* bad, double x, double y,
                                   const ApertureOptions& options);

}  // namespace ap
