// Continuum subtraction of a narrow-band image (`ap continuum`, a row of the
// seed the original never implemented): the broad-band image is scaled to
// the narrow band's continuum and subtracted, after each image's global
// background is removed.
//
// The scale comes from the stars (default): the robust median of the
// ratios narrow / broad of the aperture fluxes of the unsaturated stars
// found in the narrow-band image, measured at the same positions in both;
// or from the background-subtracted pixels: the least-squares slope of
// narrow against broad over the pixels well above the broad-band sky.
#pragma once

#include <optional>
#include <string_view>

#include "core/image.h"

namespace ap {

enum class ContinuumMethod { kStars, kBackground };
ContinuumMethod parse_continuum_method(std::string_view name);  // "stars", "background"

struct ContinuumOptions {
  ContinuumMethod method = ContinuumMethod::kStars;
  std::optional<double> scale;  // given: used as it is
  double search_fwhm = 3.0;     // star detection, pixels
};

struct ContinuumResult {
  Image image;               // (narrow - sky) - scale * (broad - sky)
  double scale = 0.0, scale_err = 0.0;
  std::size_t stars = 0;     // ratios used (stars method)
  double narrow_sky = 0.0, broad_sky = 0.0;
};

// Both images on one grid. Throws ap::Error (kBadInput) when the sizes
// differ, (kFailed) when no scale can be measured.
ContinuumResult continuum_subtract(const Image& narrow, const Image& broad, const ContinuumOptions& options);

}  // namespace ap
