// Read noise from two bias frames, and the --gain argument (calib/read_noise.h).
#include "calib/read_noise.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "core/stats.h"

namespace ap {
namespace {

constexpr std::size_t kBlock = std::size_t{1} << 16;  // pixels per partial sum

struct Bounds {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool contains(float v) const { return std::isfinite(v) && v >= lo && v <= hi; }
};

Bounds good_range(const Image& frame, const ReadNoiseOptions& o) {
  if (!o.clip) return {};
  const ClippedStats s =
      sigma_clipped_stats(frame.pixels(), SigmaClipOptions::symmetric(o.clip_sigma));
  return {s.median - o.clip_sigma * s.std, s.median + o.clip_sigma * s.std};
}

// Sums over fixed blocks of pixels, added in block order: the result does not
// depend on the thread count. body(i, sums) adds pixel i's terms to sums[0..2].
template <class Body>
std::array<double, 3> block_sums(std::size_t n, Body body) {
  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<std::array<double, 3>> partial(blocks, {0.0, 0.0, 0.0});
  parallel_for(0, blocks, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      const std::size_t end = std::min(n, (b + 1) * kBlock);
      for (std::size_t i = b * kBlock; i < end; ++i) body(i, partial[b]);
    }
  });
  std::array<double, 3> total{0.0, 0.0, 0.0};
  for (const auto& p : partial) {
    for (std::size_t k = 0; k < 3; ++k) total[k] += p[k];
  }
  return total;
}

// Unit-bin histograms of a - b (see ReadNoiseResult), one serial pass each:
// a diagnostic, so simple.
template <class Good>
void fill_histograms(const float* a, const float* b, std::size_t n, Good good, ReadNoiseResult& r) {
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = 0; i < n; ++i)
    if (good(i)) lo = std::min(lo, double(a[i]) - double(b[i])), hi = std::max(hi, double(a[i]) - double(b[i]));
  r.hist_first = std::lround(lo);
  const std::size_t bins = static_cast<std::size_t>(std::lround(hi) - r.hist_first + 1);
  r.hist_good.assign(bins, 0);
  r.hist_all.assign(bins, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const double d = double(a[i]) - double(b[i]);
    if (!std::isfinite(d)) continue;
    const long k = std::lround(d) - r.hist_first;
    if (k < 0 || k >= static_cast<long>(bins)) continue;
    ++r.hist_all[static_cast<std::size_t>(k)];
    if (good(i)) ++r.hist_good[static_cast<std::size_t>(k)];
  }
  std::size_t below = 0;
  for (std::size_t k = 0; k < bins; ++k) {
    below += r.hist_good[k];
    if (2 * below >= r.good) {
      r.diff_median_adu = static_cast<double>(r.hist_first + static_cast<long>(k));
      break;
    }
  }
}

}  // namespace

ReadNoiseResult read_noise(const Image& bias1, const Image& bias2, double gain,
                           const ReadNoiseOptions& options) {
  if (!bias1.same_shape(bias2)) {
    throw Error(ExitCode::kBadInput,
                fmt::format("bias frames differ in size: {}x{} and {}x{}", bias1.width(),
                            bias1.height(), bias2.width(), bias2.height()));
  }
  const Bounds r1 = good_range(bias1, options), r2 = good_range(bias2, options);
  const float* a = bias1.data();
  const float* b = bias2.data();
  const auto good = [&](std::size_t i) { return r1.contains(a[i]) && r2.contains(b[i]); };
  const auto first = block_sums(bias1.size(), [&](std::size_t i, std::array<double, 3>& s) {
    if (!good(i)) return;
    s[0] += 1.0;
    s[1] += double(a[i]) - double(b[i]);
  });
  ReadNoiseResult r;
  r.gain = gain;
  r.total = bias1.size();
  r.good = static_cast<std::size_t>(first[0]);
  if (r.good == 0) throw Error(ExitCode::kBadInput, "no good pixel in both bias frames");
  r.diff_mean_adu = first[1] / first[0];
  const double mean = r.diff_mean_adu;
  const auto second = block_sums(bias1.size(), [&](std::size_t i, std::array<double, 3>& s) {
    if (!good(i)) return;
    const double d = double(a[i]) - double(b[i]) - mean;
    s[0] += d * d;
  });
  r.diff_std_adu = std::sqrt(second[0] / first[0]);
  r.read_noise_e = gain * r.diff_std_adu / std::sqrt(2.0);
  if (options.histogram) fill_histograms(a, b, bias1.size(), good, r);
  return r;
}

double resolve_gain(std::string_view spec, const Header& header1, std::string_view name1,
                    const Header& header2, std::string_view name2) {
  const std::string text(spec);
  char* end = nullptr;
  errno = 0;
  const double number = std::strtod(text.c_str(), &end);
  double gain = number;
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE) {
    const auto g1 = header1.get_double(text);
    if (!g1) throw input_error(name1, fmt::format("no numeric {} keyword for the gain", text));
    const auto g2 = header2.get_double(text);
    if (!g2) throw input_error(name2, fmt::format("no numeric {} keyword for the gain", text));
    if (std::abs(*g1 - *g2) > 0.001) {
      throw input_error(name2, fmt::format("{} = {} differs from {} in {} by more than 0.001", text,
                                           *g2, *g1, name1));
    }
    gain = *g1;
  }
  if (!std::isfinite(gain) || gain <= 0.0) {
    throw Error(ExitCode::kUsage, fmt::format("gain {} is not a positive number", gain));
  }
  return gain;
}

}  // namespace ap
