// Detector read noise and gain from pairs of frames.
//
// read_noise: the original's method (Howell, Handbook of CCD Astronomy, 4.3):
// RN [e-] = gain * std(B1 - B2) / sqrt(2) over the pixels that are good in
// both bias frames; a pixel is good in a frame when it lies within
// median +- 3 std of that frame's 3-sigma clipped statistics (astropy's
// sigma_clipped_stats). Fixed: NaN and inf pixels are always left out.
//
// photon_transfer_gain: Janesick's two-flat, two-bias method on a central box:
//   g [e-/ADU] = ((F1 + F2) - (B1 + B2)) / (var(F1 - F2) - var(B1 - B2))
//   RN [e-]    = g * std(B1 - B2) / sqrt(2)
// with means and variances from sigma-clipped statistics (5 sigma by default,
// so that clipping a Gaussian leaves its variance unchanged to 1e-5 while hot
// pixels and cosmic rays are removed). The difference images remove the
// fixed pattern (bias structure, flat-field response) of each pair.
#pragma once

#include <cstddef>
#include <string_view>

#include <string>
#include <vector>

#include "core/header.h"
#include "core/image.h"

namespace ap {

struct ReadNoiseOptions {
  bool clip = true;         // false: every finite pixel is good (--noclip)
  double clip_sigma = 3.0;
  bool histogram = false;   // fill ReadNoiseResult's histograms (--histplot)
};

struct ReadNoiseResult {
  double gain = 0.0;          // e-/ADU used
  double diff_std_adu = 0.0;  // std(B1 - B2) over the good pixels (ddof 0)
  double diff_mean_adu = 0.0;
  double read_noise_e = 0.0;
  std::size_t good = 0;       // pixels used
  std::size_t total = 0;
  // With options.histogram: B1 - B2 in unit bins centred on the integers
  // hist_first, hist_first + 1, ... up to the largest good difference; the
  // good pixels, and every finite one in that range; the good ones' median.
  long hist_first = 0;
  std::vector<std::size_t> hist_good, hist_all;
  double diff_median_adu = 0.0;
};

// Throws ap::Error (kBadInput) when the frames differ in size or no pixel is good.
ReadNoiseResult read_noise(const Image& bias1, const Image& bias2, double gain,
                           const ReadNoiseOptions& options = {});

// The gain given as --gain: a number, or the name of a keyword both headers
// hold with values that agree within 0.001 e-/ADU (the first one is used).
// Throws ap::Error naming the file without the keyword (kBadInput), or for
// disagreeing values (kBadInput) or a gain that is not positive (kUsage).
// The diagnostic plot of `ap read-noise --histplot` (PNG bytes): the two
// histograms, linear and logarithmic, with the mean and median marked.
std::string read_noise_histogram_png(const ReadNoiseResult& result);

double resolve_gain(std::string_view spec, const Header& header1, std::string_view name1,
                    const Header& header2, std::string_view name2);

struct GainOptions {
  double region = 0.5;  // the central box spans this fraction of each axis
  double sigma = 5.0;   // clipping of the means and the difference variances
};

struct GainResult {
  double gain = 0.0;             // e-/ADU
  double read_noise_e = 0.0;
  double signal_adu = 0.0;       // mean flat level above the bias
  double flat_diff_var = 0.0;    // var(F1 - F2), ADU^2
  double bias_diff_var = 0.0;    // var(B1 - B2), ADU^2
  std::size_t pixels = 0;        // in the central box
};

// Throws ap::Error (kBadInput) for frames of different sizes, and when the
// flats are not brighter or noisier than the biases.
GainResult photon_transfer_gain(const Image& flat1, const Image& flat2, const Image& bias1,
                                const Image& bias2, const GainOptions& options = {});

}  // namespace ap
