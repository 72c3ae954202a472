// Pictures of `ap stars` results, drawn with cairo: the frame with the
// photometry apertures, and the grid of PSF stars with their fitted Moffat
// FWHM ellipses. Both are PNG files' bytes, north up as ds9 shows FITS data.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/image.h"
#include "measure/stars.h"

namespace ap {

// The frame (asinh stretch, block-averaged to at most max_side pixels) with a
// red circle per star of the final list and a title line.
std::string stars_image_png(const Image& image, const StarsResult& result, std::string_view title,
                            std::size_t max_side = 1600);

// Rows TL, TR, CN, BR, BL of up to five stars each: the fitting box (asinh
// stretch from the background to the brightest fitted peak), the Moffat FWHM
// ellipse, the star id, FWHM and ellipticity; a title with the frame's FWHM.
std::string psf_grid_png(const Image& image, const StarsResult& result, std::string_view title);

}  // namespace ap
