// Bad-pixel repair (the original's ap_fix_badpix, shared reference section 8).
//
// Every pixel whose mask byte is non-zero gets the median of the good pixels
// in the (2 deltapix + 1)^2 box around it (clipped at the image edges), taken
// from the original data: repaired pixels are never used as sources, so the
// result does not depend on the visiting order. With fewer than `min_good`
// good neighbours the box widens one pixel at a time, up to `max_deltapix`
// (the original left such pixels unrepaired); a pixel still short of
// neighbours stays as it was and is counted as unfixed. NaN neighbours do not
// count as good (the original let them turn the median into NaN).
#pragma once

#include <cstddef>

#include "core/header.h"
#include "core/image.h"

namespace ap {

struct FixBadpixOptions {
  int deltapix = 2;
  std::size_t min_good = 4;
  int max_deltapix = 8;  // widest box tried for a pixel short of good neighbours
};

struct FixBadpixResult {
  std::size_t bad = 0;      // non-zero mask pixels
  std::size_t fixed = 0;
  std::size_t unfixed = 0;  // left unchanged: not enough good neighbours even in the widest box
  std::size_t widened = 0;  // fixed with a box wider than deltapix
};

// Repairs `image` in place. Throws ap::Error (kBadInput) when the shapes differ.
FixBadpixResult fix_bad_pixels(Image& image, const Mask& mask,
                               const FixBadpixOptions& options = {});

// BPIXNBAD, BPIX_MIN, BPIXDPIX, BPIXNREM, BPIXNFIX, BPIXCORR as the original writes them.
void add_badpix_keywords(Header& header, const FixBadpixResult& result,
                         const FixBadpixOptions& options);

}  // namespace ap
