#include "core/summary.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "core/parallel.h"
#include "core/stats.h"

namespace ap {

PixelSummary summarize_pixels(const Image& image) {
  PixelSummary s;
  s.pixels = image.size();
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  std::mutex mutex;
  parallel_for(0, image.size(), [&](std::size_t begin, std::size_t end) {
    float local_lo = std::numeric_limits<float>::infinity();
    float local_hi = -local_lo;
    std::size_t bad = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const float v = image.data()[i];
      if (!std::isfinite(v)) {
        ++bad;
        continue;
      }
      local_lo = std::min(local_lo, v);
      local_hi = std::max(local_hi, v);
    }
    std::lock_guard lock(mutex);
    s.nan_count += bad;
    lo = std::min(lo, static_cast<double>(local_lo));
    hi = std::max(hi, static_cast<double>(local_hi));
  }, 1 << 16);
  const ClippedStats clipped = sigma_clipped_stats(image.pixels());
  const bool any = s.nan_count < s.pixels;
  s.min = any ? lo : std::nan("");
  s.max = any ? hi : std::nan("");
  s.median = nanmedian(image.pixels());
  s.clipped_mean = clipped.mean;
  s.clipped_std = clipped.std;
  return s;
}

}  // namespace ap
