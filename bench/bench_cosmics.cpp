// L.A.Cosmic on a 4008x2672 light frame with 3000 stars and 4000 cosmic-ray
// events, 4 iterations with astroscrappy's defaults: detect_cosmics() against
// astroscrappy.detect_cosmics (peers/astroscrappy_cosmics.py) on the same file.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "calib/lacosmic.h"
#include "common.h"
#include "core/fits.h"
#include "core/parallel.h"

namespace {

constexpr std::size_t kWidth = 4008;
constexpr std::size_t kHeight = 2672;
constexpr double kGain = 1.5;       // e-/ADU
constexpr double kReadNoise = 11.0;  // e-

// Sky of 800 ADU, 3000 Gaussian stars (FWHM 3.5 px) up to saturation,
// photon and read noise, then 4000 cosmic rays: single pixels, blobs and
// short slanted tracks of 300 to 20000 ADU.
const ap::Image& frame() {
  static const ap::Image image = [] {
    ap::Image img(kWidth, kHeight, 800.0f);
    std::mt19937_64 rng(20241124);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int s = 0; s < 3000; ++s) {
      const double cx = unit(rng) * kWidth, cy = unit(rng) * kHeight;
      const double peak = 50.0 * std::pow(1000.0, unit(rng));
      const auto x0 = static_cast<std::ptrdiff_t>(cx), y0 = static_cast<std::ptrdiff_t>(cy);
      for (std::ptrdiff_t y = std::max<std::ptrdiff_t>(0, y0 - 8);
           y <= std::min<std::ptrdiff_t>(kHeight - 1, y0 + 8); ++y) {
        for (std::ptrdiff_t x = std::max<std::ptrdiff_t>(0, x0 - 8);
             x <= std::min<std::ptrdiff_t>(kWidth - 1, x0 + 8); ++x) {
          const double dx = static_cast<double>(x) - cx, dy = static_cast<double>(y) - cy;
          img(static_cast<std::size_t>(x), static_cast<std::size_t>(y)) +=
              static_cast<float>(peak * std::exp(-(dx * dx + dy * dy) / (2.0 * 1.5 * 1.5)));
        }
      }
    }
    std::normal_distribution<double> normal(0.0, 1.0);
    for (auto& v : img.pixels()) {
      const double e = v * kGain;
      v = static_cast<float>(
          std::min(65535.0, (e + std::sqrt(e + kReadNoise * kReadNoise) * normal(rng)) / kGain));
    }
    for (int c = 0; c < 4000; ++c) {
      double x = 2 + unit(rng) * (kWidth - 4), y = 2 + unit(rng) * (kHeight - 4);
      const int length = unit(rng) < 0.5 ? 1 : 1 + static_cast<int>(unit(rng) * 12);
      const double angle = unit(rng) * 6.283185307179586;
      const double adu = 300.0 * std::pow(60.0, unit(rng));
      for (int k = 0; k < length; ++k) {
        const auto ix = static_cast<std::size_t>(x), iy = static_cast<std::size_t>(y);
        if (ix >= kWidth || iy >= kHeight) break;
        img(ix, iy) = static_cast<float>(std::min(65535.0, img(ix, iy) + adu / length));
        x += std::cos(angle);
        y += std::sin(angle);
      }
    }
    return img;
  }();
  return image;
}

std::string frame_file() {
  static const std::string path = ap::bench::scratch_image("cosmics_4008x2672.fits", frame());
  return path;
}

void cosmics(benchmark::State& state) {
  const ap::Image& image = frame();
  ap::LaCosmicOptions o;
  o.gain = kGain;
  o.readnoise = kReadNoise;
  o.niter = 4;
  ap::LaCosmicResult r;
  for (auto _ : state) {
    r = ap::detect_cosmics(image, o);
    benchmark::DoNotOptimize(r.ncr);
  }
  state.counters["ncr"] = static_cast<double>(r.ncr);
  state.counters["iterations"] = r.iterations_run;
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(image.size()));
}

void register_all() {
  // MinTime: the first run (page faults of fresh buffers, thread start) is a
  // trial; the reported batch follows it.
  for (auto* b : ap::bench::register_ap("cosmics", cosmics)) {
    b->Unit(benchmark::kMillisecond)->MinTime(2.0);
  }
  ap::bench::register_peer("cosmics", "astroscrappy", "astroscrappy_cosmics.py", [] {
    return fmt::format("'{}' {} {} 4", frame_file(), kGain, kReadNoise);
  });
}

const int registered = (register_all(), 0);

}  // namespace
