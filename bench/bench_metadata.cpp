// The metadata stage's sky positions (astro/ephemeris: ERFA) for 100 frames
// of a night, side by side with astropy/astroplan computing the same
// quantities frame by frame (bench/peers/metadata_ephemeris.py).
#include <benchmark/benchmark.h>

#include <string>

#include "astro/ephemeris.h"
#include "common.h"

namespace {

constexpr int kFrames = 100;

void ephemerides(benchmark::State& state) {
  const ap::astro::Location site{32.903308, -105.5287, 2222.0};
  const auto start = *ap::astro::UtcTime::parse("2020-07-17T04:00:00");
  for (auto _ : state) {
    for (int k = 0; k < kFrames; ++k)
      benchmark::DoNotOptimize(ap::astro::ephemeris(site, start.plus_seconds(300.0 * k), 303.027, 38.355));
  }
}

void register_all() {
  for (auto* b : ap::bench::register_ap("ephemeris_100_frames", ephemerides)) b->Unit(benchmark::kMillisecond);
  ap::bench::register_peer("ephemeris_100_frames", "astropy", "metadata_ephemeris.py",
                           [] { return std::to_string(kFrames); });
}

const int registered = (register_all(), 0);

}  // namespace
