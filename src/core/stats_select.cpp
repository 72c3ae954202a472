#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>

#include "core/error.h"
#include "core/parallel.h"
#include "core/select.h"

namespace ap::detail {
namespace {

constexpr std::size_t kBlock = std::size_t{1} << 16;  // values per fixed block of work
constexpr unsigned kLowBits = 14;                     // keys: 18 top bits, 14 low bits
constexpr std::size_t kTopBins = std::size_t{1} << (32 - kLowBits);
constexpr std::size_t kLowBins = std::size_t{1} << kLowBits;
constexpr std::uint32_t kLowMask = kLowBins - 1;
constexpr float kMax = std::numeric_limits<float>::max();
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kFloatNaN = std::numeric_limits<float>::quiet_NaN();
// Top-level bins of the finite keys.
constexpr std::uint32_t kFirstFiniteBin = float_key(-kMax) >> kLowBits;
constexpr std::uint32_t kLastFiniteBin = float_key(kMax) >> kLowBits;
// Intervals of the prefilter that picks the values of the bins being resolved.
constexpr std::size_t kRanges = 3;
// Deviation keys are the bits of non-negative floats; skipped values get this one.
constexpr std::uint32_t kSkipKey = 0xFFFFFFFFu;

using Floats = float __attribute__((vector_size(16)));
using Ints = std::int32_t __attribute__((vector_size(16)));
using Doubles = double __attribute__((vector_size(32)));
using Longs = std::int64_t __attribute__((vector_size(32)));
constexpr std::size_t kLanes = 4;
constexpr std::size_t kVectors = 4;
constexpr std::size_t kGroup = kVectors * kLanes;

Floats splat(float v) { return Floats{} + v; }

Floats load(const float* p) {
  Floats v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::size_t block_count(std::size_t n) { return (n + kBlock - 1) / kBlock; }

// Blocks per chunk for passes whose chunks count into big tables of their
// own: two chunks per thread, as each table costs zeroing and merging.
std::size_t chunk_grain(std::size_t n) {
  return std::max<std::size_t>(1, block_count(n) / (2 * static_cast<std::size_t>(threads())));
}

std::span<const float> block(std::span<const float> x, std::size_t b) {
  return x.subspan(b * kBlock, std::min(kBlock, x.size() - b * kBlock));
}

// Calls visit(p) for each group of kGroup consecutive values of x; the last
// group is padded with NaN.
template <class Visit>
void for_each_group(std::span<const float> x, Visit visit) {
  std::size_t i = 0;
  for (; i + kGroup <= x.size(); i += kGroup) visit(&x[i]);
  if (i < x.size()) {
    float tail[kGroup];
    std::fill(std::begin(tail), std::end(tail), kFloatNaN);
    std::copy(x.begin() + static_cast<std::ptrdiff_t>(i), x.end(), tail);
    visit(tail);
  }
}

// Bit l set when pred accepts value l of the group (pred sees four at a time).
template <class Pred>
std::uint32_t lane_bits(const float* group, Pred pred) {
  Ints bits = {};
  for (std::size_t j = 0; j < kVectors; ++j) {
    bits |= pred(load(group + j * kLanes)) & (Ints{1, 2, 4, 8} << static_cast<int>(j * kLanes));
  }
  return static_cast<std::uint32_t>(bits[0] | bits[1] | bits[2] | bits[3]);
}

// Sums over the finite values of one block in [lo, hi], in SIMD lanes of
// fixed assignment so that the rounding does not depend on the threads.
RangeSums block_sums(std::span<const float> x, float lo, float hi, double shift) {
  const Floats vlo = splat(lo), vhi = splat(hi), vmin = splat(-kMax);
  const Doubles vshift = Doubles{} + shift;
  Ints n = {}, below = {};
  Doubles sum[2] = {}, sum2[2] = {};
  for_each_group(x, [&](const float* group) {
    for (std::size_t j = 0; j < kVectors; ++j) {
      const Floats v = load(group + j * kLanes);
      const Ints in = (v >= vlo) & (v <= vhi);
      const Longs keep = __builtin_convertvector(in, Longs);
      const Doubles d = (Doubles)((Longs)(__builtin_convertvector(v, Doubles) - vshift) & keep);
      n -= in;
      below -= (v < vlo) & (v >= vmin);
      sum[j % 2] += d;
      sum2[j % 2] += d * d;
    }
  });
  RangeSums s{0, 0, shift};
  for (std::size_t l = 0; l < kLanes; ++l) {
    s.n += static_cast<std::size_t>(n[l]);
    s.below += static_cast<std::size_t>(below[l]);
    s.sum += sum[0][l] + sum[1][l];
    s.sum2 += sum2[0][l] + sum2[1][l];
  }
  return s;
}

RangeSums shifted_sums(std::span<const float> x, float lo, float hi, double shift) {
  std::vector<RangeSums> parts(block_count(x.size()));
  parallel_for(0, parts.size(), [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) parts[b] = block_sums(block(x, b), lo, hi, shift);
  });
  RangeSums s{0, 0, shift};
  for (const RangeSums& p : parts) {
    s.n += p.n;
    s.below += p.below;
    s.sum += p.sum;
    s.sum2 += p.sum2;
  }
  return s;
}

// The one-pass variance loses digits when the shift is far from the mean in
// units of the spread.
bool loses_digits(const RangeSums& s) {
  if (s.n == 0) return false;
  const double d = s.sum / static_cast<double>(s.n);
  return d * d > 64.0 * (s.sum2 / static_cast<double>(s.n) - d * d);
}

// The slot i with below[i] <= rank < below[i + 1].
std::uint32_t slot_of(const std::vector<std::size_t>& below, std::size_t rank) {
  const auto it = std::upper_bound(below.begin(), below.end(), rank);
  return static_cast<std::uint32_t>(it - below.begin() - 1);
}

// The low bits at which the running count of `counts` passes `rank`.
std::uint32_t low_of(const std::vector<std::size_t>& counts, std::size_t rank) {
  std::uint32_t low = 0;
  std::size_t seen = counts[0];
  while (seen <= rank) seen += counts[++low];
  return low;
}

// Counters that start at zero and cost memory only where they are touched.
template <class T>
std::unique_ptr<T[], decltype(&std::free)> zeroed(std::size_t n) {
  T* p = static_cast<T*>(std::calloc(n, sizeof(T)));
  if (p == nullptr) throw std::bad_alloc();
  return {p, &std::free};
}

// Per top-level bin of key(v): the count and, with kSums, the sums of the
// low bits and of their squares, over the bins from `first` to `last`.
// Each chunk counts into bins of its own, then adds the range it touched.
template <bool kSums, class Key>
BinTable count_bins(std::span<const float> x, Key key, std::uint32_t first, std::uint32_t last) {
  struct Chunk {
    std::unique_ptr<BinTotals[], decltype(&std::free)> bins;
    std::uint32_t first, last;
  };
  std::vector<Chunk> chunks;
  std::mutex mutex;
  const std::size_t blocks = block_count(x.size());
  parallel_for(0, blocks, [&](std::size_t b0, std::size_t b1) {
    Chunk c{zeroed<BinTotals>(kTopBins), static_cast<std::uint32_t>(kTopBins - 1), 0};
    for (const float v : x.subspan(b0 * kBlock, std::min(x.size(), b1 * kBlock) - b0 * kBlock)) {
      const std::uint32_t k = key(v), top = k >> kLowBits, low = k & kLowMask;
      BinTotals& bin = c.bins[top];
      ++bin.count;
      if constexpr (kSums) {
        bin.low += low;
        bin.low2 += std::uint64_t{low} * low;
      }
      c.first = std::min(c.first, top);
      c.last = std::max(c.last, top);
    }
    std::lock_guard lock(mutex);
    chunks.push_back(std::move(c));
  }, chunk_grain(x.size()));
  // Only the bins that some chunk touched, within [first, last].
  std::uint32_t touched_first = last, touched_last = first;
  for (const Chunk& c : chunks) {
    touched_first = std::min(touched_first, std::max(first, c.first));
    touched_last = std::max(touched_last, std::min(last, c.last));
  }
  if (touched_first > touched_last) return {};
  std::vector<BinTotals> total(touched_last - touched_first + 1);
  for (const Chunk& c : chunks) {
    const std::uint32_t end = std::min(touched_last, c.last);
    for (std::uint32_t b = std::max(touched_first, c.first); b <= end; ++b) {
      BinTotals& t = total[b - touched_first];
      t.count += c.bins[b].count;
      t.low += c.bins[b].low;
      t.low2 += c.bins[b].low2;
    }
  }
  return {touched_first, std::move(total)};
}

// Counts per low bits of the keys in each of `bins` (sorted; kLowBins
// counters per bin, in order). Only groups of values with one that
// maybe(four values) accepts are looked at: it must accept those in the bins
// and reject NaN.
template <class Key, class Maybe>
std::vector<std::size_t> count_low(std::span<const float> x, Key key,
                                   std::span<const std::uint32_t> bins, Maybe maybe) {
  // Keys of other bins go to spare counters after those of `bins`, so that
  // counting needs no branch.
  const std::uint32_t first = bins.front();
  const std::size_t span = bins.back() - first + 1;
  const std::size_t spare = bins.size() * kLowBins, counters = spare + kLowBins;
  std::vector<std::size_t> offset(span + 1, spare);  // of each top-level bin from `first` on
  for (std::size_t i = 0; i < bins.size(); ++i) offset[bins[i] - first] = i * kLowBins;
  std::vector<std::size_t> total(counters, 0);
  std::mutex mutex;
  parallel_for(0, block_count(x.size()), [&](std::size_t b0, std::size_t b1) {
    const auto counts = zeroed<std::uint32_t>(counters);
    for (std::size_t b = b0; b < b1; ++b) {
      for_each_group(block(x, b), [&](const float* group) {
        for (std::uint32_t lanes = lane_bits(group, maybe); lanes != 0; lanes &= lanes - 1) {
          const std::uint32_t k = key(group[std::countr_zero(lanes)]);
          ++counts[offset[std::min<std::size_t>((k >> kLowBits) - first, span)] + (k & kLowMask)];
        }
      });
    }
    std::lock_guard lock(mutex);
    for (std::size_t i = 0; i < spare; ++i) total[i] += counts[i];
  }, chunk_grain(x.size()));
  total.resize(spare);
  return total;
}

// Exact value of the key with low bits `low` in top-level bin `bin`: within a
// finite bin, sign and exponent are fixed, so it is base + low * step.
struct BinScale {
  double base;
  double step;
};
BinScale scale_of(std::uint32_t bin) {
  const double base = key_float(bin << kLowBits);
  return {base, static_cast<double>(key_float(bin << kLowBits | 1)) - base};
}

void add_bin(RangeSums& s, std::uint32_t bin, const BinTotals& totals) {
  if (totals.count == 0) return;
  const auto [base, step] = scale_of(bin);
  const double n = static_cast<double>(totals.count), d = base - s.shift;
  const double low = static_cast<double>(totals.low) * step;
  const double low2 = static_cast<double>(totals.low2) * step * step;
  s.n += totals.count;
  s.sum += n * d + low;
  s.sum2 += n * d * d + 2.0 * d * low + low2;
}

void add_keys(RangeSums& s, std::uint32_t bin, const std::vector<std::size_t>& counts,
              std::uint32_t first, std::uint32_t last) {
  const auto [base, step] = scale_of(bin);
  for (std::uint32_t low = first; low <= last; ++low) {
    if (counts[low] == 0) continue;
    const double n = static_cast<double>(counts[low]), d = base + low * step - s.shift;
    s.n += counts[low];
    s.sum += n * d;
    s.sum2 += n * d * d;
  }
}

// Keys of the inclusive bounds [lo, hi]: -0 and +0 are equal as floats.
std::uint32_t first_key(float lo) { return lo == 0.0f ? float_key(-0.0f) : float_key(lo); }
std::uint32_t last_key(float hi) { return hi == 0.0f ? float_key(0.0f) : float_key(hi); }

std::vector<float>& thread_buffer() {
  thread_local std::vector<float> buffer;
  return buffer;
}

}  // namespace

Moments to_moments(const RangeSums& s) {
  Moments m{s.n, s.below};
  if (s.n == 0) return m;
  const double d = s.sum / static_cast<double>(s.n);
  m.mean = s.shift + d;
  m.var = std::max(0.0, s.sum2 / static_cast<double>(s.n) - d * d);
  return m;
}

RangeSums range_sums(std::span<const float> x, float lo, float hi, double shift) {
  const RangeSums s = shifted_sums(x, lo, hi, shift);
  return loses_digits(s) ? shifted_sums(x, lo, hi, to_moments(s).mean) : s;
}

double rough_centre(std::span<const float> x) {
  constexpr std::size_t kSample = 1001;
  const std::size_t stride = std::max<std::size_t>(1, x.size() / kSample);
  std::vector<float> sample;
  for (std::size_t i = 0; i < x.size(); i += stride) {
    if (std::isfinite(x[i])) sample.push_back(x[i]);
  }
  if (sample.empty()) return 0.0;
  const auto mid = sample.begin() + static_cast<std::ptrdiff_t>(sample.size() / 2);
  std::nth_element(sample.begin(), mid, sample.end());
  return *mid;
}

// ---------------------------------------------------------------------------

SortedRanks::SortedRanks(std::span<const float> x, Values which) : sorted_(thread_buffer()) {
  sorted_.clear();
  for (const float v : x) {
    if (which == Values::kNonNan ? !std::isnan(v) : std::isfinite(v)) {
      sorted_.push_back(v);
    } else {
      has_nan_ = which == Values::kNonNan;
    }
  }
  std::sort(sorted_.begin(), sorted_.end());
}

Moments SortedRanks::moments(float lo, float hi, double /*shift*/) const {
  const auto first = std::lower_bound(sorted_.begin(), sorted_.end(), lo);
  const auto last = std::upper_bound(first, sorted_.end(), hi);
  Moments m{static_cast<std::size_t>(last - first),
            static_cast<std::size_t>(first - sorted_.begin())};
  if (m.n == 0) return m;
  double sum = 0.0;
  for (auto it = first; it != last; ++it) sum += *it;
  m.mean = sum / static_cast<double>(m.n);
  double sum2 = 0.0;
  for (auto it = first; it != last; ++it) sum2 += (*it - m.mean) * (*it - m.mean);
  m.var = sum2 / static_cast<double>(m.n);
  return m;
}

double SortedRanks::kth_deviation(float lo, float hi, double centre, std::size_t k) const {
  const auto first = std::lower_bound(sorted_.begin(), sorted_.end(), lo);
  const auto last = std::upper_bound(first, sorted_.end(), hi);
  // Walk outwards from the centre, always taking the nearer neighbour.
  auto right = std::lower_bound(first, last, centre,
                                [](float v, double c) { return static_cast<double>(v) < c; });
  auto left = right;
  double d = kNaN;
  for (std::size_t i = 0; i <= k; ++i) {
    const bool take_left =
        left != first && (right == last || centre - *(left - 1) <= *right - centre);
    d = take_left ? centre - *--left : *right++ - centre;
  }
  return d;
}

// ---------------------------------------------------------------------------

BinTable::BinTable(std::uint32_t first, std::vector<BinTotals> bins)
    : first_(first), bins_(std::move(bins)), below_(bins_.size() + 1, 0) {
  for (std::size_t i = 0; i < bins_.size(); ++i) below_[i + 1] = below_[i] + bins_[i].count;
}

const BinTotals& BinTable::operator[](std::uint32_t bin) const {
  static const BinTotals kEmpty;
  return bin >= first_ && bin - first_ < bins_.size() ? bins_[bin - first_] : kEmpty;
}

std::size_t BinTable::below(std::uint32_t bin) const {
  if (bin <= first_) return 0;
  return below_[std::min<std::size_t>(bin - first_, bins_.size())];
}

std::uint32_t BinTable::bin_of(std::size_t rank) const { return first_ + slot_of(below_, rank); }

HistogramRanks::HistogramRanks(std::span<const float> x, Values which) : x_(x) {
  if (x.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ExitCode::kFailed, "statistics: more than 2^32 values in one array");
  }
  const auto key = [](float v) { return float_key(v); };
  if (which == Values::kFinite) {
    bins_ = count_bins<true>(x, key, kFirstFiniteBin, kLastFiniteBin);
    return;
  }
  bins_ = count_bins<false>(x, key, 0, static_cast<std::uint32_t>(kTopBins - 1));
  // Only the bins of +-inf can hold both infinities and NaN; the others hold NaN only.
  const bool maybe_nan =
      bins_.below(kFirstFiniteBin) > 0 || bins_.below(kLastFiniteBin + 1) < size();
  has_nan_ = maybe_nan && std::any_of(x.begin(), x.end(), [](float v) { return std::isnan(v); });
}

void HistogramRanks::resolve(std::span<const std::uint32_t> bins) {
  std::vector<std::uint32_t> todo;
  for (const std::uint32_t bin : bins) {
    if (bins_[bin].count > 0 && !resolved_.contains(bin)) todo.push_back(bin);
  }
  if (todo.empty()) return;
  std::sort(todo.begin(), todo.end());
  todo.erase(std::unique(todo.begin(), todo.end()), todo.end());
  // The prefilter is a few intervals of bins that hold them all: runs of
  // consecutive bins, joined across the gaps that hold the fewest values.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
  for (const std::uint32_t bin : todo) {
    if (runs.empty() || bin != runs.back().second + 1) runs.emplace_back(bin, bin);
    runs.back().second = bin;
  }
  while (runs.size() > kRanges) {
    const auto gap = [&](std::size_t i) {
      return bins_.below(runs[i + 1].first) - bins_.below(runs[i].second + 1);
    };
    std::size_t join = 0;
    for (std::size_t i = 1; i + 1 < runs.size(); ++i) {
      if (gap(i) < gap(join)) join = i;
    }
    runs[join].second = runs[join + 1].second;
    runs.erase(runs.begin() + static_cast<std::ptrdiff_t>(join) + 1);
  }
  // As float intervals (the outer ends of the +-inf bins are NaN keys); unused ones are empty.
  std::array<std::pair<Floats, Floats>, kRanges> ranges;
  ranges.fill({splat(kInf), splat(-kInf)});
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const float first = key_float(runs[i].first << kLowBits);
    const float last = key_float(runs[i].second << kLowBits | kLowMask);
    ranges[i] = {splat(std::isnan(first) ? -kInf : first), splat(std::isnan(last) ? kInf : last)};
  }
  const auto in_runs = [&](Floats v) {
    Ints in = {};
    for (const auto& [first, last] : ranges) in |= (v >= first) & (v <= last);
    return in;
  };
  const std::vector<std::size_t> counts =
      count_low(x_, [](float v) { return float_key(v); }, todo, in_runs);
  for (std::size_t i = 0; i < todo.size(); ++i) {
    const auto begin = counts.begin() + static_cast<std::ptrdiff_t>(i * kLowBins);
    resolved_.emplace(todo[i], std::vector<std::size_t>(begin, begin + kLowBins));
  }
}

void HistogramRanks::rehearse(bool on) {
  rehearsing_ = on;
  slack_ = 0;
  if (!on) {
    resolve(noted_);
    noted_.clear();
  }
}

float HistogramRanks::at(std::size_t rank) {
  const std::uint32_t bin = bins_.bin_of(rank);
  if (rehearsing_) {
    // The rank may be off by the slack: note every bin it could fall in.
    const std::uint32_t first = bins_.bin_of(rank - std::min(rank, slack_));
    const std::uint32_t last = bins_.bin_of(std::min(rank + slack_, size() - 1));
    for (std::uint32_t b = first; b <= last; ++b) noted_.push_back(b);
  } else {
    resolve(std::span(&bin, 1));
  }
  const std::size_t within = rank - bins_.below(bin);
  const auto it = resolved_.find(bin);
  if (it != resolved_.end()) return key_float(bin << kLowBits | low_of(it->second, within));
  // Rehearsal: as if the values were spread evenly over the bin.
  const auto [base, step] = scale_of(bin);
  const double share = (static_cast<double>(within) + 0.5) / static_cast<double>(bins_[bin].count);
  return static_cast<float>(base + share * kLowBins * step);
}

std::size_t HistogramRanks::rank_below(std::uint32_t key) {
  const std::uint32_t bin = key >> kLowBits, low = key & kLowMask;
  std::size_t below = bins_.below(bin);
  if (low == 0 || bins_[bin].count == 0) return below;
  const auto it = resolved_.find(bin);
  if (it == resolved_.end()) return below + (low > kLowBins / 2 ? bins_[bin].count : 0);
  for (std::uint32_t l = 0; l < low; ++l) below += it->second[l];
  return below;
}

RangeSums HistogramRanks::interval_sums(std::uint32_t first, std::uint32_t last, double shift) {
  RangeSums s{0, rank_below(first), shift};
  // Whole bins from their totals, cut ones key by key (while rehearsing,
  // an unresolved cut bin counts whole when the cut keeps most of its keys).
  const auto add_part = [&](std::uint32_t bin, std::uint32_t low_first, std::uint32_t low_last) {
    const auto it = resolved_.find(bin);
    if (low_first == 0 && low_last == kLowMask) {
      add_bin(s, bin, bins_[bin]);
    } else if (it != resolved_.end()) {
      add_keys(s, bin, it->second, low_first, low_last);
    } else if (low_last - low_first >= kLowBins / 2) {
      add_bin(s, bin, bins_[bin]);
    }
  };
  if (first > last) return s;
  const std::uint32_t bin_first = first >> kLowBits, bin_last = last >> kLowBits;
  if (bin_first == bin_last) {
    add_part(bin_first, first & kLowMask, last & kLowMask);
    return s;
  }
  add_part(bin_first, first & kLowMask, kLowMask);
  const std::uint32_t whole_end = std::min(bin_last, bins_.end());
  for (std::uint32_t bin = std::max(bin_first + 1, bins_.first()); bin < whole_end; ++bin) {
    add_bin(s, bin, bins_[bin]);
  }
  add_part(bin_last, 0, last & kLowMask);
  return s;
}

Moments HistogramRanks::moments(float lo, float hi, double shift) {
  const std::uint32_t first = first_key(lo), last = last_key(hi);
  // Only bins that an end cuts through need their keys counted.
  std::vector<std::uint32_t> cut;
  if ((first & kLowMask) != 0) cut.push_back(first >> kLowBits);
  if ((last & kLowMask) != kLowMask) cut.push_back(last >> kLowBits);
  if (rehearsing_) {
    // The estimated ends may fall one bin off; the ranks are off by up to the cut bins.
    slack_ = 0;
    for (const std::uint32_t bin : cut) {
      if (resolved_.contains(bin)) continue;
      slack_ += bins_[bin].count;
      for (std::uint32_t b = bin - 1; b != bin + 2; ++b) {
        if (b < kTopBins) noted_.push_back(b);
      }
    }
  } else {
    resolve(cut);
  }
  const RangeSums s = interval_sums(first, last, shift);
  return to_moments(loses_digits(s) ? interval_sums(first, last, to_moments(s).mean) : s);
}

double HistogramRanks::kth_deviation(float lo, float hi, double centre, std::size_t k) const {
  if (rehearsing_) return kNaN;
  // Rounding to float keeps the order of the deviations, so the float-rounded
  // k-th deviation is found with the histograms, then the exact one among the
  // values that round to it.
  const auto key = [lo, hi, centre](float v) {
    const bool in = (v >= lo) & (v <= hi);
    const auto d = static_cast<float>(std::fabs(v - centre));
    return in ? std::bit_cast<std::uint32_t>(d) : kSkipKey;
  };
  const BinTable bins = count_bins<false>(x_, key, 0, (kSkipKey >> kLowBits) - 1);
  const std::uint32_t bin = bins.bin_of(k);
  const std::vector<std::size_t> low_counts =
      count_low(x_, key, std::span(&bin, 1), [](Floats v) { return v == v; });
  std::size_t rank = k - bins.below(bin);
  const std::uint32_t low = low_of(low_counts, rank);
  for (std::uint32_t l = 0; l < low; ++l) rank -= low_counts[l];

  const std::uint32_t target = bin << kLowBits | low;
  std::vector<double> tied;
  std::mutex mutex;
  parallel_for(0, x_.size(), [&](std::size_t begin, std::size_t end) {
    std::vector<double> local;
    for (std::size_t i = begin; i < end; ++i) {
      if (key(x_[i]) == target) local.push_back(std::fabs(x_[i] - centre));
    }
    std::lock_guard lock(mutex);
    tied.insert(tied.end(), local.begin(), local.end());
  }, kBlock);
  const auto nth = tied.begin() + static_cast<std::ptrdiff_t>(rank);
  std::nth_element(tied.begin(), nth, tied.end());
  return *nth;
}

}  // namespace ap::detail
