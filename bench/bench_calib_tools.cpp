// The calibration tools around the masters, on 4008x2672 frames: read noise
// from two biases and the bad-pixel mask of a master dark side by side with
// the original's astropy computations (bench/peers/calib_tools.py); bad
// columns, the repair of 20 000 bad pixels and the continuum subtraction of
// two star fields, which have no peer, timed alone.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "arith/continuum.h"
#include "calib/badcols.h"
#include "calib/badpix.h"
#include "calib/fix_badpix.h"
#include "calib/read_noise.h"
#include "common.h"

namespace {

using ap::bench::kFieldHeight;
using ap::bench::kFieldWidth;

// A bias (1000 ADU, read noise 10 ADU) or a dark (with 2000 hot pixels).
ap::Image frame(unsigned seed, bool hot) {
  ap::Image img(kFieldWidth, kFieldHeight);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(1000.0f, 10.0f);
  for (float& v : img.pixels()) v = std::round(noise(rng));
  if (hot)
    for (std::size_t i = 0; i < 2000; ++i) img.data()[(i * 7919 * 131) % img.size()] += 500.0f;
  return img;
}

const ap::Image& bias(int k) {
  static const ap::Image b[2] = {frame(1, false), frame(2, false)};
  return b[k];
}
const ap::Image& dark() {
  static const ap::Image d = frame(3, true);
  return d;
}

void read_noise(benchmark::State& state) {
  bias(0), bias(1);  // made before the timing
  for (auto _ : state) benchmark::DoNotOptimize(ap::read_noise(bias(0), bias(1), 1.4));
}

void badpix(benchmark::State& state) {
  dark();
  for (auto _ : state) benchmark::DoNotOptimize(ap::find_bad_pixels(dark(), {}));
}

void badcols(benchmark::State& state) {
  dark();
  for (auto _ : state) benchmark::DoNotOptimize(ap::find_bad_columns(dark()));
}

void fix_badpix(benchmark::State& state) {
  ap::Mask mask(kFieldWidth, kFieldHeight, 0);
  for (std::size_t i = 0; i < 20000; ++i) mask.data()[(i * 104729) % mask.size()] = 1;
  for (auto _ : state) {
    state.PauseTiming();
    ap::Image img = ap::bench::star_field();
    state.ResumeTiming();
    benchmark::DoNotOptimize(ap::fix_bad_pixels(img, mask));
  }
}

void continuum(benchmark::State& state) {
  const ap::Image& broad = ap::bench::star_field();  // made before the timing
  ap::Image narrow = broad;
  for (float& v : narrow.pixels()) v = 0.05f * v + 3.0f;
  for (auto _ : state) benchmark::DoNotOptimize(ap::continuum_subtract(narrow, broad, {}));
}

void register_all() {
  for (auto* b : ap::bench::register_ap("read_noise", read_noise)) b->Unit(benchmark::kMillisecond);
  ap::bench::register_peer("read_noise", "astropy", "calib_tools.py", [] {
    return "readnoise " + ap::bench::scratch_image("b1", bias(0)) + " " + ap::bench::scratch_image("b2", bias(1));
  });
  for (auto* b : ap::bench::register_ap("badpix", badpix)) b->Unit(benchmark::kMillisecond);
  ap::bench::register_peer("badpix", "astropy", "calib_tools.py",
                           [] { return "badpix " + ap::bench::scratch_image("dark", dark()); });
  for (auto* b : ap::bench::register_ap("badcols", badcols)) b->Unit(benchmark::kMillisecond);
  for (auto* b : ap::bench::register_ap("fix_badpix_20000", fix_badpix)) b->Unit(benchmark::kMillisecond);
  for (auto* b : ap::bench::register_ap("continuum_stars", continuum)) b->Unit(benchmark::kMillisecond);
}

const int registered = (register_all(), 0);

}  // namespace
