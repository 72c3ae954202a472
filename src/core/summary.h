// Pixel statistics of one image, as `ap info` reports them.
#pragma once

#include <cstddef>

#include "core/image.h"

namespace ap {

struct PixelSummary {
  std::size_t pixels = 0;
  std::size_t nan_count = 0;  // NaN and inf
  double min = 0.0;           // over finite pixels; NaN when there are none
  double max = 0.0;
  double median = 0.0;
  double clipped_mean = 0.0;  // 3-sigma clipped, 5 iterations (astropy defaults)
  double clipped_std = 0.0;
};

PixelSummary summarize_pixels(const Image& image);

}  // namespace ap
