// Filters of L.A.Cosmic. The medians use branch-free min/max selection
// networks over whole rows so the compiler vectorises them; every median
// here is over an odd count, hence exact and identical to any other method.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "calib/lacosmic_detail.h"
#include "core/parallel.h"

namespace ap::lacosmic_detail {
namespace {

constexpr std::size_t kRowGrain = 16;

inline void sort2(float& a, float& b) {
  const float lo = std::min(a, b);
  b = std::max(a, b);
  a = lo;
}

inline void sort3(float& a, float& b, float& c) {
  sort2(a, b);
  sort2(b, c);
  sort2(a, b);
}

inline float med3(float a, float b, float c) {
  return std::max(std::min(a, b), std::min(std::max(a, b), c));
}

// Of two sorted pairs, the smaller minimum and the larger maximum are the
// extremes of the four; dropping one value below and one above the median
// keeps the median, which leaves the median of three.
inline float med5(float a, float b, float c, float d, float e) {
  sort2(a, b);
  sort2(c, d);
  return med3(std::max(a, c), std::min(b, d), e);
}

// Three sorted pairs: the least minimum and the greatest maximum are the
// extremes of the six and cannot be the median of seven; drop both.
inline float med7(float a, float b, float c, float d, float e, float f, float g) {
  sort2(a, b);
  sort2(c, d);
  sort2(e, f);
  sort3(a, c, e);  // a = least minimum
  sort3(b, d, f);  // f = greatest maximum
  return med5(c, e, b, d, g);
}

// Three sorted triples: the median of nine is the median of (largest low,
// median middle, smallest high).
inline float med9(float a, float b, float c, float d, float e, float f, float g, float h,
                  float i) {
  sort3(a, b, c);
  sort3(d, e, f);
  sort3(g, h, i);
  return med3(std::max(std::max(a, d), g), med3(b, e, h), std::min(std::min(c, f), i));
}

// Median of the N values at p[0], p[step], ..., p[(N-1) step].
template <int N>
inline float median_at(const float* p, std::size_t step) {
  if constexpr (N == 3) {
    return med3(p[0], p[step], p[2 * step]);
  } else if constexpr (N == 5) {
    return med5(p[0], p[step], p[2 * step], p[3 * step], p[4 * step]);
  } else if constexpr (N == 7) {
    return med7(p[0], p[step], p[2 * step], p[3 * step], p[4 * step], p[5 * step], p[6 * step]);
  } else {
    static_assert(N == 9);
    return med9(p[0], p[step], p[2 * step], p[3 * step], p[4 * step], p[5 * step], p[6 * step],
                p[7 * step], p[8 * step]);
  }
}

// Copies the pixels within `hw` of a border from `in` to `out`.
template <typename T>
void copy_border(const Plane<T>& in, Plane<T>& out, std::size_t hw) {
  const std::size_t w = in.width(), h = in.height();
  for (std::size_t y = 0; y < h; ++y) {
    const T* src = in.data() + y * w;
    T* dst = out.data() + y * w;
    if (y < hw || y + hw >= h) {
      std::copy(src, src + w, dst);
    } else {
      for (std::size_t x = 0; x < std::min(hw, w); ++x) {
        dst[x] = src[x];
        dst[w - 1 - x] = src[w - 1 - x];
      }
    }
  }
}

template <int N>
void sep_median_n(const Image& in, Image& out) {
  constexpr std::size_t hw = N / 2;
  const std::size_t w = in.width(), h = in.height();
  copy_border(in, out, hw);
  if (w < N || h < N) return;
  // Rows are filtered band by band into a per-chunk buffer (with hw rows of
  // margin) that stays in cache for the column pass.
  parallel_for(
      hw, h - hw,
      [&](std::size_t y0, std::size_t y1) {
        constexpr std::size_t kBand = 32;
        std::vector<float> rows((kBand + 2 * hw) * w);
        for (std::size_t b0 = y0; b0 < y1; b0 += kBand) {
          const std::size_t b1 = std::min(y1, b0 + kBand);
          const std::size_t r0 = b0 - hw, r1 = b1 + hw;
          for (std::size_t y = r0; y < r1; ++y) {
            const float* src = in.data() + y * w;
            float* dst = rows.data() + (y - r0) * w;
            for (std::size_t x = hw; x + hw < w; ++x) dst[x] = median_at<N>(src + x - hw, 1);
          }
          for (std::size_t y = b0; y < b1; ++y) {
            const float* col = rows.data() + (y - hw - r0) * w;
            float* dst = out.data() + y * w;
            for (std::size_t x = hw; x + hw < w; ++x) dst[x] = median_at<N>(col + x, w);
          }
        }
      },
      kRowGrain);
}

template <int N>
void box_median_n(const Image& in, Image& out) {
  constexpr std::size_t hw = N / 2;
  const std::size_t w = in.width(), h = in.height();
  copy_border(in, out, hw);
  if (w < N || h < N) return;
  parallel_for(
      hw, h - hw,
      [&](std::size_t y0, std::size_t y1) {
        float v[N * N];
        for (std::size_t y = y0; y < y1; ++y) {
          for (std::size_t x = hw; x + hw < w; ++x) {
            const float* p = in.data() + (y - hw) * w + x - hw;
            if constexpr (N == 3) {
              out(x, y) = med9(p[0], p[1], p[2], p[w], p[w + 1], p[w + 2], p[2 * w],
                               p[2 * w + 1], p[2 * w + 2]);
            } else {
              for (std::size_t r = 0; r < N; ++r) std::copy(p + r * w, p + r * w + N, v + r * N);
              std::nth_element(v, v + N * N / 2, v + N * N);
              out(x, y) = v[N * N / 2];
            }
          }
        }
      },
      kRowGrain);
}

}  // namespace

void sep_median(const Image& in, Image& out, int n) {
  switch (n) {
    case 3: sep_median_n<3>(in, out); break;
    case 5: sep_median_n<5>(in, out); break;
    case 7: sep_median_n<7>(in, out); break;
    default: sep_median_n<9>(in, out); break;
  }
}

void box_median(const Image& in, Image& out, int n) {
  switch (n) {
    case 3: box_median_n<3>(in, out); break;
    case 5: box_median_n<5>(in, out); break;
    default: box_median_n<7>(in, out); break;
  }
}

void dilate3(const Mask& in, Mask& out) {
  const std::size_t w = in.width(), h = in.height();
  copy_border(in, out, 1);
  if (w < 3 || h < 3) return;
  parallel_for(
      1, h - 1,
      [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
          const std::uint8_t* a = in.data() + (y - 1) * w;
          const std::uint8_t* b = a + w;
          const std::uint8_t* c = b + w;
          std::uint8_t* dst = out.data() + y * w;
          for (std::size_t x = 1; x + 1 < w; ++x) {
            dst[x] = (a[x - 1] | a[x] | a[x + 1] | b[x - 1] | b[x] | b[x + 1] | c[x - 1] | c[x] |
                      c[x + 1]) != 0;
          }
        }
      },
      kRowGrain);
}

void dilate5(const Mask& in, Mask& out, int iterations) {
  const std::size_t w = in.width(), h = in.height();
  out = in;
  // The 21-pixel disk is the union of a 5x3 and a 3x5 box: OR along rows
  // over widths 5 and 3, then along columns over heights 3 and 5.
  Mask h5(w, h), h3(w, h);
  for (int it = 0; it < iterations; ++it) {
    parallel_for(
        0, h,
        [&](std::size_t y0, std::size_t y1) {
          for (std::size_t y = y0; y < y1; ++y) {
            const std::uint8_t* src = out.data() + y * w;
            for (std::size_t x = 0; x < w; ++x) {
              std::uint8_t o3 = src[x], o5 = 0;
              if (x >= 1) o3 |= src[x - 1];
              if (x + 1 < w) o3 |= src[x + 1];
              if (x >= 2) o5 |= src[x - 2];
              if (x + 2 < w) o5 |= src[x + 2];
              h3(x, y) = o3;
              h5(x, y) = o3 | o5;
            }
          }
        },
        kRowGrain);
    parallel_for(
        0, h,
        [&](std::size_t y0, std::size_t y1) {
          for (std::size_t y = y0; y < y1; ++y) {
            for (std::size_t x = 0; x < w; ++x) {
              std::uint8_t v = h5(x, y) | h3(x, y);
              if (y >= 1) v |= h5(x, y - 1);
              if (y + 1 < h) v |= h5(x, y + 1);
              if (y >= 2) v |= h3(x, y - 2);
              if (y + 2 < h) v |= h3(x, y + 2);
              out(x, y) = v != 0;
            }
          }
        },
        kRowGrain);
  }
}

void laplacian_plus(const Image& in, Image& out) {
  const std::size_t w = in.width(), h = in.height();
  parallel_for(
      0, h,
      [&](std::size_t y0, std::size_t y1) {
        std::vector<float> zero(w, 0.0f);
        for (std::size_t y = y0; y < y1; ++y) {
          const float* c = in.data() + y * w;
          const float* t = y > 0 ? c - w : zero.data();
          const float* b = y + 1 < h ? c + w : zero.data();
          float* dst = out.data() + y * w;
          // Sub-pixel (2x+i, 2y+j) of the replicated image sees c twice among
          // its four neighbours, so its Laplacian is 2c - (left or right) -
          // (top or bottom). The first and last columns have 0 outside.
          auto at = [&](std::size_t x, float l, float r) {
            const float c2 = 2.0f * c[x];
            const float sum = std::max(0.0f, c2 - l - t[x]) + std::max(0.0f, c2 - r - t[x]) +
                              std::max(0.0f, c2 - l - b[x]) + std::max(0.0f, c2 - r - b[x]);
            return 0.25f * sum;
          };
          if (w == 1) {
            dst[0] = at(0, 0.0f, 0.0f);
            continue;
          }
          dst[0] = at(0, 0.0f, c[1]);
          for (std::size_t x = 1; x + 1 < w; ++x) dst[x] = at(x, c[x - 1], c[x + 1]);
          dst[w - 1] = at(w - 1, c[w - 2], 0.0f);
        }
      },
      kRowGrain);
}

void correlate_separable(const Image& in, Image& out, std::span<const float> k) {
  const std::size_t w = in.width(), h = in.height();
  const std::size_t hw = k.size() / 2;
  Image tmp(w, h);
  parallel_for(
      0, h,
      [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
          const float* src = in.data() + y * w;
          float* dst = tmp.data() + y * w;
          for (std::size_t x = 0; x < w; ++x) {
            float s = 0.0f;
            for (std::size_t i = 0; i < k.size(); ++i) {
              const std::size_t xx = x + i;  // image column xx - hw
              if (xx >= hw && xx - hw < w) s += k[i] * src[xx - hw];
            }
            dst[x] = s;
          }
        }
      },
      kRowGrain);
  parallel_for(
      0, h,
      [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
          float* dst = out.data() + y * w;
          std::fill(dst, dst + w, 0.0f);
          for (std::size_t i = 0; i < k.size(); ++i) {
            const std::size_t yy = y + i;
            if (yy < hw || yy - hw >= h) continue;
            const float* src = tmp.data() + (yy - hw) * w;
            const float ki = k[i];
            for (std::size_t x = 0; x < w; ++x) dst[x] += ki * src[x];
          }
        }
      },
      kRowGrain);
}

std::vector<float> gauss_taps(double fwhm, int size) {
  const double sigma2 = fwhm * fwhm / 2.35482 / 2.35482;
  std::vector<double> g(static_cast<std::size_t>(size));
  double sum = 0.0;
  for (int i = 0; i < size; ++i) {
    const double x = i - size / 2;
    g[static_cast<std::size_t>(i)] = std::exp(-0.5 * x * x / sigma2);
    sum += g[static_cast<std::size_t>(i)];
  }
  std::vector<float> taps(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) taps[i] = static_cast<float>(g[i] / sum);
  return taps;
}

}  // namespace ap::lacosmic_detail
