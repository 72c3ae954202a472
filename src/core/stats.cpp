#include "core/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/select.h"

namespace ap {
namespace {

using detail::HistogramRanks;
using detail::kNaN;
using detail::Moments;
using detail::SortedRanks;
using detail::Values;

constexpr float kMax = std::numeric_limits<float>::max();
constexpr float kInf = std::numeric_limits<float>::infinity();
// Up to this many values, sorting a copy beats the histogram passes.
constexpr std::size_t kSortLimit = std::size_t{1} << 13;

// Calls f with a ranker of the values of x that `which` selects.
template <class F>
auto with_ranks(std::span<const float> x, Values which, F f) {
  if (x.size() <= kSortLimit) {
    SortedRanks ranks(x, which);
    return f(ranks);
  }
  HistogramRanks ranks(x, which);
  // A rehearsal finds most bins that f needs resolved, so one pass does them all.
  ranks.rehearse(true);
  f(ranks);
  ranks.rehearse(false);
  return f(ranks);
}

// Bounds of the ranked values: everything but NaN, or the finite ones.
float lowest(Values which) { return which == Values::kFinite ? -kMax : -kInf; }
float highest(Values which) { return which == Values::kFinite ? kMax : kInf; }

// numpy: the middle value, or the mean of the two middle values.
template <class Ranks>
double median_of(Ranks& ranks, std::size_t first, std::size_t count) {
  if (count == 0) return kNaN;
  const double a = ranks.at(first + (count - 1) / 2);
  if (count % 2 == 1) return a;
  return (a + ranks.at(first + count / 2)) / 2.0;
}

// numpy's default ('linear') percentile, with its interpolation formula.
template <class Ranks>
double percentile_of(Ranks& ranks, double q) {
  const std::size_t n = ranks.size();
  if (n == 0) return kNaN;
  const double index = static_cast<double>(n - 1) * (q / 100.0);
  double a, b, below;
  if (index >= static_cast<double>(n - 1)) {
    a = b = ranks.at(n - 1);
    below = -1.0;  // numpy indexes the last value as -1, which enters the weight
  } else {
    below = std::floor(index);
    a = ranks.at(static_cast<std::size_t>(below));
    b = ranks.at(static_cast<std::size_t>(below) + 1);
  }
  const double t = index - below;
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

// Median of |v - median| over the ranked values in [lo, hi].
template <class Ranks>
double mad_of(Ranks& ranks, float lo, float hi, const Moments& range) {
  const double centre = median_of(ranks, range.below, range.n);
  if (!std::isfinite(centre)) return kNaN;
  const std::size_t k = (range.n - 1) / 2;
  const double a = ranks.kth_deviation(lo, hi, centre, k);
  if (range.n % 2 == 1) return a;
  return (a + ranks.kth_deviation(lo, hi, centre, k + 1)) / 2.0;
}

// Smallest float >= v and largest float <= v: the inclusive bounds in float.
float float_at_least(double v) {
  if (v <= -kMax) return -kMax;
  if (v > kMax) return kInf;
  const auto f = static_cast<float>(v);
  return static_cast<double>(f) < v ? std::nextafter(f, kInf) : f;
}
float float_at_most(double v) {
  if (v >= kMax) return kMax;
  if (v < -kMax) return -kInf;
  const auto f = static_cast<float>(v);
  return static_cast<double>(f) > v ? std::nextafter(f, -kInf) : f;
}

// astropy's sigma clipping on the finite values. The survivors are always the
// finite values in one interval [lo, hi], so each pass needs the moments of an
// interval and order statistics at known ranks.
template <class Ranks>
ClippedStats clip(Ranks& ranks, const SigmaClipOptions& o) {
  ClippedStats out;
  out.n_finite = ranks.size();
  float lo = -kMax, hi = kMax;
  Moments kept = ranks.moments(lo, hi, 0.0);
  double centre = kNaN;
  bool centre_current = false;  // centre is the median of `kept`
  for (int pass = 1; o.max_iters <= 0 || pass <= o.max_iters; ++pass) {
    out.iterations = pass;
    if (kept.n == 0) {
      out.lower = out.upper = kNaN;
      break;
    }
    centre = median_of(ranks, kept.below, kept.n);
    centre_current = true;
    const double spread = o.spread == SigmaClipOptions::Spread::kStd
                              ? std::sqrt(kept.var)
                              : kMadToStd * mad_of(ranks, lo, hi, kept);
    out.lower = centre - spread * o.sigma_lower;
    out.upper = centre + spread * o.sigma_upper;
    const float next_lo = std::max(lo, float_at_least(out.lower));
    const float next_hi = std::min(hi, float_at_most(out.upper));
    const Moments next = ranks.moments(next_lo, next_hi, centre);
    if (next.n == kept.n) break;  // nothing removed: the same set
    lo = next_lo;
    hi = next_hi;
    kept = next;
    centre_current = false;
  }
  out.n_kept = kept.n;
  out.mean = kept.mean;
  out.std = std::sqrt(kept.var);
  out.median = centre_current ? centre : median_of(ranks, kept.below, kept.n);
  return out;
}

double median_values(std::span<const float> x, Values which) {
  if (x.size() <= kSortLimit) {
    // One rank: partial selection of a copy, cheaper than sorting it.
    thread_local std::vector<float> v;
    v.clear();
    for (const float f : x) {
      if (std::isnan(f) && which == Values::kNonNan) return kNaN;
      if (which == Values::kNonNan || std::isfinite(f)) v.push_back(f);
    }
    if (v.empty()) return kNaN;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>((v.size() - 1) / 2);
    std::nth_element(v.begin(), mid, v.end());
    const double a = *mid;
    if (v.size() % 2 == 1) return a;
    return (a + static_cast<double>(*std::min_element(mid + 1, v.end()))) / 2.0;
  }
  return with_ranks(x, which, [](auto& ranks) {
    return ranks.has_nan() ? kNaN : median_of(ranks, 0, ranks.size());
  });
}

double percentile_values(std::span<const float> x, double q, Values which) {
  if (!(q >= 0.0 && q <= 100.0)) {
    throw Error(ExitCode::kUsage, "percentile: q must be in [0, 100], got " + std::to_string(q));
  }
  return with_ranks(x, which, [q](auto& ranks) {
    return ranks.has_nan() ? kNaN : percentile_of(ranks, q);
  });
}

double mad_std_values(std::span<const float> x, Values which) {
  return with_ranks(x, which, [which](auto& ranks) {
    if (ranks.has_nan()) return kNaN;
    const Moments everything{ranks.size(), 0};
    return kMadToStd * mad_of(ranks, lowest(which), highest(which), everything);
  });
}

// Moments of the finite values of x.
Moments finite_moments(std::span<const float> x) {
  return detail::to_moments(detail::range_sums(x, -kMax, kMax, detail::rough_centre(x)));
}

// The mean numpy gives when x holds NaN or inf: NaN, or the infinity.
double nonfinite_mean(std::span<const float> x) {
  double sum = 0.0;
  for (const float v : x) {
    if (!std::isfinite(v)) sum += v;
  }
  return sum;
}

}  // namespace

double median(std::span<const float> x) { return median_values(x, Values::kNonNan); }
double nanmedian(std::span<const float> x) { return median_values(x, Values::kFinite); }

double percentile(std::span<const float> x, double q) {
  return percentile_values(x, q, Values::kNonNan);
}
double nanpercentile(std::span<const float> x, double q) {
  return percentile_values(x, q, Values::kFinite);
}

double mean(std::span<const float> x) {
  const Moments m = finite_moments(x);
  return m.n < x.size() ? nonfinite_mean(x) : m.mean;
}
double nanmean(std::span<const float> x) { return finite_moments(x).mean; }

double std_dev(std::span<const float> x) {
  const Moments m = finite_moments(x);
  return m.n < x.size() ? kNaN : std::sqrt(m.var);
}
double nanstd(std::span<const float> x) { return std::sqrt(finite_moments(x).var); }

double mad_std(std::span<const float> x) { return mad_std_values(x, Values::kNonNan); }
double nanmad_std(std::span<const float> x) { return mad_std_values(x, Values::kFinite); }

ClippedStats sigma_clipped_stats(std::span<const float> x, const SigmaClipOptions& options) {
  return with_ranks(x, Values::kFinite, [&](auto& ranks) { return clip(ranks, options); });
}

}  // namespace ap
