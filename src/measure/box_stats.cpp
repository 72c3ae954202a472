// Sigma-clipped statistics of one background box, on sorted values: every
// clipping pass is then a median read at known ranks, two binary searches,
// and sums updated by the few values that enter or leave the range.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>

#include "measure/background_detail.h"

namespace ap::detail {
namespace {

// Order-preserving map from a float to an unsigned key, and back.
std::uint32_t order_key(float v) {
  const auto bits = std::bit_cast<std::uint32_t>(v);
  return (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
}
float key_value(std::uint32_t key) {
  return std::bit_cast<float>((key & 0x80000000u) != 0 ? key & 0x7FFFFFFFu : ~key);
}

// The usable values of the box into s.values; returns how many.
std::size_t gather(PlaneView<const float> box, PlaneView<const std::uint8_t> excluded,
                   BoxScratch& s) {
  s.values.resize(box.width * box.height);
  float* out = s.values.data();
  std::size_t n = 0;
  for (std::size_t y = 0; y < box.height; ++y) {
    const float* row = box.data + y * box.stride;
    if (excluded.data) {
      const std::uint8_t* flags = excluded.data + y * excluded.stride;
      for (std::size_t x = 0; x < box.width; ++x) {
        out[n] = row[x];
        n += std::isfinite(row[x]) && flags[x] == 0;
      }
    } else {
      for (std::size_t x = 0; x < box.width; ++x) {
        out[n] = row[x];
        n += std::isfinite(row[x]);
      }
    }
  }
  return n;
}

// LSD radix sort of the n first values through their keys, offset by the
// smallest: box values span a narrow range, so two digits of at most 13 bits
// usually cover them. The values are split into two halves that go through
// every pass side by side with their own bucket offsets, so that runs of
// equal digits (common: the values cluster) do not serialise on one counter.
void radix_sort(std::size_t n, BoxScratch& s) {
  constexpr unsigned kMaxDigit = 13;
  constexpr std::size_t kStreams = 2;
  s.keys.resize(2 * n + kStreams * (std::size_t{1} << kMaxDigit));
  std::uint32_t* keys = s.keys.data();
  std::uint32_t* other = keys + n;
  std::uint32_t* counts = other + n;
  float* values = s.values.data();

  for (std::size_t i = 0; i < n; ++i) keys[i] = order_key(values[i]);
  std::uint32_t base = 0xFFFFFFFFu, top = 0;
  for (std::size_t i = 0; i < n; ++i) {
    base = std::min(base, keys[i]);
    top = std::max(top, keys[i]);
  }
  const auto bits = static_cast<unsigned>(std::bit_width(top - base));
  const unsigned passes = std::max(1u, (bits + kMaxDigit - 1) / kMaxDigit);
  const unsigned width = (bits + passes - 1) / passes;
  const std::size_t buckets = std::size_t{1} << width;
  const std::uint32_t digit = static_cast<std::uint32_t>(buckets - 1);
  const std::size_t half = n / 2;
  for (std::size_t i = 0; i < n; ++i) keys[i] -= base;

  for (unsigned p = 0; p < passes; ++p) {
    const unsigned shift = p * width;
    std::uint32_t* c0 = counts;
    std::uint32_t* c1 = counts + buckets;
    std::fill(c0, c0 + 2 * buckets, 0u);
    for (std::size_t i = 0; i < half; ++i) {
      ++c0[(keys[i] >> shift) & digit];
      ++c1[(keys[half + i] >> shift) & digit];
    }
    if (n % 2 == 1) ++c1[(keys[n - 1] >> shift) & digit];
    std::uint32_t total = 0;  // bucket by bucket, the first half before the second
    for (std::size_t b = 0; b < buckets; ++b) {
      total += std::exchange(c0[b], total);
      total += std::exchange(c1[b], total);
    }
    const bool last = p + 1 == passes;
    const auto place = [&](std::uint32_t* c, std::uint32_t k) {
      const std::uint32_t at = c[(k >> shift) & digit]++;
      if (last) {
        values[at] = key_value(k + base);
      } else {
        other[at] = k;
      }
    };
    for (std::size_t i = 0; i < half; ++i) {
      place(c0, keys[i]);
      place(c1, keys[half + i]);
    }
    if (n % 2 == 1) place(c1, keys[n - 1]);
    std::swap(keys, other);
  }
}

// Sums of (v - shift) and (v - shift)^2 over a range of the sorted values,
// moved by adding or removing the values at its ends.
class RangeSums {
 public:
  RangeSums(std::span<const float> s, double shift) : s_(s), shift_(shift) {}

  void move_to(std::size_t a, std::size_t b) {
    if (a >= b_ || b <= a_) {  // no overlap: sum afresh
      fresh(a, b);
      return;
    }
    while (a_ > a) add(--a_, 1.0);
    while (a_ < a) add(a_++, -1.0);
    while (b_ < b) add(b_++, 1.0);
    while (b_ > b) add(--b_, -1.0);
    // Removing large values leaves rounding of their size: sum afresh then.
    if (removed2_ > 1e6 * sum2_) fresh(a, b);
  }
  double mean() const { return shift_ + sum_ / count(); }
  double std() const {
    const double m = sum_ / count();
    return std::sqrt(std::max(0.0, sum2_ / count() - m * m));
  }

 private:
  double count() const { return static_cast<double>(b_ - a_); }
  // Four interleaved accumulators: no chain of dependent additions.
  void fresh(std::size_t a, std::size_t b) {
    double s1[4] = {}, s2[4] = {};
    std::size_t i = a;
    for (; i + 4 <= b; i += 4) {
      for (std::size_t j = 0; j < 4; ++j) {
        const double d = s_[i + j] - shift_;
        s1[j] += d;
        s2[j] += d * d;
      }
    }
    for (; i < b; ++i) {
      const double d = s_[i] - shift_;
      s1[0] += d;
      s2[0] += d * d;
    }
    a_ = a;
    b_ = b;
    sum_ = (s1[0] + s1[1]) + (s1[2] + s1[3]);
    sum2_ = (s2[0] + s2[1]) + (s2[2] + s2[3]);
    removed2_ = 0.0;
  }
  void add(std::size_t i, double sign) {
    const double d = s_[i] - shift_;
    sum_ += sign * d;
    sum2_ += sign * d * d;
    if (sign < 0.0) removed2_ += d * d;
  }

  std::span<const float> s_;
  double shift_;
  std::size_t a_ = 0, b_ = 0;
  double sum_ = 0.0, sum2_ = 0.0, removed2_ = 0.0;
};

double median_of(std::span<const float> s, std::size_t a, std::size_t b) {
  const std::size_t mid = a + (b - a) / 2;
  return (b - a) % 2 == 1 ? s[mid] : 0.5 * (static_cast<double>(s[mid - 1]) + s[mid]);
}

double estimate(double median, double mean, double std, BackgroundEstimator e) {
  if (e == BackgroundEstimator::kMedian) return median;
  // photutils SExtractorBackground
  if (std == 0.0) return mean;
  if (std::abs(mean - median) / std < 0.3) return 2.5 * median - 1.5 * mean;
  return median;
}

bool too_masked(std::size_t used, const BoxClip& clip) {
  return used == 0 || static_cast<double>(clip.box_pixels - used) > clip.max_masked;
}

}  // namespace

BoxStats box_stats(PlaneView<const float> box, PlaneView<const std::uint8_t> excluded,
                   BoxScratch& scratch, const BoxClip& clip) {
  const std::size_t n = gather(box, excluded, scratch);
  if (too_masked(n, clip)) return {};
  radix_sort(n, scratch);
  const std::span<const float> values(scratch.values.data(), n);
  const auto first_at_least = [&](std::size_t a, std::size_t b, double lo) {
    return static_cast<std::size_t>(
        std::partition_point(values.begin() + a, values.begin() + b,
                             [lo](float v) { return v < lo; }) - values.begin());
  };
  const auto first_above = [&](std::size_t a, std::size_t b, double hi) {
    return static_cast<std::size_t>(
        std::partition_point(values.begin() + a, values.begin() + b,
                             [hi](float v) { return v <= hi; }) - values.begin());
  };
  RangeSums sums(values, median_of(values, 0, n));
  std::size_t a = 0, b = n;
  double lo = 0.0, hi = 0.0;
  for (int pass = 1;; ++pass) {
    sums.move_to(a, b);
    const double median = median_of(values, a, b), spread = clip.sigma * sums.std();
    lo = median - spread;
    hi = median + spread;
    const std::size_t next_a = first_at_least(a, b, lo);
    const std::size_t next_b = first_above(next_a, b, hi);
    if (next_b - next_a == b - a) break;
    a = next_a;
    b = next_b;
    if (clip.iters > 0 && pass >= clip.iters) break;
  }
  // astropy keeps every value inside the last bounds, not only the last set.
  a = first_at_least(0, n, lo);
  b = first_above(a, n, hi);
  if (too_masked(b - a, clip)) return {};
  sums.move_to(a, b);
  const double std = sums.std();
  return {estimate(median_of(values, a, b), sums.mean(), std, clip.estimator), std, false};
}

}  // namespace ap::detail
