// Cosmic rays: muons and secondaries hitting the chip during an exposure.
// Events arrive at a fixed rate per unit area and time (so their number is
// proportional to the exposure); about half deposit their charge in one pixel
// or a compact blob, the rest cross the chip at a slant and leave a short track.
#pragma once

#include <cstddef>

#include "core/image.h"
#include "sim/random.h"

namespace ap::sim {

struct CosmicOptions {
  double rate_per_cm2_min = 5.0;   // at 1-2 km altitude, including secondaries
  double pixel_um = 9.0;           // binned pixel size
  double mask_threshold_e = 25.0;  // pixels receiving at least this much are flagged
};

// Adds events to `charge` (electrons) and sets `mask` to 1 on flagged pixels.
// Returns the number of events.
std::size_t add_cosmic_rays(Image& charge, Mask& mask, double exposure_s,
                            const CosmicOptions& options, Rng& rng);

}  // namespace ap::sim
