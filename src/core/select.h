// Order statistics and moments behind core/stats.h (private to src/core).
//
// Two interchangeable "rankers" give the values of an array in sorted order:
// SortedRanks sorts a copy (small arrays); HistogramRanks works exactly from
// histograms of order-preserving 32-bit keys, without copying the data (large
// arrays). One pass counts the top 18 bits of every key (a top-level bin) and
// sums the low 14 bits and their squares per bin: all values of a bin share
// sign and exponent, so these integer sums give exact moments of whole bins.
// A top-level bin that a rank or an interval end falls into is "resolved" by
// one more pass, which counts the low 14 bits of the keys in it; a rehearsal
// of a statistic (see HistogramRanks::rehearse) finds most bins it will need
// so that one pass resolves them all. Both offer
//   size(), at(rank), moments(lo, hi, shift), kth_deviation(lo, hi, centre, k)
// so the statistics in stats.cpp are written once for both.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <vector>

namespace ap::detail {

// Which values of the input are ranked.
enum class Values {
  kNonNan,  // everything; the caller asks has_nan() first
  kFinite,  // NaN and inf are ignored
};

// Order-preserving map from a non-NaN float to an unsigned key, and back.
constexpr std::uint32_t float_key(float v) {
  const auto bits = std::bit_cast<std::uint32_t>(v);
  const auto flip = static_cast<std::uint32_t>(static_cast<std::int32_t>(bits) >> 31) | 0x80000000u;
  return bits ^ flip;
}
constexpr float key_float(std::uint32_t key) {
  return std::bit_cast<float>(key ^ ((key >> 31) != 0 ? 0x80000000u : 0xFFFFFFFFu));
}

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Moments {
  std::size_t n = 0;      // ranked values in [lo, hi]
  std::size_t below = 0;  // ranked values below lo
  double mean = kNaN;
  double var = kNaN;  // population variance
};

// Sums over the finite values in an interval [lo, hi], about a shift.
struct RangeSums {
  std::size_t n = 0;
  std::size_t below = 0;  // finite values below lo
  double shift = 0.0;
  double sum = 0.0;   // of (v - shift)
  double sum2 = 0.0;  // of (v - shift)^2
};

// Sums of the finite values of x in [lo, hi], about `shift` (a guess of their
// mean) or about their mean when that guess would cost digits. They run over
// fixed blocks, so the result does not depend on the thread count.
RangeSums range_sums(std::span<const float> x, float lo, float hi, double shift);
Moments to_moments(const RangeSums& s);

// Median of a strided sample of the finite values: a cheap shift for the sums.
double rough_centre(std::span<const float> x);

class SortedRanks {
 public:
  SortedRanks(std::span<const float> x, Values which);
  bool has_nan() const { return has_nan_; }
  std::size_t size() const { return sorted_.size(); }
  float at(std::size_t rank) const { return sorted_[rank]; }
  Moments moments(float lo, float hi, double shift) const;
  // k-th smallest (0-based) |v - centre| over the ranked values v in [lo, hi].
  double kth_deviation(float lo, float hi, double centre, std::size_t k) const;

 private:
  std::vector<float>& sorted_;  // a per-thread buffer reused across calls
  bool has_nan_ = false;
};

// Values in one top-level bin of keys, and the sums of their low key bits.
struct BinTotals {
  std::uint64_t count = 0;
  std::uint64_t low = 0;
  std::uint64_t low2 = 0;
};

// Totals of the top-level bins first, first + 1, ... (bins outside hold nothing).
class BinTable {
 public:
  BinTable() = default;
  BinTable(std::uint32_t first, std::vector<BinTotals> bins);
  const BinTotals& operator[](std::uint32_t bin) const;
  std::size_t below(std::uint32_t bin) const;  // values in the bins before `bin`
  std::size_t total() const { return below_.back(); }
  std::uint32_t bin_of(std::size_t rank) const;  // bin of the value of that rank
  std::uint32_t first() const { return first_; }
  std::uint32_t end() const { return first_ + static_cast<std::uint32_t>(bins_.size()); }

 private:
  std::uint32_t first_ = 0;
  std::vector<BinTotals> bins_;
  std::vector<std::size_t> below_ = {0};
};

class HistogramRanks {
 public:
  HistogramRanks(std::span<const float> x, Values which);
  bool has_nan() const { return has_nan_; }
  std::size_t size() const { return bins_.total(); }
  float at(std::size_t rank);
  Moments moments(float lo, float hi, double shift);  // kFinite only
  double kth_deviation(float lo, float hi, double centre, std::size_t k) const;

  // While rehearsing, ranks and moments that need an unresolved bin are
  // estimated from the bin totals, the bins they may need are noted, and
  // kth_deviation gives NaN; ending the rehearsal resolves all noted bins in
  // one pass.
  void rehearse(bool on);

 private:
  // Counts the low bits of the keys in those of `bins` not yet resolved, in one pass.
  void resolve(std::span<const std::uint32_t> bins);
  // Ranked values with keys below `key`.
  std::size_t rank_below(std::uint32_t key);
  RangeSums interval_sums(std::uint32_t first, std::uint32_t last, double shift);

  std::span<const float> x_;
  bool has_nan_ = false;
  BinTable bins_;  // of the ranked values
  std::map<std::uint32_t, std::vector<std::size_t>> resolved_;  // bin -> count per low bits
  bool rehearsing_ = false;
  std::vector<std::uint32_t> noted_;
  std::size_t slack_ = 0;  // while rehearsing: how far off the ranks of the last moments may be
};

}  // namespace ap::detail
