// L.A.Cosmic main loop (see lacosmic.h). Arithmetic is float32 with the
// operation order of astroscrappy where it decides a threshold, so masks
// agree pixel for pixel up to rounding at the thresholds.
#include "calib/lacosmic.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "calib/lacosmic_detail.h"
#include "core/error.h"
#include "core/log.h"
#include "core/parallel.h"
#include "core/stats.h"

namespace ap {

namespace {

namespace d = lacosmic_detail;

constexpr std::size_t kGrain = 16;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Lower median (element (n-1)/2 in order), as astroscrappy's median(): for
// an even count, the largest value not above the (mean-of-two) median.
float lower_median(std::span<const float> v) {
  if (v.empty()) return 0.0f;
  const double med = median(v);
  if (v.size() % 2 == 1) return static_cast<float>(med);
  float best = -std::numeric_limits<float>::infinity();
  for (float x : v) {
    if (x <= med && x > best) best = x;
  }
  return best;
}

void validate(const Image& image, const LaCosmicOptions& o, const Mask* inmask) {
  auto usage = [](const std::string& m) { return Error(ExitCode::kUsage, "cosmics: " + m); };
  if (!(std::isfinite(o.gain) && o.gain > 0.0)) {
    throw usage(fmt::format("gain must be a positive number of e-/ADU (got {})", o.gain));
  }
  if (!(std::isfinite(o.readnoise) && o.readnoise >= 0.0)) {
    throw usage(fmt::format("read noise must be a number >= 0 e- (got {})", o.readnoise));
  }
  if (o.niter < 1) throw usage(fmt::format("niter must be at least 1 (got {})", o.niter));
  if (!(o.sigclip > 0.0) || !(o.sigfrac > 0.0) || !(o.objlim > 0.0)) {
    throw usage("sigclip, sigfrac and objlim must be positive");
  }
  if (o.fsmode == LaCosmicFsMode::kConvolve &&
      (o.psfsize < 1 || o.psfsize % 2 == 0 || !(o.psffwhm > 0.0))) {
    throw usage(fmt::format("psfsize must be odd and psffwhm positive (got {} and {})",
                            o.psfsize, o.psffwhm));
  }
  if (inmask && !inmask->same_shape(image)) {
    throw usage(fmt::format("mask is {}x{} but the image is {}x{}", inmask->width(),
                            inmask->height(), image.width(), image.height()));
  }
}

// body(y) for every row, rows split among the threads.
template <typename Body>
void rows_pass(std::size_t h, Body body) {
  parallel_for(
      0, h,
      [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) body(y);
      },
      kGrain);
}

// out = dilate3(in) on good pixels where sp > limit. rows_in[y] tells
// whether row y of `in` has a pixel set (rows without one nearby are
// cleared at once); rows_out gets the same for `out`.
void grow(const Mask& in, const std::vector<std::uint8_t>& rows_in, const Image& sp,
          const Mask& mask, float limit, Mask& out, std::vector<std::uint8_t>& rows_out) {
  const std::size_t w = in.width(), h = in.height();
  rows_pass(h, [&](std::size_t y) {
    std::uint8_t* dst = out.data() + y * w;
    const bool near = rows_in[y] || (y > 0 && rows_in[y - 1]) || (y + 1 < h && rows_in[y + 1]);
    if (!near) {
      std::fill(dst, dst + w, std::uint8_t{0});
      rows_out[y] = 0;
      return;
    }
    const std::uint8_t* b = in.data() + y * w;
    const bool border_row = y == 0 || y + 1 == h;
    std::uint8_t any = 0;
    for (std::size_t x = 0; x < w; ++x) {
      std::uint8_t v = b[x];
      if (!border_row && x > 0 && x + 1 < w) {
        const std::uint8_t* a = b - w;
        const std::uint8_t* c = b + w;
        v = a[x - 1] | a[x] | a[x + 1] | b[x - 1] | b[x + 1] | c[x - 1] | c[x] | c[x + 1] | v;
      }
      const std::size_t i = y * w + x;
      dst[x] = v && !mask.data()[i] && sp.data()[i] > limit;
      any |= dst[x];
    }
    rows_out[y] = any;
  });
}

// Replaces the pixels of `crlist` (2-pixel border excepted) from their 5x5
// box, leaving out flagged and masked pixels except for kMedian, as
// astroscrappy's cleantypes. New values are written after all are computed,
// so kMedian reads no half-cleaned box. Pixels without a usable neighbour
// get `fallback()`.
template <typename Fallback>
void clean(Image& img, const std::vector<std::size_t>& crlist, const Mask& crmask,
           const Mask& bad, LaCosmicCleanType type, Fallback fallback) {
  const std::size_t w = img.width(), h = img.height();
  if (w < 5 || h < 5) return;
  static constexpr float kIdw[5][5] = {
      {0.35355339f, 0.4472136f, 0.5f, 0.4472136f, 0.35355339f},
      {0.4472136f, 0.70710678f, 1.0f, 0.70710678f, 0.4472136f},
      {0.5f, 1.0f, 0.0f, 1.0f, 0.5f},
      {0.4472136f, 0.70710678f, 1.0f, 0.70710678f, 0.4472136f},
      {0.35355339f, 0.4472136f, 0.5f, 0.4472136f, 0.35355339f}};
  constexpr float kLonely = std::numeric_limits<float>::infinity();
  std::vector<float> repl(crlist.size(), std::numeric_limits<float>::quiet_NaN());
  parallel_for(
      0, crlist.size(),
      [&](std::size_t b, std::size_t e) {
        float v[25];
        for (std::size_t k = b; k < e; ++k) {
          const std::size_t idx = crlist[k];
          const std::size_t x = idx % w, y = idx / w;
          if (x < 2 || y < 2 || x + 2 >= w || y + 2 >= h) continue;
          int n = 0;
          float sum = 0.0f, wsum = 0.0f;
          for (std::size_t j = y - 2; j <= y + 2; ++j) {
            for (std::size_t i = x - 2; i <= x + 2; ++i) {
              const bool use = type == LaCosmicCleanType::kMedian || !(crmask(i, j) || bad(i, j));
              if (!use) continue;
              if (type == LaCosmicCleanType::kIdw) {
                const float wt = kIdw[j + 2 - y][i + 2 - x];
                sum += wt * img(i, j);
                wsum += wt;
              } else {
                sum += img(i, j);
                v[n] = img(i, j);
              }
              ++n;
            }
          }
          if (type == LaCosmicCleanType::kIdw) {
            repl[k] = wsum < 1e-6f ? kLonely : sum / wsum;
          } else if (n == 0) {
            repl[k] = kLonely;
          } else if (type == LaCosmicCleanType::kMeanMask) {
            repl[k] = sum / static_cast<float>(n);
          } else {
            std::nth_element(v, v + (n - 1) / 2, v + n);
            repl[k] = v[(n - 1) / 2];
          }
        }
      },
      256);
  for (std::size_t k = 0; k < crlist.size(); ++k) {
    if (std::isnan(repl[k])) continue;  // border pixel: left as it is
    img.data()[crlist[k]] = repl[k] == kLonely ? fallback() : repl[k];
  }
}

}  // namespace

LaCosmicFsMode parse_lacosmic_fsmode(std::string_view name) {
  const std::string n = lower(name);
  if (n == "median") return LaCosmicFsMode::kMedian;
  if (n == "convolve") return LaCosmicFsMode::kConvolve;
  throw Error(ExitCode::kUsage,
              fmt::format("unknown fsmode '{}' (expected median or convolve)", name));
}

const char* lacosmic_fsmode_name(LaCosmicFsMode mode) {
  return mode == LaCosmicFsMode::kMedian ? "median" : "convolve";
}

LaCosmicCleanType parse_lacosmic_cleantype(std::string_view name) {
  const std::string n = lower(name);
  if (n == "median") return LaCosmicCleanType::kMedian;
  if (n == "medmask") return LaCosmicCleanType::kMedMask;
  if (n == "meanmask") return LaCosmicCleanType::kMeanMask;
  if (n == "idw") return LaCosmicCleanType::kIdw;
  throw Error(ExitCode::kUsage,
              fmt::format("unknown cleantype '{}' (expected median, medmask, meanmask or idw)",
                          name));
}

const char* lacosmic_cleantype_name(LaCosmicCleanType type) {
  switch (type) {
    case LaCosmicCleanType::kMedian: return "median";
    case LaCosmicCleanType::kMedMask: return "medmask";
    case LaCosmicCleanType::kIdw: return "idw";
    default: return "meanmask";
  }
}

LaCosmicResult detect_cosmics(const Image& image, const LaCosmicOptions& o, const Mask* inmask) {
  validate(image, o, inmask);
  const std::size_t w = image.width(), h = image.height(), npix = image.size();
  auto log = logger("cosmics");

  // astroscrappy takes its parameters as C floats.
  const float gain = static_cast<float>(o.gain);
  const float rn2 = static_cast<float>(o.readnoise) * static_cast<float>(o.readnoise);
  const float sigclip = static_cast<float>(o.sigclip);
  const float sigcliplow = static_cast<float>(o.sigfrac) * sigclip;
  const float objlim = static_cast<float>(o.objlim);
  const bool saturation = o.satlevel > 0.0 && std::isfinite(o.satlevel);
  const float sat = static_cast<float>(o.satlevel) * gain;
  auto median_filter = [&](const Image& in, Image& out, int sep_n, int box_n) {
    if (o.sepmed) d::sep_median(in, out, sep_n); else d::box_median(in, out, box_n);
  };

  // Working image in electrons and its variance (image + RN^2), both cleaned
  // as the iterations go. Non-finite pixels are bad and, so that the filters
  // never see them, hold the median of the finite ones.
  Image cleanarr(w, h), var(w, h), s(w, h), noise(w, h), tmp(w, h), f(w, h);
  Mask c1(w, h), c2(w, h);
  Mask& bad = c1;  // c1 and c2 serve as scratch before the iterations
  Mask& satpix = c2;
  std::atomic<std::size_t> nonfinite{0}, nsat{0};
  parallel_for(
      0, h,
      [&](std::size_t y0, std::size_t y1) {
        std::size_t nbad = 0, nhigh = 0;
        for (std::size_t i = y0 * w; i < y1 * w; ++i) {
          const float v = image.data()[i] * gain;
          const bool finite = std::isfinite(v);
          nbad += !finite;
          bad.data()[i] = !finite || (inmask && inmask->data()[i]);
          cleanarr.data()[i] = v;
          var.data()[i] = v + rn2;
          satpix.data()[i] = saturation && v >= sat;
          nhigh += satpix.data()[i];
        }
        nonfinite += nbad;
        nsat += nhigh;
      },
      kGrain);
  float cleanarr_fill = 0.0f;
  auto cleanarr_initial = [&](std::size_t i) {
    const float v = image.data()[i] * gain;
    return std::isfinite(v) ? v : cleanarr_fill;
  };
  if (nonfinite > 0) {
    std::vector<float> finite;
    finite.reserve(npix - nonfinite);
    for (float v : cleanarr.pixels()) {
      if (std::isfinite(v)) finite.push_back(v);
    }
    cleanarr_fill = lower_median(finite);
    for (std::size_t i = 0; i < npix; ++i) {
      if (std::isfinite(cleanarr.data()[i])) continue;
      cleanarr.data()[i] = cleanarr_fill;
      var.data()[i] = cleanarr_fill + rn2;
    }
  }

  // Saturated stars: saturated pixels in a region whose median is high too,
  // grown twice by the 5x5 disk; the input mask is grown by 3x3.
  Mask mask(w, h, 0);
  d::dilate3(bad, mask);
  if (nsat > 0) {
    Image& m5 = tmp;
    median_filter(cleanarr, m5, 7, 5);
    const double limit = sat / 10.0;
    for (std::size_t i = 0; i < npix; ++i) {
      satpix.data()[i] = satpix.data()[i] && m5.data()[i] > limit;
    }
    Mask grown;
    d::dilate5(satpix, grown, 2);
    for (std::size_t i = 0; i < npix; ++i) mask.data()[i] |= grown.data()[i];
  }

  // Value for a pixel without usable neighbours: the median of the good
  // pixels before any cleaning (astroscrappy's background level). Rarely
  // needed, so computed on first use. x -> x + RN^2 is monotonic, so the
  // variance's level is that median plus RN^2.
  std::optional<float> level;
  auto background = [&] {
    if (!level) {
      std::vector<float> good;
      good.reserve(npix);
      for (std::size_t i = 0; i < npix; ++i) {
        if (!mask.data()[i]) good.push_back(cleanarr_initial(i));
      }
      level = lower_median(good);
    }
    return *level;
  };

  std::vector<float> psf;
  if (o.fsmode == LaCosmicFsMode::kConvolve) psf = d::gauss_taps(o.psffwhm, o.psfsize);

  LaCosmicResult result;
  result.crmask = Mask(w, h, 0);
  std::vector<std::size_t> crlist;  // every flagged pixel, in the order found
  std::vector<std::uint8_t> rows1(h), rows2(h);
  for (int iter = 0; iter < o.niter; ++iter) {
    d::laplacian_plus(cleanarr, s);
    // Noise expected without cosmic rays; S = L+ / (2 noise).
    median_filter(var, tmp, 7, 5);
    rows_pass(h, [&](std::size_t y) {
      float* __restrict n = noise.data() + y * w;
      float* __restrict sv = s.data() + y * w;
      const float* __restrict m = tmp.data() + y * w;
      for (std::size_t x = 0; x < w; ++x) {
        n[x] = std::sqrt(std::max(m[x], 0.00001f));
        sv[x] /= 2.0f * n[x];
      }
    });
    // S' = S - median(S).
    median_filter(s, tmp, 7, 5);
    rows_pass(h, [&](std::size_t y) {
      float* __restrict sv = s.data() + y * w;
      const float* __restrict m = tmp.data() + y * w;
      for (std::size_t x = 0; x < w; ++x) sv[x] -= m[x];
    });
    const Image& sp = s;

    // Fine-structure image F = (f - median(f)) / noise, floored at 0.01.
    if (o.fsmode == LaCosmicFsMode::kMedian) {
      median_filter(cleanarr, f, 5, 3);
    } else {
      d::correlate_separable(cleanarr, f, psf);
    }
    median_filter(f, tmp, 9, 7);

    // Candidates, then two rounds of neighbours.
    rows_pass(h, [&](std::size_t y) {
      const std::size_t r = y * w;
      std::uint8_t any = 0;
      for (std::size_t x = r; x < r + w; ++x) {
        const float fs = std::max((f.data()[x] - tmp.data()[x]) / noise.data()[x], 0.01f);
        const float v = sp.data()[x];
        c1.data()[x] = !mask.data()[x] && v > sigclip && v / fs > objlim;
        any |= c1.data()[x];
      }
      rows1[y] = any;
    });
    grow(c1, rows1, sp, mask, sigclip, c2, rows2);
    grow(c2, rows2, sp, mask, sigcliplow, c1, rows1);
    std::size_t numcr = 0;
    for (std::size_t y = 0; y < h; ++y) {
      if (!rows1[y]) continue;
      for (std::size_t i = y * w; i < (y + 1) * w; ++i) {
        if (!c1.data()[i]) continue;
        ++numcr;
        if (!result.crmask.data()[i]) crlist.push_back(i);
        result.crmask.data()[i] = 1;
      }
    }
    result.iterations_run = iter + 1;
    if (o.verbose) log->info("iteration {}: {} cosmic-ray pixels", iter + 1, numcr);
    if (numcr == 0) break;

    clean(cleanarr, crlist, result.crmask, mask, o.cleantype, background);
    clean(var, crlist, result.crmask, mask, o.cleantype, [&] { return background() + rn2; });
  }

  result.cleaned = image;
  result.ncr = crlist.size();
  for (std::size_t i : crlist) result.cleaned.data()[i] = cleanarr.data()[i] / gain;
  return result;
}

}  // namespace ap
