// Median and sigma-clipped statistics of a 4008x2672 (10.7 Mpx) float32 sky,
// against numpy.median and astropy.stats.sigma_clipped_stats (peers/stats.py).
// "Time" is wall-clock; "CPU" is the whole process (all threads), which stays
// meaningful when other work shares the machine.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "common.h"
#include "core/parallel.h"
#include "core/stats.h"

namespace {

constexpr std::size_t kWidth = 4008;
constexpr std::size_t kHeight = 2672;

// Sky of 1000 +- 10 ADU with a gradient, 3000 Gaussian stars up to
// saturation, and a few hot pixels: a realistic calibrated light frame.
const std::vector<float>& sky() {
  static const std::vector<float> pixels = [] {
    std::vector<float> p(kWidth * kHeight);
    std::mt19937_64 rng(20240601);
    std::normal_distribution<float> noise(0.0f, 10.0f);
    for (std::size_t y = 0; y < kHeight; ++y) {
      for (std::size_t x = 0; x < kWidth; ++x) {
        p[y * kWidth + x] = 1000.0f + 0.002f * static_cast<float>(x) + noise(rng);
      }
    }
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int s = 0; s < 3000; ++s) {
      const double cx = unit(rng) * kWidth, cy = unit(rng) * kHeight;
      const double peak = 50.0 * std::pow(1000.0, unit(rng));  // 50 .. 50000 ADU
      for (int dy = -6; dy <= 6; ++dy) {
        for (int dx = -6; dx <= 6; ++dx) {
          const auto x = static_cast<std::ptrdiff_t>(cx) + dx;
          const auto y = static_cast<std::ptrdiff_t>(cy) + dy;
          if (x < 0 || y < 0 || x >= static_cast<std::ptrdiff_t>(kWidth) ||
              y >= static_cast<std::ptrdiff_t>(kHeight)) {
            continue;
          }
          const double ex = static_cast<double>(x) - cx, ey = static_cast<double>(y) - cy;
          const double r2 = ex * ex + ey * ey;
          const double v = p[y * kWidth + x] + peak * std::exp(-r2 / (2.0 * 1.5 * 1.5));
          p[y * kWidth + x] = static_cast<float>(std::min(v, 65535.0));
        }
      }
    }
    for (int h = 0; h < 2000; ++h) p[rng() % p.size()] = 65535.0f;
    return p;
  }();
  return pixels;
}

std::string sky_file() {
  static const std::string path = [] {
    const auto file = ap::bench::scratch_dir() / "sky_4008x2672.f32";
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(sky().data()),
              static_cast<std::streamsize>(sky().size() * sizeof(float)));
    return file.string();
  }();
  return path;
}

template <class F>
void run(benchmark::State& state, F statistic) {
  const std::vector<float>& pixels = sky();
  for (auto _ : state) benchmark::DoNotOptimize(statistic(pixels));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pixels.size()));
}

double median_of(const std::vector<float>& x) { return ap::median(x); }
double clipped_mean_of(const std::vector<float>& x) {
  return ap::sigma_clipped_stats(x, ap::SigmaClipOptions::symmetric(3.0, 5)).mean;
}

void register_all() {
  const struct {
    const char* name;
    double (*statistic)(const std::vector<float>&);
    const char* peer;
    const char* operation;
  } cases[] = {{"stats_median", median_of, "numpy", "median"},
               {"stats_sigclip", clipped_mean_of, "astropy", "sigclip"}};
  for (const auto& c : cases) {
    const auto statistic = c.statistic;
    const auto timed = [statistic](benchmark::State& s) { run(s, statistic); };
    for (auto* b : ap::bench::register_ap(c.name, timed)) {
      b->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMillisecond);
    }
    const std::string operation = c.operation;
    ap::bench::register_peer(c.name, c.peer, "stats.py",
                             [operation] { return fmt::format("'{}' {}", sky_file(), operation); });
  }
}

const int registered = (register_all(), 0);

}  // namespace
