// Applying the master calibrations to a light frame (the original's
// ap_calibrate, shared reference section 7), with its bugs fixed.
//
// For a raw frame R (PEDESTAL applied) with exposure t, master bias B, master
// dark D of exposure t_D and normalised flat F:
//   1. R - B;
//   2. minus (D - B) t / t_D when the dark still holds the bias (CALSTAT
//      without 'B', or DarkBias::kStillBiased), else minus D t / t_D;
//   3. divided by F where F is finite and non-zero; elsewhere the value is
//      left undivided and flagged kMaskNoData;
//   4. bad pixels of the master mask repaired (fix_bad_pixels) and flagged;
//   5. cosmic rays found and cleaned (detect_cosmics) and flagged.
// The flat is normalised by the sigma-clipped median of its central region
// (zeros and NaN left out), not by the whole frame's mean as the original
// did, so vignetted corners and dust do not bias the scale.
//
// Fixed on purpose: shapes, binning, the flat's filter and the set
// temperature are checked against the light (the original let numpy
// broadcast); the dark's bias state is read from CALSTAT by default; gain and
// read noise for cosmic rays come from the header, never assumed; the output
// is always float32.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calib/combine.h"
#include "calib/fix_badpix.h"
#include "calib/lacosmic.h"
#include "core/fits.h"
#include "core/header.h"
#include "core/image.h"

namespace ap {

enum class DarkBias { kAuto, kStillBiased, kBiasFree };

// "auto", "biased", "unbiased" (any case); throws ap::Error (kUsage).
DarkBias parse_dark_bias(std::string_view name);

// The masters for one kind of light frame, loaded once and shared by every
// frame calibrated with them.
// The masters of one calibration, prepared once for many lights: the dark
// already without its bias, the flat as reciprocals of its normalised
// values, and the bits every calibrated frame's mask starts from.
struct Masters {
  FitsImage bias;
  FitsImage dark;  // pixels minus the bias when the master still held it
  std::optional<FitsImage> flat;
  std::optional<Mask> badpix;
  std::filesystem::path bias_path, dark_path, flat_path, badpix_path;
  double dark_exposure = 0.0;  // seconds
  bool dark_holds_bias = false;
  double flat_norm = 1.0;     // the flat's central median
  Image flat_inverse;         // flat_norm / flat; 1 where the flat is 0 or NaN; empty without a flat
  Mask base_mask;             // badpix bits, kMaskNoData where the flat is 0 or NaN

  // Reads the files. Throws ap::Error (kBadInput) naming the file for an
  // unreadable master, a dark without exposure, masters of different shapes.
  static Masters load(const std::filesystem::path& bias, const std::filesystem::path& dark,
                      const std::filesystem::path& flat, const std::filesystem::path& badpix,
                      DarkBias dark_bias = DarkBias::kAuto);
};

struct CalibrateOptions {
  bool fix_badpix = true;  // repair the master mask's pixels (when a mask is given)
  FixBadpixOptions badpix;
  bool fix_cosmics = false;
  LaCosmicOptions cosmics;  // gain and readnoise: NaN = from the light's header
  double temp_tolerance = 1.0;  // deg C between the masters' and the light's SET-TEMP
};

struct CalibrateResult {
  Image image;
  Mask mask;  // MaskBit flags: bad pixels of the master mask, undivided pixels, cosmic rays
  // The light's header with BIASCORR, BIASFILE, DARKCORR, DARKFILE, DARKSCAL,
  // FLATCORR, FLATFILE, FLATNORM, the BPIX* keywords, CR_CLEAN, CR_NPIX and
  // BUNIT 'adu' (the caller adds stamp()).
  Header header;
  double dark_scale = 0.0;  // t / t_D
  FixBadpixResult badpix;
  std::size_t cosmic_pixels = 0;
  std::vector<std::string> warnings;  // e.g. a set temperature outside the tolerance
};

// Calibrates in place: the light's pixels become the result's (pass
// std::move(light) to spare a copy). Throws ap::Error (kBadInput) naming
// `light_name` when the light does not fit the masters (size, binning, the
// flat's FILTER) or has no positive EXPOSURE/EXPTIME, or when cosmic-ray
// cleaning needs a gain or read noise the header does not give.
CalibrateResult calibrate(FitsImage light, std::string_view light_name, const Masters& masters,
                          const CalibrateOptions& options);

}  // namespace ap
