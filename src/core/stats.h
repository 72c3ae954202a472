// Robust statistics with the semantics of numpy/astropy that the original
// package relied on (shared reference, calibration document section 2):
//   - median: exact; mean of the two middle values for an even count;
//   - std: population standard deviation (ddof = 0);
//   - mad_std: 1.482602218505602 * median(|x - median(x)|);
//   - sigma_clipped_stats: drops non-finite values, then at most max_iters
//     passes of: centre = median, spread = std of the remaining values, keep
//     centre - sigma_lower*spread <= v <= centre + sigma_upper*spread
//     (inclusive); stops early when a pass removes nothing; returns mean,
//     median and std of the survivors.
// Functions named nan* ignore NaN and inf; the others propagate NaN (a NaN in
// the input gives a NaN result), as numpy does. Large inputs are processed in
// parallel; results do not depend on the thread count.
#pragma once

#include <cstddef>
#include <span>

namespace ap {

inline constexpr double kMadToStd = 1.482602218505602;

double median(std::span<const float> x);
double nanmedian(std::span<const float> x);

// q in [0, 100], linear interpolation between closest ranks (numpy default).
double percentile(std::span<const float> x, double q);
double nanpercentile(std::span<const float> x, double q);

double mean(std::span<const float> x);
double nanmean(std::span<const float> x);
double std_dev(std::span<const float> x);  // population (ddof = 0)
double nanstd(std::span<const float> x);

double mad_std(std::span<const float> x);
double nanmad_std(std::span<const float> x);

struct SigmaClipOptions {
  double sigma_lower = 3.0;
  double sigma_upper = 3.0;
  int max_iters = 5;  // <= 0: iterate until nothing is removed
  enum class Spread { kStd, kMadStd } spread = Spread::kStd;

  static SigmaClipOptions symmetric(double sigma, int max_iters = 5) {
    return {sigma, sigma, max_iters, Spread::kStd};
  }
};

struct ClippedStats {
  double mean = 0.0;
  double median = 0.0;
  double std = 0.0;
  double lower = 0.0;        // final inclusive bounds (those of the last pass, as astropy)
  double upper = 0.0;
  std::size_t n_kept = 0;    // survivors
  std::size_t n_finite = 0;  // finite inputs
  int iterations = 0;        // passes that were run
};

// Non-finite values are always ignored. With no finite input every field is NaN.
ClippedStats sigma_clipped_stats(std::span<const float> x, const SigmaClipOptions& options = {});

}  // namespace ap
