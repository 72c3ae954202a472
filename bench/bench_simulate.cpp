// Simulator costs: star rendering, photon noise and a small night end to end.
// The default night (4 filters x 5 frames of 2048x2048 plus the calibration
// library) is timed with `ap simulate` itself; see docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/image.h"
#include "core/log.h"
#include "sim/psf.h"
#include "sim/random.h"
#include "sim/simulate.h"

namespace {

void BM_RenderStars(benchmark::State& state) {
  ap::sim::Psf psf;
  psf.fwhm = 2.0;
  psf.elongation = 1.05;
  const ap::sim::StarRenderer renderer(psf);
  ap::sim::Rng rng(1);
  ap::Image image(2048, 2048, 0.0F);
  const auto stars = state.range(0);
  for (auto _ : state) {
    for (std::int64_t i = 0; i < stars; ++i) {
      // Magnitudes 10-19.5 in a 300 s exposure: 1e6 down to 1e2 electrons.
      renderer.add(image, rng.uniform(0.0, 2047.0), rng.uniform(0.0, 2047.0),
                   std::pow(10.0, rng.uniform(2.0, 6.0)), 0.05);
    }
    benchmark::DoNotOptimize(image.data());
  }
  state.SetItemsProcessed(state.iterations() * stars);
}
BENCHMARK(BM_RenderStars)->Arg(20000)->Unit(benchmark::kMillisecond);

void BM_PhotonNoise(benchmark::State& state) {
  ap::sim::Rng rng(2);
  const double lambda = static_cast<double>(state.range(0));
  const std::size_t pixels = 2048 * 2048;
  for (auto _ : state) {
    double sum = 0.0;
    for (std::size_t i = 0; i < pixels; ++i) sum += rng.poisson(lambda);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pixels));
}
// Dark frames, sky in broad-band lights, flat fields.
BENCHMARK(BM_PhotonNoise)->Arg(9)->Arg(600)->Arg(35000)->Unit(benchmark::kMillisecond);

void BM_SmallNight(benchmark::State& state) {
  ap::set_log_level(spdlog::level::warn);
  const auto dir =
      std::filesystem::temp_directory_path() / ("ap-bench-simulate-" + std::to_string(::getpid()));
  for (auto _ : state) {
    std::filesystem::remove_all(dir);
    ap::sim::SimulateOptions o;
    o.output_dir = dir;
    o.width = o.height = static_cast<int>(state.range(0));
    benchmark::DoNotOptimize(ap::sim::simulate(o));
  }
  std::filesystem::remove_all(dir);
}
// The default night's frame counts with frames of 1/16 (512) and 1/4 (1024) of the default area.
BENCHMARK(BM_SmallNight)->Arg(512)->Arg(1024)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
