// Illumination of the detector: vignetting and the shadows of dust motes
// ("donuts": out-of-focus images of the entrance pupil, with a hole where the
// central obstruction is) on the sensor window and on each filter. Dust on
// the window is common to all filters; one mote stays for good, the others
// change between calibration dates, as dust does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"
#include "itelescope/telescopes.h"
#include "sim/detector.h"

namespace ap::sim {

struct DustMote {
  double x = 0.0, y = 0.0;  // 0-based binned pixels
  double radius = 0.0;      // outer radius, pixels
  double depth = 0.0;       // fractional light loss in the shadow
  std::string where;        // "window" or "filter"
};

struct FlatOptions {
  bool vignetting = true;
  bool dust = true;
  int x_origin = 0, y_origin = 0;  // binned sub-frame origin on the sensor
};

struct FlatField {
  Image response;  // detector response x illumination, mean 1
  std::vector<DustMote> dust;
};

// The relative response for `filter` at calibration date `date_index` (0 =
// the latest), including the detector's pixel response.
FlatField make_flat_field(const Detector& detector, const itelescope::Telescope& telescope,
                          const std::string& filter, int date_index, const FlatOptions& options,
                          std::uint64_t seed);

}  // namespace ap::sim
