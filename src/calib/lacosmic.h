// Cosmic-ray detection and cleaning: L.A.Cosmic (van Dokkum 2001, PASP 113,
// 1420) with the choices Debian's python3-astroscrappy makes, so that masks
// agree with astroscrappy.detect_cosmics on the same frame and parameters.
//
// detect_cosmics() works in electrons (pixels times `gain`) and float32 with
// astroscrappy 1.1's order of operations, so masks agree pixel for pixel:
//   0. V = image + readnoise^2, the variance image. Bad pixels (the input
//      mask, NaN, inf) are grown by a 3x3 dilation. Saturated stars: pixels
//      >= satlevel whose median (below) exceeds satlevel / 10, grown twice by
//      the 5x5 disk (corners left out). Both are never cosmic rays and never
//      used for cleaning.
//   Then up to `niter` times:
//   1. L+: the image replicated 2x2, convolved with the Laplacian kernel (4
//      at the centre, -1 at the four sides, 0 outside the image), negative
//      values set to 0, averaged back over each 2x2 block;
//   2. noise = sqrt(max(median5(V), 1e-5)); S = L+ / (2 noise);
//      S' = S - median5(S);
//   3. fine structure F = (m3 - median7(m3)) / noise, floored at 0.01, where
//      m3 = median3(image) (fsmode median) or the image convolved with a
//      psfsize x psfsize Gaussian of FWHM psffwhm, 0 outside the image
//      (fsmode convolve);
//   4. candidates: S' > sigclip and S'/F > objlim on good pixels; grown by a
//      3x3 dilation kept where S' > sigclip, then again where
//      S' > sigclip * sigfrac;
//   5. the new mask is OR'ed into the cosmic-ray mask; when it is empty the
//      loop stops; else flagged pixels of the image and of V are replaced
//      (cleantype) and the next iteration starts.
// With `sepmed` (the default) the 2-D medians are the separable row-then-
// column medians astroscrappy uses: median5 -> 7-point, median3 -> 5-point,
// median7 -> 9-point. Each median leaves the pixels within half its width of
// the border unfiltered, as astroscrappy's filters do, so nothing within 3
// pixels of the border is flagged (2 without sepmed). A flagged pixel within 2 pixels of the
// border is not replaced.
//
// Differences from astroscrappy, on purpose: satlevel is in ADU (astroscrappy
// takes electrons); NaN and inf pixels are treated as bad instead of
// spreading through the filters; cleantype median is a true 5x5 median
// (astroscrappy's fills its array wrongly); the cleaned image equals the
// input outside the mask (astroscrappy returns x * gain / gain).
//
// The library takes gain and read noise as numbers; resolving them from
// header keywords is the caller's job (ap cosmics, ap calibrate).
#pragma once

#include <cstddef>
#include <limits>
#include <string_view>

#include "core/image.h"

namespace ap {

enum class LaCosmicFsMode { kMedian, kConvolve };
// astroscrappy's cleantype: replacement value of a cosmic-ray pixel.
//   kMedian   - the 5x5 median of the image (cosmic rays included)
//   kMedMask  - median of the good pixels of the 5x5 box
//   kMeanMask - mean of the good pixels of the 5x5 box (default)
//   kIdw      - inverse-distance weighted mean of the good pixels of the 5x5 box
enum class LaCosmicCleanType { kMedian, kMedMask, kMeanMask, kIdw };

// "median" / "convolve"; throws ap::Error (kUsage) otherwise.
LaCosmicFsMode parse_lacosmic_fsmode(std::string_view name);
const char* lacosmic_fsmode_name(LaCosmicFsMode mode);
// "median" / "medmask" / "meanmask" / "idw"; throws ap::Error (kUsage) otherwise.
LaCosmicCleanType parse_lacosmic_cleantype(std::string_view name);
const char* lacosmic_cleantype_name(LaCosmicCleanType type);

struct LaCosmicOptions {
  double sigclip = 4.5;   // Laplacian/noise detection limit
  double sigfrac = 0.3;   // neighbour limit as a fraction of sigclip
  double objlim = 5.0;    // minimum contrast between Laplacian and fine structure
  double gain = std::numeric_limits<double>::quiet_NaN();       // e-/ADU; must be set (> 0)
  double readnoise = std::numeric_limits<double>::quiet_NaN();  // e-; must be set (>= 0)
  double satlevel = 65535.0;  // ADU (not e- as in astroscrappy); <= 0: no saturation mask
  int niter = 4;
  LaCosmicFsMode fsmode = LaCosmicFsMode::kMedian;
  double psffwhm = 2.5;   // pixels, fsmode convolve (Gaussian PSF)
  int psfsize = 7;        // odd kernel size, fsmode convolve
  bool sepmed = true;
  LaCosmicCleanType cleantype = LaCosmicCleanType::kMeanMask;
  bool verbose = false;   // log each iteration's count (info level)
};

struct LaCosmicResult {
  Mask crmask;                    // 1 where a cosmic ray was found, else 0
  Image cleaned;                  // input with cosmic rays replaced, in ADU
  std::size_t ncr = 0;            // pixels set in crmask
  int iterations_run = 0;         // iterations done (fewer than niter when one found none)
};

// `inmask` (any non-zero byte = bad, never a cosmic ray and never used for
// cleaning) may be null. NaN and inf pixels are treated as bad. Throws
// ap::Error (kUsage) for a gain that is not positive or finite, a read noise
// that is negative or NaN, niter < 1, a bad psfsize, or a mask whose shape
// differs from the image.
LaCosmicResult detect_cosmics(const Image& image, const LaCosmicOptions& options,
                              const Mask* inmask = nullptr);

}  // namespace ap
