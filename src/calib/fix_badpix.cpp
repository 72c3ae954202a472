#include "calib/fix_badpix.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"

namespace ap {

FixBadpixResult fix_bad_pixels(Image& image, const Mask& mask, const FixBadpixOptions& o) {
  if (!image.same_shape(mask)) {
    throw Error(ExitCode::kBadInput,
                fmt::format("mask {}x{} does not fit the image {}x{}", mask.width(), mask.height(),
                            image.width(), image.height()));
  }
  const std::size_t w = image.width(), h = image.height();
  // Bad pixels are few: skip the mask eight clear bytes at a time.
  std::vector<std::size_t> bad;
  const std::uint8_t* bytes = mask.data();
  for (std::size_t i = 0; i < mask.size();) {
    std::uint64_t word = 0;
    if (i + 8 <= mask.size()) std::memcpy(&word, bytes + i, 8);
    if (i + 8 <= mask.size() && word == 0) {
      i += 8;
      continue;
    }
    if (bytes[i] != 0) bad.push_back(i);
    ++i;
  }
  // Only good pixels are sources and only bad ones change, so repairing in
  // place reads the data as it was, whatever the order.
  const Image& original = image;
  std::atomic<std::size_t> unfixed{0}, widened{0};
  parallel_for(0, bad.size(), [&](std::size_t b0, std::size_t b1) {
    std::vector<float> good;
    for (std::size_t b = b0; b < b1; ++b) {
      const std::size_t x = bad[b] % w, y = bad[b] / w;
      bool done = false;
      for (int d = std::max(o.deltapix, 1); d <= std::max(o.max_deltapix, o.deltapix) && !done;
           ++d) {
        const auto ud = static_cast<std::size_t>(d);
        const std::size_t x0 = x >= ud ? x - ud : 0, x1 = std::min(w, x + ud + 1);
        const std::size_t y0 = y >= ud ? y - ud : 0, y1 = std::min(h, y + ud + 1);
        good.clear();
        for (std::size_t yy = y0; yy < y1; ++yy) {
          for (std::size_t xx = x0; xx < x1; ++xx) {
            const float v = original(xx, yy);
            if (mask(xx, yy) == 0 && std::isfinite(v)) good.push_back(v);
          }
        }
        if (good.size() < o.min_good) continue;
        // The median of an even count is the mean of the middle two, as numpy's.
        const auto mid = good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2);
        std::nth_element(good.begin(), mid, good.end());
        double m = *mid;
        if (good.size() % 2 == 0) m = 0.5 * (m + *std::max_element(good.begin(), mid));
        image(x, y) = static_cast<float>(m);
        if (d > o.deltapix) ++widened;
        done = true;
      }
      if (!done) ++unfixed;
    }
  });
  return {bad.size(), bad.size() - unfixed, unfixed, widened};
}

void add_badpix_keywords(Header& h, const FixBadpixResult& r, const FixBadpixOptions& o) {
  h.set("BPIXNBAD", static_cast<std::int64_t>(r.bad), "Bad pixels in the mask");
  h.set("BPIX_MIN", static_cast<std::int64_t>(o.min_good), "Minimum good neighbours for a repair");
  h.set("BPIXDPIX", static_cast<std::int64_t>(o.deltapix), "[pix] repair box half-width");
  h.set("BPIXNREM", static_cast<std::int64_t>(r.unfixed), "Bad pixels left unrepaired");
  h.set("BPIXNFIX", static_cast<std::int64_t>(r.fixed), "Bad pixels repaired");
  h.set("BPIXCORR", r.fixed > 0, "Bad pixels repaired");
}

}  // namespace ap
