// Background maps of a 4008x2672 light frame with about 3000 stars:
// measure_background() with the original's settings (source mask, 16x16
// boxes, 3x3 filter, median) against the same recipe in photutils and
// against sep.Background with the same boxes (peers/*_background.py).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <string>

#include "common.h"
#include "core/fits.h"
#include "core/parallel.h"
#include "measure/background.h"

namespace {

constexpr std::size_t kWidth = 4008;
constexpr std::size_t kHeight = 2672;

// Sky of about 1000 ADU with a gradient and a slow ripple, noise of 10 ADU,
// 3000 Gaussian stars (FWHM 3.5 px) from 50 ADU to saturation.
const ap::Image& frame() {
  static const ap::Image image = [] {
    ap::Image img(kWidth, kHeight);
    std::mt19937_64 rng(20240605);
    std::normal_distribution<float> noise(0.0f, 10.0f);
    const double two_pi = 2.0 * std::numbers::pi;
    for (std::size_t y = 0; y < kHeight; ++y) {
      for (std::size_t x = 0; x < kWidth; ++x) {
        const double fx = static_cast<double>(x) / kWidth, fy = static_cast<double>(y) / kHeight;
        const double sky = 1000.0 + 40.0 * fx - 25.0 * fy +
                           15.0 * std::sin(two_pi * 1.5 * fx) * std::cos(two_pi * fy);
        img(x, y) = static_cast<float>(sky) + noise(rng);
      }
    }
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
          float& p = img(static_cast<std::size_t>(x), static_cast<std::size_t>(y));
          const double v = p + peak * std::exp(-(dx * dx + dy * dy) / (2.0 * 1.5 * 1.5));
          p = static_cast<float>(std::min(v, 65535.0));
        }
      }
    }
    return img;
  }();
  return image;
}

std::string frame_file() {
  static const std::string path = ap::bench::scratch_image("background_4008x2672.fits", frame());
  return path;
}

void background(benchmark::State& state) {
  const ap::Image& image = frame();
  for (auto _ : state) {
    benchmark::DoNotOptimize(ap::measure_background(image, ap::BackgroundOptions{}));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(image.size()));
}

void register_all() {
  for (auto* b : ap::bench::register_ap("background", background)) b->Unit(benchmark::kMillisecond);
  const auto args = [] {
    const ap::BoxSize box = ap::background_box_size(kWidth, kHeight, ap::BackgroundOptions{});
    return fmt::format("'{}' {} {}", frame_file(), box.height, box.width);
  };
  ap::bench::register_peer("background", "photutils", "photutils_background.py", args);
  ap::bench::register_peer("background", "sep", "sep_background.py", args);
}

const int registered = (register_all(), 0);

}  // namespace
