#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/parallel.h"
#include "core/stats.h"
#include "support.h"

namespace ap {
namespace {

constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
constexpr float kInff = std::numeric_limits<float>::infinity();

// Deterministic test data (splitmix64 and Box-Muller), the same on every platform.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double normal() {
    const double u = 1.0 - uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

 private:
  std::uint64_t state_;
};

// A sky of 1000 +- 10 with bright outliers, ties, and (optionally) NaN and inf.
std::vector<float> sky(std::size_t n, std::uint64_t seed, bool nonfinite) {
  Random r(seed);
  std::vector<float> x(n);
  for (float& v : x) {
    const double u = r.uniform();
    if (u < 0.02) {
      v = static_cast<float>(1000.0 + 60000.0 * r.uniform());  // stars, hot pixels
    } else if (u < 0.05) {
      v = static_cast<float>(std::round(4.0 * (1000.0 + 10.0 * r.normal())) / 4.0);  // ties
    } else {
      v = static_cast<float>(1000.0 + 10.0 * r.normal());
    }
  }
  if (nonfinite) {
    for (std::size_t i = 7; i < n; i += n / 13) x[i] = kNaNf;
    for (std::size_t i = 11; i < n; i += n / 7) x[i] = (i % 2 == 0) ? kInff : -kInff;
  }
  return x;
}

// ---- an independent reference: sort doubles and follow the definitions ----

std::vector<double> sorted_finite(const std::vector<float>& x) {
  std::vector<double> v;
  for (const float f : x) {
    if (std::isfinite(f)) v.push_back(f);
  }
  std::sort(v.begin(), v.end());
  return v;
}

double ref_median(const std::vector<double>& sorted) {
  const std::size_t n = sorted.size();
  if (n == 0) return std::nan("");
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
}

double ref_mad_std(const std::vector<double>& sorted) {
  const double m = ref_median(sorted);
  std::vector<double> d;
  for (const double v : sorted) d.push_back(std::fabs(v - m));
  std::sort(d.begin(), d.end());
  return kMadToStd * ref_median(d);
}

struct RefClip {
  double mean, median, std;
  std::size_t kept;
  int iterations;
};

RefClip ref_clip(const std::vector<float>& x, double lower, double upper, int max_iters, bool mad) {
  std::vector<double> v = sorted_finite(x);
  const auto mean_std = [](const std::vector<double>& s) {
    double sum = 0.0, sum2 = 0.0;
    for (const double e : s) sum += e;
    const double m = sum / static_cast<double>(s.size());
    for (const double e : s) sum2 += (e - m) * (e - m);
    return std::pair{m, std::sqrt(sum2 / static_cast<double>(s.size()))};
  };
  int iterations = 0;
  for (std::size_t removed = 1; removed != 0 && (max_iters <= 0 || iterations < max_iters);) {
    ++iterations;
    if (v.empty()) break;
    const double centre = ref_median(v);
    const double spread = mad ? ref_mad_std(v) : mean_std(v).second;
    const double lo = centre - spread * lower, hi = centre + spread * upper;
    std::vector<double> kept;
    for (const double e : v) {
      if (e >= lo && e <= hi) kept.push_back(e);
    }
    removed = v.size() - kept.size();
    v = std::move(kept);
  }
  if (v.empty()) return {std::nan(""), std::nan(""), std::nan(""), 0, iterations};
  const auto [m, s] = mean_std(v);
  return {m, ref_median(v), s, v.size(), iterations};
}

void expect_close(double actual, double expected, double rel, const std::string& what) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what << ": " << actual;
    return;
  }
  EXPECT_NEAR(actual, expected, rel * std::max(1.0, std::fabs(expected))) << what;
}

// ---- hand-computed values ----

TEST(StatsMedian, OddEvenTiesAndEmpty) {
  EXPECT_EQ(median(std::vector<float>{3, 1, 2}), 2.0);
  EXPECT_EQ(median(std::vector<float>{4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median(std::vector<float>{2, 2, 1, 3}), 2.0);
  EXPECT_EQ(median(std::vector<float>{5, 5, 5, 5}), 5.0);
  EXPECT_EQ(median(std::vector<float>{-1.5f}), -1.5);
  // The mean of the two middle values is taken in double, not in float.
  EXPECT_EQ(median(std::vector<float>{16777216.0f, 16777218.0f}), 16777217.0);
  EXPECT_TRUE(std::isnan(median(std::vector<float>{})));
  EXPECT_TRUE(std::isnan(nanmedian(std::vector<float>{})));
}

TEST(StatsMedian, NanPropagatesInfOrders) {
  EXPECT_TRUE(std::isnan(median(std::vector<float>{1, kNaNf, 3})));
  EXPECT_EQ(median(std::vector<float>{1, 2, kInff}), 2.0);
  EXPECT_EQ(median(std::vector<float>{1, kInff}), kInff);
  EXPECT_TRUE(std::isnan(median(std::vector<float>{-kInff, kInff})));
  // nanmedian ignores NaN and inf.
  EXPECT_EQ(nanmedian(std::vector<float>{1, kNaNf, 3, kInff, -kInff}), 2.0);
  EXPECT_TRUE(std::isnan(nanmedian(std::vector<float>{kNaNf, kInff})));
}

TEST(StatsPercentile, LinearInterpolationAsNumpy) {
  const std::vector<float> x{4, 1, 3, 2};
  EXPECT_EQ(percentile(x, 0), 1.0);
  EXPECT_EQ(percentile(x, 100), 4.0);
  EXPECT_EQ(percentile(x, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile(x, 25), 1.75);
  EXPECT_DOUBLE_EQ(percentile(x, 40), 2.2);
  EXPECT_DOUBLE_EQ(percentile(std::vector<float>{10, 20, 30, 40, 50}, 90), 46.0);
  EXPECT_EQ(percentile(std::vector<float>{7}, 33), 7.0);
  EXPECT_TRUE(std::isnan(percentile(std::vector<float>{}, 50)));
  EXPECT_TRUE(std::isnan(percentile(std::vector<float>{1, kNaNf}, 10)));
  EXPECT_DOUBLE_EQ(nanpercentile(std::vector<float>{kNaNf, 1, 2, kInff, 3}, 75), 2.5);
  // numpy's formula with infinities: a + (b - a) t, or b - (b - a)(1 - t) from t = 0.5.
  EXPECT_EQ(percentile(std::vector<float>{1, kInff}, 30), kInff);
  EXPECT_TRUE(std::isnan(percentile(std::vector<float>{1, kInff}, 50)));
  for (const double q : {-1.0, 100.5, std::nan("")}) {
    try {
      percentile(x, q);
      FAIL() << "q = " << q << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kUsage);
    }
  }
}

TEST(StatsMoments, PopulationMeanAndStd) {
  const std::vector<float> x{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(mean(x), 2.5);
  EXPECT_DOUBLE_EQ(std_dev(x), std::sqrt(1.25));
  EXPECT_EQ(std_dev(std::vector<float>{3, 3, 3}), 0.0);
  EXPECT_TRUE(std::isnan(mean(std::vector<float>{})));
  EXPECT_TRUE(std::isnan(std_dev(std::vector<float>{})));
  EXPECT_TRUE(std::isnan(mean(std::vector<float>{1, kNaNf})));
  EXPECT_TRUE(std::isnan(std_dev(std::vector<float>{1, kNaNf})));
  EXPECT_EQ(mean(std::vector<float>{1, kInff}), kInff);
  EXPECT_EQ(mean(std::vector<float>{1, -kInff}), -kInff);
  EXPECT_TRUE(std::isnan(mean(std::vector<float>{kInff, -kInff})));
  EXPECT_TRUE(std::isnan(std_dev(std::vector<float>{1, kInff})));
  EXPECT_DOUBLE_EQ(nanmean(std::vector<float>{1, kNaNf, 2, kInff, 3, 4}), 2.5);
  EXPECT_DOUBLE_EQ(nanstd(std::vector<float>{1, kNaNf, 2, -kInff, 3, 4}), std::sqrt(1.25));
}

TEST(StatsMadStd, HandComputed) {
  // median 3; deviations 2 1 0 1 97 -> median 1.
  EXPECT_DOUBLE_EQ(mad_std(std::vector<float>{1, 2, 3, 4, 100}), kMadToStd);
  // median 2.5; deviations 1.5 .5 .5 1.5 -> median 1.
  EXPECT_DOUBLE_EQ(mad_std(std::vector<float>{4, 1, 3, 2}), kMadToStd);
  EXPECT_EQ(mad_std(std::vector<float>{7, 7, 7}), 0.0);
  EXPECT_DOUBLE_EQ(mad_std(std::vector<float>{1, 2, 3, kInff}), kMadToStd);
  EXPECT_TRUE(std::isnan(mad_std(std::vector<float>{1, 2, kNaNf})));
  EXPECT_TRUE(std::isnan(mad_std(std::vector<float>{})));
  EXPECT_DOUBLE_EQ(nanmad_std(std::vector<float>{1, kNaNf, 2, 3, 4, 100, kInff}), kMadToStd);
}

TEST(StatsSigmaClip, RemovesOutlierThenStops) {
  // Pass 1: median 5.5, std 28.6 -> 100 removed. Pass 2 (1..9): median 5,
  // std sqrt(60/9) -> nothing removed, stop.
  const std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9, 100};
  const ClippedStats s = sigma_clipped_stats(x, SigmaClipOptions::symmetric(2.0));
  EXPECT_EQ(s.iterations, 2);
  EXPECT_EQ(s.n_kept, 9u);
  EXPECT_EQ(s.n_finite, 10u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_DOUBLE_EQ(s.median, 5.0);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(60.0 / 9.0));
  EXPECT_DOUBLE_EQ(s.lower, 5.0 - 2.0 * std::sqrt(60.0 / 9.0));
  EXPECT_DOUBLE_EQ(s.upper, 5.0 + 2.0 * std::sqrt(60.0 / 9.0));
  // One pass only: the survivors' median is computed afresh.
  const ClippedStats one = sigma_clipped_stats(x, SigmaClipOptions::symmetric(2.0, 1));
  EXPECT_EQ(one.iterations, 1);
  EXPECT_EQ(one.n_kept, 9u);
  EXPECT_DOUBLE_EQ(one.median, 5.0);
  EXPECT_DOUBLE_EQ(one.lower, 5.5 - 2.0 * std::sqrt(818.25));
}

TEST(StatsSigmaClip, BoundsAreInclusive) {
  // median 0, std 1: with sigma 1 the bounds are exactly -1 and 1.
  const ClippedStats s = sigma_clipped_stats(std::vector<float>{-1, -1, 1, 1},
                                             SigmaClipOptions::symmetric(1.0));
  EXPECT_EQ(s.n_kept, 4u);
  EXPECT_EQ(s.iterations, 1);
  EXPECT_EQ(s.lower, -1.0);
  EXPECT_EQ(s.upper, 1.0);
  // Asymmetric: sigma_upper 0.5 drops the upper pair, then 0 spread keeps -1.
  const ClippedStats a = sigma_clipped_stats(std::vector<float>{-1, -1, 1, 1},
                                             {1.0, 0.5, 5, SigmaClipOptions::Spread::kStd});
  EXPECT_EQ(a.n_kept, 2u);
  EXPECT_EQ(a.mean, -1.0);
  EXPECT_EQ(a.std, 0.0);
  EXPECT_EQ(a.iterations, 2);
}

TEST(StatsSigmaClip, AllEqualNonFiniteAndEmpty) {
  const ClippedStats same = sigma_clipped_stats(std::vector<float>{4, 4, 4, 4, 4});
  EXPECT_EQ(same.mean, 4.0);
  EXPECT_EQ(same.median, 4.0);
  EXPECT_EQ(same.std, 0.0);
  EXPECT_EQ(same.n_kept, 5u);
  EXPECT_EQ(same.iterations, 1);

  const ClippedStats skip = sigma_clipped_stats(std::vector<float>{1, kNaNf, 2, kInff, 3, -kInff});
  EXPECT_EQ(skip.n_finite, 3u);
  EXPECT_EQ(skip.n_kept, 3u);
  EXPECT_DOUBLE_EQ(skip.mean, 2.0);
  EXPECT_DOUBLE_EQ(skip.median, 2.0);

  for (const std::vector<float>& none : {std::vector<float>{}, std::vector<float>{kNaNf, kInff}}) {
    const ClippedStats s = sigma_clipped_stats(none);
    EXPECT_TRUE(std::isnan(s.mean) && std::isnan(s.median) && std::isnan(s.std));
    EXPECT_TRUE(std::isnan(s.lower) && std::isnan(s.upper));
    EXPECT_EQ(s.n_kept, 0u);
    EXPECT_EQ(s.n_finite, 0u);
  }
  // Every value clipped (as astropy: one more pass sees nothing left).
  const ClippedStats gone =
      sigma_clipped_stats(std::vector<float>{0, 1}, SigmaClipOptions::symmetric(0.5, 0));
  EXPECT_EQ(gone.n_kept, 0u);
  EXPECT_EQ(gone.iterations, 2);
  EXPECT_TRUE(std::isnan(gone.mean));
}

TEST(StatsSigmaClip, MadStdSpread) {
  // Pass 1: median 3, MAD std 1.4826 -> 100 removed; pass 2 keeps 1..4.
  const ClippedStats s = sigma_clipped_stats(std::vector<float>{1, 2, 3, 4, 100},
                                             {3.0, 3.0, 5, SigmaClipOptions::Spread::kMadStd});
  EXPECT_EQ(s.n_kept, 4u);
  EXPECT_EQ(s.iterations, 2);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(1.25));
  EXPECT_DOUBLE_EQ(s.upper, 2.5 + 3.0 * kMadToStd);
}

// ---- large arrays (the histogram path) against the reference ----

void expect_like_reference(const std::vector<float>& x, const std::string& what) {
  const std::vector<double> f = sorted_finite(x);
  EXPECT_EQ(nanmedian(x), ref_median(f)) << what;
  EXPECT_EQ(nanmad_std(x), ref_mad_std(f)) << what;
  std::vector<float> finite;
  for (const double v : f) finite.push_back(static_cast<float>(v));
  std::reverse(finite.begin(), finite.end());
  EXPECT_EQ(median(finite), ref_median(f)) << what;
  EXPECT_EQ(mad_std(finite), ref_mad_std(f)) << what;
  for (const double q : {0.0, 0.1, 25.0, 50.0, 84.13, 99.0, 100.0}) {
    const double index = static_cast<double>(f.size() - 1) * (q / 100.0);
    const auto lo = static_cast<std::size_t>(std::floor(index));
    const double t = index - static_cast<double>(lo);
    const double expected = lo + 1 < f.size() ? f[lo] + (f[lo + 1] - f[lo]) * t : f.back();
    expect_close(nanpercentile(x, q), expected, 1e-12, what + " q=" + std::to_string(q));
  }
  double sum = 0.0;
  for (const double v : f) sum += v;
  expect_close(nanmean(x), sum / static_cast<double>(f.size()), 1e-12, what + " nanmean");
  const struct {
    SigmaClipOptions options;
    const char* name;
  } cases[] = {{SigmaClipOptions::symmetric(3.0, 5), "3 sigma"},
               {{2.0, 4.0, 0, SigmaClipOptions::Spread::kStd}, "2/4 sigma to convergence"},
               {{3.0, 3.0, 5, SigmaClipOptions::Spread::kMadStd}, "3 MAD std"}};
  for (const auto& c : cases) {
    const SigmaClipOptions& o = c.options;
    const RefClip r = ref_clip(x, o.sigma_lower, o.sigma_upper, o.max_iters,
                               o.spread == SigmaClipOptions::Spread::kMadStd);
    const ClippedStats s = sigma_clipped_stats(x, o);
    const std::string label = what + " " + c.name;
    EXPECT_EQ(s.n_kept, r.kept) << label;
    EXPECT_EQ(s.iterations, r.iterations) << label;
    EXPECT_EQ(s.median, r.median) << label;
    expect_close(s.mean, r.mean, 1e-12, label + " mean");
    expect_close(s.std, r.std, 1e-10, label + " std");
  }
}

TEST(StatsLarge, SkyMatchesReference) {
  expect_like_reference(sky(200'001, 1, true), "sky odd");
  expect_like_reference(sky(150'000, 2, false), "sky even");
}

TEST(StatsLarge, MixedSignsZerosAndWideRange) {
  Random r(3);
  std::vector<float> x(120'000);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double u = r.uniform();
    if (u < 0.1) {
      x[i] = (i % 2 == 0) ? 0.0f : -0.0f;
    } else if (u < 0.3) {
      const double sign = r.uniform() < 0.5 ? -1.0 : 1.0;
      x[i] = static_cast<float>(sign * std::pow(10.0, 60.0 * r.uniform() - 30.0));
    } else {
      x[i] = static_cast<float>(-0.5 + 2.0 * r.normal());
    }
  }
  expect_like_reference(x, "mixed");
}

TEST(StatsLarge, NanAndInfinities) {
  std::vector<float> x = sky(100'000, 4, false);
  x[12'345] = kNaNf;
  EXPECT_TRUE(std::isnan(median(x)));
  EXPECT_TRUE(std::isnan(percentile(x, 10)));
  EXPECT_TRUE(std::isnan(mad_std(x)));
  EXPECT_TRUE(std::isnan(mean(x)));
  EXPECT_FALSE(std::isnan(nanmedian(x)));
  // Mostly +inf: the median is inf; infinities below the middle leave it finite.
  std::vector<float> inf(50'000, kInff);
  inf.resize(80'000, 2.0f);
  EXPECT_EQ(median(inf), kInff);
  EXPECT_EQ(nanmedian(inf), 2.0);
  EXPECT_EQ(mean(inf), kInff);
  std::fill(inf.begin(), inf.begin() + 30'000, -kInff);
  EXPECT_EQ(median(inf), 2.0);
  EXPECT_EQ(percentile(inf, 60), 2.0);
  EXPECT_TRUE(std::isnan(percentile(inf, 10)));  // numpy: -inf + (-inf - -inf) * t
  EXPECT_TRUE(std::isnan(mean(inf)));
  // Zeros of both signs are one value.
  std::vector<float> zeros(60'000, -0.0f);
  std::fill(zeros.begin(), zeros.begin() + 30'001, 0.0f);
  EXPECT_EQ(median(zeros), 0.0);
  EXPECT_EQ(sigma_clipped_stats(zeros).n_kept, zeros.size());
}

TEST(StatsLarge, ResultsDoNotDependOnThreads) {
  const std::vector<float> x = sky(300'000, 5, true);
  std::vector<ClippedStats> runs;
  std::vector<double> stds;
  for (const int n : {1, 2, 3, 7}) {
    set_threads(n);
    runs.push_back(sigma_clipped_stats(x));
    stds.push_back(nanstd(x));
  }
  set_threads(0);
  for (const double s : stds) EXPECT_EQ(s, stds[0]);
  for (const ClippedStats& s : runs) {
    EXPECT_EQ(s.mean, runs[0].mean);
    EXPECT_EQ(s.median, runs[0].median);
    EXPECT_EQ(s.std, runs[0].std);
    EXPECT_EQ(s.n_kept, runs[0].n_kept);
  }
}

// ---- the peer: numpy and astropy on the same data ----

constexpr const char* kPeerScript = R"(
import sys
import warnings
import numpy as np
from astropy.stats import SigmaClip, mad_std, sigma_clipped_stats

warnings.simplefilter("ignore")
# float64, so that the reference is the exact arithmetic, not float32 rounding.
x = np.fromfile(sys.argv[1], dtype=np.float32).astype(np.float64)
f = x[np.isfinite(x)]
print("median", repr(float(np.median(f))))
for q in (0, 2.5, 25, 50, 84.13, 99.9, 100):
    print(f"p{q}", repr(float(np.percentile(f, q))))
print("mad_std", repr(float(mad_std(f))))
print("mean", repr(float(np.mean(f))))
print("std", repr(float(np.std(f))))
for name, sigma, iters, stdfunc in (("c3", 3.0, 5, "std"), ("c25", 2.5, None, "std"),
                                     ("m3", 3.0, 5, "mad_std")):
    mean, med, std = sigma_clipped_stats(x, sigma=sigma, maxiters=iters, cenfunc="median",
                                         stdfunc=stdfunc)
    clip = SigmaClip(sigma=sigma, maxiters=iters, cenfunc="median", stdfunc=stdfunc)
    kept = clip(x, masked=False, axis=None).size
    print(name + "_mean", repr(float(mean)))
    print(name + "_median", repr(float(med)))
    print(name + "_std", repr(float(std)))
    print(name + "_kept", kept)
    print(name + "_iters", clip._niterations)
)";

// Runs the peer script on x; name -> value.
std::map<std::string, double> peer_results(const std::vector<float>& x) {
  test::TempDir dir;
  const auto data = dir / "data.f32";
  const auto script = dir / "peer.py";
  std::ofstream(data, std::ios::binary)
      .write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size() * 4));
  std::ofstream(script) << kPeerScript;
  const test::CommandResult r =
      test::run("/usr/bin/python3", fmt::format("'{}' '{}'", script.string(), data.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, double> values;
  std::istringstream lines(r.out);
  std::string name, value;
  while (lines >> name >> value) values[name] = std::stod(value);
  return values;
}

void expect_like_peer(const std::vector<float>& x, const std::string& what) {
  const std::map<std::string, double> peer = peer_results(x);
  ASSERT_EQ(peer.size(), 26u) << what << ": numpy/astropy did not answer (are they installed?)";
  EXPECT_EQ(nanmedian(x), peer.at("median")) << what;
  EXPECT_EQ(nanmad_std(x), peer.at("mad_std")) << what;
  for (const char* q : {"0", "2.5", "25", "50", "84.13", "99.9", "100"}) {
    expect_close(nanpercentile(x, std::stod(q)), peer.at(std::string("p") + q), 1e-15,
                 what + " percentile " + q);
  }
  expect_close(nanmean(x), peer.at("mean"), 1e-12, what + " mean");
  expect_close(nanstd(x), peer.at("std"), 1e-10, what + " std");
  const std::pair<const char*, SigmaClipOptions> cases[] = {
      {"c3", SigmaClipOptions::symmetric(3.0, 5)},
      {"c25", SigmaClipOptions::symmetric(2.5, 0)},
      {"m3", {3.0, 3.0, 5, SigmaClipOptions::Spread::kMadStd}}};
  for (const auto& [name, options] : cases) {
    const ClippedStats s = sigma_clipped_stats(x, options);
    const std::string p = name, label = what + " " + name;
    EXPECT_EQ(static_cast<double>(s.n_kept), peer.at(p + "_kept")) << label;
    EXPECT_EQ(s.iterations, static_cast<int>(peer.at(p + "_iters"))) << label;
    EXPECT_EQ(s.median, peer.at(p + "_median")) << label;
    expect_close(s.mean, peer.at(p + "_mean"), 1e-12, label + " mean");
    expect_close(s.std, peer.at(p + "_std"), 1e-10, label + " std");
  }
}

TEST(StatsPeer, MatchesNumpyAndAstropy) {
  expect_like_peer(sky(300'000, 11, true), "large sky");
  expect_like_peer(sky(2'001, 12, true), "small sky");
  Random r(13);
  std::vector<float> mixed(250'000);
  for (float& v : mixed) {
    v = static_cast<float>(-5.0 + 3.0 * r.normal() + (r.uniform() < 0.01 ? 500.0 : 0.0));
  }
  expect_like_peer(mixed, "around zero");
}

}  // namespace
}  // namespace ap
