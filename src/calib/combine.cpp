// Pixel-by-pixel combination of frames (calib/combine.h).
//
// The values of one pixel in all frames form a column; a block of rows holds
// the frames one after the other, so column k of pixel p is x[k * stride + p].
// Tiles of up to kTile neighbouring pixels are sorted together by a sorting network
// (the same compare-exchange for every pixel, so the loops vectorise), and
// every statistic is then read off the sorted columns in the same way for all
// pixels of the tile. Pixels with a NaN or inf value go through the same
// statistics one by one on their finite values.
#include "calib/combine.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>

#include "calib/text.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/stats.h"

namespace ap {
namespace {

constexpr std::size_t kTile = 256;  // most pixels sorted together

// Pixels per tile for n frames: the tile's n columns stay in the L1 cache
// (about 16 KB) while the network passes over them again and again.
std::size_t tile_width(std::size_t n) {
  std::size_t lanes = kTile;
  while (lanes > 16 && lanes * n * sizeof(float) > (std::size_t{16} << 10)) lanes /= 2;
  return lanes;
}
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using Network = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

// Batcher's odd-even merge sort for n inputs: the network for the next power
// of two without the comparators that touch an index >= n (as if those inputs
// were +inf, which never move).
Network sorting_network(std::size_t n) {
  Network net;
  std::size_t size = 1;
  while (size < n) size *= 2;
  for (std::size_t p = 1; p < size; p *= 2) {
    for (std::size_t k = p; k >= 1; k /= 2) {
      for (std::size_t j = k % p; j + k < size; j += 2 * k) {
        for (std::size_t i = 0; i < k && i + j + k < size; ++i) {
          const std::size_t a = i + j, b = i + j + k;
          if (a / (2 * p) == b / (2 * p) && b < n) {
            net.emplace_back(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b));
          }
        }
      }
    }
  }
  return net;
}

// The loops over the pixels of a tile vectorise when their arrays come in as
// restrict parameters of a function of their own; each such function is
// compiled for AVX2 as well as for the baseline.
#define AP_VECTOR_LOOPS __attribute__((target_clones("avx2", "default")))

// Sorts every column of the tile in ascending order.
AP_VECTOR_LOOPS void sort_columns(float* x, std::size_t stride, std::size_t lanes,
                                  const Network& net) {
  for (const auto& [a, b] : net) {
    float* __restrict lo = x + a * stride;
    float* __restrict hi = x + b * stride;
    for (std::size_t p = 0; p < lanes; ++p) {
      const float u = lo[p], v = hi[p];
      lo[p] = v < u ? v : u;
      hi[p] = u < v ? v : u;
    }
  }
}

// v - v is 0 for finite v and NaN otherwise; the equality (unlike an ordered
// comparison) does not stop the loops below from vectorising.
inline bool finite(float v) { return v - v == 0.0f; }

// bad[p] = 1 where column p holds a NaN or inf.
AP_VECTOR_LOOPS void flag_nonfinite(const float* x, std::size_t stride, std::size_t n,
                                    std::size_t lanes, std::uint8_t* __restrict bad) {
  for (std::size_t p = 0; p < lanes; ++p) bad[p] = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const float* row = x + k * stride;
    for (std::size_t p = 0; p < lanes; ++p) bad[p] |= static_cast<std::uint8_t>(!finite(row[p]));
  }
}

// Per-pixel working arrays of one tile.
struct Lanes {
  std::array<double, kTile> centre, spread, lo, hi, sum, squares, inside, tmp;
};

// Median of each sorted column (numpy: the mean of the two middle values).
void medians(const float* x, std::size_t stride, std::size_t n, std::size_t lanes,
             double* __restrict c) {
  const float* a = x + (n - 1) / 2 * stride;
  const float* b = x + n / 2 * stride;
  for (std::size_t p = 0; p < lanes; ++p) c[p] = (double(a[p]) + double(b[p])) * 0.5;
}

// k-th smallest |x - c| of each sorted column (1 <= k <= n). The k values
// nearest to c are consecutive in sorted order, so it is the smallest, over
// the windows of k consecutive values, of the larger distance of the two ends.
AP_VECTOR_LOOPS void kth_deviation(const float* x, std::size_t stride, std::size_t n,
                                   std::size_t lanes, const double* __restrict c, std::size_t k,
                                   double* __restrict out) {
  for (std::size_t p = 0; p < lanes; ++p) out[p] = kInf;
  for (std::size_t i = 0; i + k <= n; ++i) {
    const float* first = x + i * stride;
    const float* last = x + (i + k - 1) * stride;
    for (std::size_t p = 0; p < lanes; ++p) {
      const double below = c[p] - double(first[p]);
      const double above = double(last[p]) - c[p];
      const double reach = below < above ? above : below;
      out[p] = reach < out[p] ? reach : out[p];
    }
  }
}

// mad_std of each sorted column about its median (numpy's arithmetic).
void mad_stds(const float* x, std::size_t stride, std::size_t n, std::size_t lanes, Lanes& w) {
  const std::size_t half = n / 2;
  double* s = w.spread.data();
  if (n % 2 == 1) {
    kth_deviation(x, stride, n, lanes, w.centre.data(), half + 1, s);
  } else {
    kth_deviation(x, stride, n, lanes, w.centre.data(), half, s);
    kth_deviation(x, stride, n, lanes, w.centre.data(), half + 1, w.tmp.data());
    for (std::size_t p = 0; p < lanes; ++p) s[p] = (s[p] + w.tmp[p]) * 0.5;
  }
  for (std::size_t p = 0; p < lanes; ++p) s[p] *= kMadToStd;
}

// Moments about the median c of the values of rows [first, last) of each
// column: sum of (v - c), sum of (v - c)^2 and the count of values inside
// [lo, hi]. Values outside are left out, or with `clamp` moved onto the bounds.
// (Inside means clamping leaves the value as it is: an equality, which unlike
// an ordered comparison lets the loop vectorise under IEEE trapping rules.)
AP_VECTOR_LOOPS void moments(const float* x, std::size_t stride, std::size_t first,
                             std::size_t last, std::size_t lanes, bool clamp,
                             const double* __restrict lo, const double* __restrict hi,
                             const double* __restrict c, double* __restrict sum,
                             double* __restrict squares, double* __restrict inside) {
  for (std::size_t p = 0; p < lanes; ++p) sum[p] = squares[p] = inside[p] = 0.0;
  for (std::size_t k = first; k < last; ++k) {
    const float* row = x + k * stride;
    for (std::size_t p = 0; p < lanes; ++p) {
      const double v = row[p];
      const double clamped = std::min(std::max(v, lo[p]), hi[p]);
      const double in = clamped == v ? 1.0 : 0.0;
      const double d = clamp ? clamped - c[p] : (v - c[p]) * in;
      sum[p] += d;
      squares[p] += d * d;
      inside[p] += in;
    }
  }
}

// Mean and variance of the mean from the moments over `used` values per pixel
// (0: the inside count, i.e. the survivors); NaN where there are none.
AP_VECTOR_LOOPS void mean_and_variance(std::size_t lanes, double used, const double* __restrict c,
                                       const double* __restrict sum,
                                       const double* __restrict squares,
                                       const double* __restrict inside, float* __restrict value,
                                       double* __restrict variance) {
  for (std::size_t p = 0; p < lanes; ++p) {
    const double in = inside[p];
    const double count = used != 0.0 ? used : in;
    const double shift = sum[p] / count;
    const double var = std::max(squares[p] / count - shift * shift, 0.0);
    value[p] = static_cast<float>(c[p] + shift);  // 0 / 0: NaN when nothing was kept
    variance[p] = var / count;
  }
}

// Where the combined values of one tile go.
struct TileOut {
  float* value;
  float* uncert;
  std::uint8_t* mask;
};

// Combines the sorted columns (n >= 1 finite values each) into `out`; the
// number of values rejected in each pixel goes to `rejected`.
void reduce_sorted(const float* x, std::size_t stride, std::size_t n, std::size_t lanes,
                   const CombineOptions& o, Lanes& w, const TileOut& out, double* rejected) {
  medians(x, stride, n, lanes, w.centre.data());
  if (o.method == CombineMethod::kMedian) {
    mad_stds(x, stride, n, lanes, w);
    for (std::size_t p = 0; p < lanes; ++p) {
      out.value[p] = static_cast<float>(w.centre[p]);
      out.uncert[p] = static_cast<float>(w.spread[p] / std::sqrt(double(n)));
      out.mask[p] = 0;
      rejected[p] = 0;
    }
    return;
  }
  std::size_t first = 0, last = n;
  if (o.method == CombineMethod::kSigmaClip || o.method == CombineMethod::kWinsorized) {
    mad_stds(x, stride, n, lanes, w);
    // astropy's sigma_clip: centre - std * sigma_lower, centre + std * sigma_upper.
    for (std::size_t p = 0; p < lanes; ++p) {
      w.lo[p] = w.centre[p] - w.spread[p] * o.sigma;
      w.hi[p] = w.centre[p] + w.spread[p] * o.sigma;
    }
  } else {
    std::fill(w.lo.begin(), w.lo.begin() + lanes, -kInf);
    std::fill(w.hi.begin(), w.hi.begin() + lanes, kInf);
    if (o.method == CombineMethod::kMinMax) {
      first = std::min(o.min_reject, n);
      last = n - std::min(o.max_reject, n - first);
    }
  }
  const bool winsorized = o.method == CombineMethod::kWinsorized;
  moments(x, stride, first, last, lanes, winsorized, w.lo.data(), w.hi.data(), w.centre.data(),
          w.sum.data(), w.squares.data(), w.inside.data());
  mean_and_variance(lanes, winsorized ? double(n) : 0.0, w.centre.data(), w.sum.data(),
                    w.squares.data(), w.inside.data(), out.value, w.tmp.data());
  for (std::size_t p = 0; p < lanes; ++p) {
    out.uncert[p] = static_cast<float>(std::sqrt(w.tmp[p]));
    out.mask[p] = out.value[p] == out.value[p] ? 0 : kMaskRejected;  // NaN: nothing kept
    rejected[p] = double(n) - w.inside[p];
  }
}

#undef AP_VECTOR_LOOPS

// A pixel with NaN or inf values: its finite values, sorted, are
// Scratch::values[start, start + count).
struct Pending {
  std::size_t pixel, start, count;
};

// Per-thread scratch of combine_tile.
struct Scratch {
  Lanes lanes;
  std::vector<float> values;
  std::vector<Pending> pending;
};

// Combines one tile of `lanes` pixels (columns of n values, sorted in place);
// returns the number of rejected values.
std::size_t combine_tile(float* x, std::size_t stride, std::size_t n, std::size_t lanes,
                         const Network& net, const CombineOptions& o, const TileOut& out,
                         Scratch& s) {
  std::array<std::uint8_t, kTile> bad;
  flag_nonfinite(x, stride, n, lanes, bad.data());
  // The finite values of the bad pixels, taken before the tile is sorted.
  s.pending.clear();
  s.values.clear();
  for (std::size_t p = 0; p < lanes; ++p) {
    if (bad[p] == 0) continue;
    const std::size_t start = s.values.size();
    for (std::size_t k = 0; k < n; ++k) {
      if (finite(x[k * stride + p])) s.values.push_back(x[k * stride + p]);
    }
    std::sort(s.values.begin() + static_cast<std::ptrdiff_t>(start), s.values.end());
    s.pending.push_back({p, start, s.values.size() - start});
  }

  std::array<double, kTile> rejected{};
  sort_columns(x, stride, lanes, net);
  reduce_sorted(x, stride, n, lanes, o, s.lanes, out, rejected.data());

  for (const Pending& b : s.pending) {
    const TileOut one{out.value + b.pixel, out.uncert + b.pixel, out.mask + b.pixel};
    rejected[b.pixel] = 0;
    if (b.count == 0) {
      *one.value = *one.uncert = static_cast<float>(kNaN);
      *one.mask = kMaskNoData;
    } else {
      reduce_sorted(s.values.data() + b.start, 1, b.count, 1, o, s.lanes, one, &rejected[b.pixel]);
    }
  }
  std::size_t total = 0;
  for (std::size_t p = 0; p < lanes; ++p) total += static_cast<std::size_t>(rejected[p]);
  return total;
}

}  // namespace

CombineMethod parse_combine_method(std::string_view name) {
  const std::string n = calib_text::lower(name);
  if (n == "sigclip") return CombineMethod::kSigmaClip;
  if (n == "median") return CombineMethod::kMedian;
  if (n == "mean") return CombineMethod::kMean;
  if (n == "minmax") return CombineMethod::kMinMax;
  if (n == "winsorized") return CombineMethod::kWinsorized;
  throw Error(
      ExitCode::kUsage,
      fmt::format("unknown combine method '{}' (sigclip, median, mean, minmax, winsorized)", name));
}

std::string_view combine_method_name(CombineMethod method) {
  switch (method) {
    case CombineMethod::kSigmaClip:
      return "sigclip";
    case CombineMethod::kMedian:
      return "median";
    case CombineMethod::kMean:
      return "mean";
    case CombineMethod::kMinMax:
      return "minmax";
    case CombineMethod::kWinsorized:
      return "winsorized";
  }
  return "sigclip";
}

CombineResult combine_rows(std::size_t frames, std::size_t width, std::size_t height,
                           const RowSource& source, const CombineOptions& options) {
  if (frames == 0 || width == 0 || height == 0) {
    throw Error(ExitCode::kFailed, "combine: no frames or empty frames");
  }
  if (!(options.sigma > 0.0)) {
    throw Error(ExitCode::kUsage,
                fmt::format("combine: sigma must be positive, not {}", options.sigma));
  }
  CombineResult result;
  result.image = Image(width, height);
  result.uncert = Image(width, height);
  result.mask = Mask(width, height);

  const std::size_t row_bytes = frames * width * sizeof(float);
  const std::size_t rows = std::clamp<std::size_t>(
      options.block_rows > 0 ? options.block_rows : (options.memory_mb << 20) / row_bytes, 1,
      height);
  std::vector<float> block(frames * rows * width);
  const Network net = sorting_network(frames);
  const std::size_t tile = tile_width(frames);
  std::atomic<std::size_t> rejected{0};

  for (std::size_t y0 = 0; y0 < height; y0 += rows) {
    const std::size_t n_rows = std::min(rows, height - y0);
    const std::size_t stride = n_rows * width;  // one frame's part of the block
    parallel_for(0, frames, [&](std::size_t f0, std::size_t f1) {
      for (std::size_t f = f0; f < f1; ++f) {
        source(f, y0, n_rows, std::span<float>(block.data() + f * stride, stride));
      }
    });
    const std::size_t tiles = (stride + tile - 1) / tile;
    const std::size_t offset = y0 * width;
    parallel_for(0, tiles, [&](std::size_t t0, std::size_t t1) {
      Scratch scratch;
      std::size_t count = 0;
      for (std::size_t t = t0; t < t1; ++t) {
        const std::size_t p0 = t * tile;
        const std::size_t lanes = std::min(tile, stride - p0);
        const TileOut out{result.image.data() + offset + p0, result.uncert.data() + offset + p0,
                          result.mask.data() + offset + p0};
        count += combine_tile(block.data() + p0, stride, frames, lanes, net, options, out, scratch);
      }
      rejected += count;
    });
  }
  result.rejected = rejected;
  result.nodata = static_cast<std::size_t>(
      std::count(result.mask.pixels().begin(), result.mask.pixels().end(), kMaskNoData));
  return result;
}

CombineResult combine(std::span<const Image> frames, const CombineOptions& options) {
  if (frames.empty()) throw Error(ExitCode::kFailed, "combine: no frames");
  const std::size_t width = frames[0].width(), height = frames[0].height();
  for (std::size_t i = 1; i < frames.size(); ++i) {
    if (!frames[i].same_shape(width, height)) {
      throw Error(ExitCode::kBadInput,
                  fmt::format("combine: frame {} is {}x{}, frame 0 is {}x{}", i, frames[i].width(),
                              frames[i].height(), width, height));
    }
  }
  const RowSource source = [&](std::size_t f, std::size_t y0, std::size_t rows,
                               std::span<float> out) {
    const float* first = frames[f].data() + y0 * width;
    std::copy(first, first + rows * width, out.begin());
  };
  return combine_rows(frames.size(), width, height, source, options);
}

}  // namespace ap
