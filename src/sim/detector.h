// The simulated CCD: fixed patterns (bias with column structure, dark
// current with hot pixels, pixel response with dead pixels, bad columns and a
// bad row) and the readout chain that turns expected photo-electrons into the
// unsigned 16-bit numbers a camera delivers:
//
//   charge = Poisson(photons + dark(T) t) + cosmic rays -> bleeding along
//   columns above full well -> charge traps -> ADU = charge / gain + bias +
//   read noise -> stored = round(ADU - PEDESTAL) clamped to [0, 65535].
//
// All images are binned: a binned pixel sums b x b unbinned pixels (dark
// current and area scale with b^2, read noise is added once).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"
#include "itelescope/telescopes.h"
#include "sim/random.h"

namespace ap::sim {

inline constexpr double kAdcMax = 65535.0;
inline constexpr double kDarkDoublingC = 6.3;  // dark current doubles every 6.3 C

struct HotPixel {
  int x = 0, y = 0;   // 0-based
  double rate = 0.0;  // e-/s at the set temperature (on top of the normal dark current)
};

struct BadColumn {
  int x = 0;                   // 0-based
  int y_begin = 0, y_end = 0;  // affected rows [y_begin, y_end)
  std::string kind;            // "hot" (dark and bias excess), "trap" (charge lost), "low_response"
  double value = 0.0;          // e-/s, e- or response factor for the kinds above
};

struct DetectorOptions {
  int width = 0, height = 0;  // binned image size
  int binning = 1;
  bool bias_structure = true;  // column pattern and ramps in the bias
  bool dark_current = true;
  bool hot_pixels = true;       // hot and dead pixels
  bool bad_columns = true;      // bad columns and the bad row
  bool prnu = true;             // pixel-to-pixel response non-uniformity
  double pedestal_adu = 100.0;  // stored = ADU + pedestal; headers carry PEDESTAL = -pedestal
};

struct Detector {
  int width = 0, height = 0, binning = 1;
  double gain = 1.0;  // e-/ADU
  double read_noise_e = 0.0;
  double dark_current = 0.0;  // e-/s per binned pixel at the set temperature (mean)
  double set_temp_c = 0.0;
  double bias_level_adu = 0.0;
  double pedestal_adu = 0.0;
  double full_well_e = 0.0;  // charge at which the ADC saturates; excess bleeds
  Image bias;                // ADU
  Image dark_rate;           // e-/s at the set temperature, hot pixels included
  Image response;            // relative pixel response (mean about 1)
  std::vector<HotPixel> hot_pixels;
  std::vector<std::pair<int, int>> dead_pixels;
  std::vector<BadColumn> bad_columns;
  int bad_row = -1;  // readout glitch: a per-frame offset on one row
  double bad_row_min_adu = 15.0, bad_row_max_adu = 40.0;

  // Dark current scale factor at `temp_c` relative to the set temperature.
  double dark_scale(double temp_c) const;
};

Detector make_detector(const itelescope::Telescope& telescope, const DetectorOptions& options,
                       std::uint64_t seed);

// Adds dark current for `exposure_s` at `temp_c` to the expected charge and,
// with `noise`, replaces every pixel by a Poisson deviate.
void collect_charge(Image& charge, const Detector& d, double exposure_s, double temp_c, bool dark,
                    bool noise, Rng& rng);

// Moves charge above full well up and down its column, half each way, filling
// the neighbours to full well; charge pushed off the chip is lost.
void bleed_columns(Image& charge, double full_well);

// Charge traps of the bad columns: every packet read through a trap loses its charge.
void apply_traps(Image& charge, const Detector& d);

struct ReadoutFrame {
  double bias_offset_adu = 0.0;  // this frame's bias level drift
  double bad_row_adu = 0.0;      // this frame's offset on the bad row
  bool read_noise = true;
};

// Converts charge to stored 16-bit values (see the file comment).
std::vector<std::uint16_t> digitize(const Image& charge, const Detector& d,
                                    const ReadoutFrame& frame, Rng& rng);

}  // namespace ap::sim
