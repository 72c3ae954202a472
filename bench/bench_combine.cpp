// Master bias from 10 and 40 raw frames of 4008x2672 (unsigned 16-bit, as
// cameras write them) with the default rejection, files to master in memory,
// against ccdproc.combine with the same rejection (peers/ccdproc_combine.py).
// combine40 reports the process's peak resident memory.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/resource.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "calib/combine.h"
#include "common.h"
#include "core/header.h"
#include "sim/raw_fits.h"

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kWidth = 4008;
constexpr std::size_t kHeight = 2672;
constexpr std::size_t kFrames = 40;

// Bias frames: 1000 ADU, 10 ADU of read noise, hot pixels and a few hundred
// cosmic-ray hits per frame. The noise comes from a table read at a random
// offset per frame, which keeps the set-up to seconds.
const std::vector<fs::path>& frames() {
  static const std::vector<fs::path> files = [] {
    std::mt19937_64 rng(4008);
    std::normal_distribution<double> noise(0.0, 10.0);
    std::vector<float> table(std::size_t{1} << 22);
    for (float& v : table) v = static_cast<float>(noise(rng));
    std::vector<std::uint16_t> pixels(kWidth * kHeight);
    std::vector<fs::path> out;
    for (std::size_t f = 0; f < kFrames; ++f) {
      const std::size_t offset = rng() % table.size();
      for (std::size_t i = 0; i < pixels.size(); ++i) {
        const float v = 1000.0f + table[(offset + i * 7) % table.size()];
        pixels[i] = static_cast<std::uint16_t>(v + 0.5f);
      }
      for (int hit = 0; hit < 400; ++hit) pixels[rng() % pixels.size()] = 30000;
      for (std::size_t hot = 0; hot < 2000; ++hot) pixels[(hot * 104729) % pixels.size()] = 9000;
      ap::Header h;
      h.set("IMAGETYP", "Bias Frame");
      h.set("TELESCOP", "T20");
      h.set("EXPTIME", 0.0);
      h.set("SET-TEMP", -15.0);
      h.set("CCD-TEMP", -15.0);
      const fs::path file = ap::bench::scratch_dir() / fmt::format("bias-{:03d}.fit", f);
      ap::sim::write_uint16_image(file, pixels, kWidth, kHeight, h);
      out.push_back(file);
    }
    return out;
  }();
  return files;
}

std::vector<fs::path> first(std::size_t n) {
  return {frames().begin(), frames().begin() + static_cast<std::ptrdiff_t>(n)};
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
}

void BM_Combine(benchmark::State& state, std::size_t n) {
  const std::vector<fs::path> files = first(n);
  for (auto _ : state) {
    ap::MasterResult m = ap::make_master(files, {});
    benchmark::DoNotOptimize(m.image.data());
  }
  state.counters["peak_rss_MB"] = peak_rss_mb();
  state.counters["frames"] = static_cast<double>(n);
}

void register_all() {
  benchmark::RegisterBenchmark("combine10/ap", BM_Combine, std::size_t{10})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Iterations(3);
  ap::bench::register_peer("combine10", "ccdproc", "ccdproc_combine.py", [] {
    std::string args;
    for (const fs::path& f : first(10)) args += fmt::format(" '{}'", f.string());
    return args;
  });
  benchmark::RegisterBenchmark("combine40/ap", BM_Combine, kFrames)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Iterations(3);
}

const int registered = (register_all(), 0);

}  // namespace
