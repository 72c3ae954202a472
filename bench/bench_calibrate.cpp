// ap calibrate of one 4008x2672 raw frame (unsigned 16-bit) with bias, dark,
// flat and bad-pixel mask, against reading the raw and writing a float32
// output (image and MASK) alone: the target is calibrate <= 1.5x that. Masters are
// loaded once, as for a night (ap calibrate -o DIR, ap run).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "calib/calibrate.h"
#include "common.h"
#include "core/fits.h"
#include "sim/raw_fits.h"

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kWidth = 4008;
constexpr std::size_t kHeight = 2672;

struct Files {
  fs::path raw, bias, dark, flat, mask, out;
};

const Files& files() {
  static const Files f = [] {
    const fs::path dir = ap::bench::scratch_dir();
    Files out{dir / "raw.fit", dir / "bias.fits", dir / "dark.fits", dir / "flat.fits",
              dir / "mask.fits", dir / "cal.fits"};
    std::mt19937_64 rng(2672);
    std::normal_distribution<double> noise(0.0, 12.0);
    std::vector<std::uint16_t> raw(kWidth * kHeight);
    for (auto& v : raw) v = static_cast<std::uint16_t>(1800.0 + noise(rng));
    ap::Header h;
    h.set("IMAGETYP", "Light Frame");
    h.set("EXPOSURE", 300.0);
    ap::sim::write_uint16_image(out.raw, raw, kWidth, kHeight, h);
    ap::Header dh;
    dh.set("EXPOSURE", 300.0);
    dh.set("CALSTAT", "M");
    ap::write_image(out.bias, ap::Image(kWidth, kHeight, 1000.0f), {});
    ap::write_image(out.dark, ap::Image(kWidth, kHeight, 1100.0f), dh);
    ap::write_image(out.flat, ap::Image(kWidth, kHeight, 25000.0f), {});
    ap::Mask mask(kWidth, kHeight, 0);
    for (std::size_t i = 0; i < 5000; ++i) mask.data()[(i * 104729) % mask.size()] = 1;
    ap::FitsWriter w(out.mask);
    w.add_mask(mask, {});
    w.commit();
    return out;
  }();
  return f;
}

// The reference: the raw read, and an output of the same shape as
// calibrate's (float32 image and uint8 MASK HDU) written.
void read_write(benchmark::State& state) {
  const Files& f = files();
  for (auto _ : state) {
    const ap::FitsImage raw = ap::read_image(f.raw);
    const ap::Mask mask(raw.image.width(), raw.image.height(), 0);
    ap::FitsWriter w(f.out, {f.raw});
    w.add_image(raw.image, raw.header());
    w.add_mask(mask, {}, "MASK");
    w.commit();
  }
}

void calibrate(benchmark::State& state) {
  const Files& f = files();
  const ap::Masters masters = ap::Masters::load(f.bias, f.dark, f.flat, f.mask);
  for (auto _ : state) {
    const ap::CalibrateResult r = ap::calibrate(ap::read_image(f.raw), "raw", masters, {});
    ap::FitsWriter w(f.out, {f.raw});
    w.add_image(r.image, r.header);
    w.add_mask(r.mask, {}, "MASK");
    w.commit();
  }
}

void register_all() {
  for (auto* b : ap::bench::register_ap("read_write", read_write)) {
    b->Unit(benchmark::kMillisecond)->UseRealTime();
  }
  for (auto* b : ap::bench::register_ap("calibrate", calibrate)) {
    b->Unit(benchmark::kMillisecond)->UseRealTime();
  }
}

const int registered = (register_all(), 0);

}  // namespace
