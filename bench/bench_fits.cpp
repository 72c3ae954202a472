// FITS input and output of a full 4008x2672 frame (an 11 Mpx CCD) against
// astropy.io.fits (peers/fits_read.py, peers/fits_write.py). Bytes/s count
// the FITS file: read from the page cache, written under the temporary
// directory.
#include <benchmark/benchmark.h>
#include <fitsio.h>
#include <fmt/format.h>
#include <malloc.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common.h"
#include "core/fits.h"

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kWidth = 4008;
constexpr std::size_t kHeight = 2672;
constexpr std::size_t kPixels = kWidth * kHeight;

// A raw frame as cameras write it: BITPIX 16 with BZERO 32768 (unsigned 16-bit).
const fs::path& u16_file() {
  static const fs::path path = [] {
    const fs::path p = ap::bench::scratch_dir() / "raw-u16.fits";
    std::vector<std::uint16_t> pixels(kPixels);
    for (std::size_t i = 0; i < kPixels; ++i) pixels[i] = static_cast<std::uint16_t>(i * 7919);
    fitsfile* f = nullptr;
    int status = 0;
    long axes[2] = {static_cast<long>(kWidth), static_cast<long>(kHeight)};
    fits_create_diskfile(&f, p.c_str(), &status);
    fits_create_img(f, USHORT_IMG, 2, axes, &status);
    fits_write_img(f, TUSHORT, 1, static_cast<LONGLONG>(kPixels), pixels.data(), &status);
    fits_close_file(f, &status);
    if (status != 0) throw std::runtime_error("cannot write the benchmark input");
    return p;
  }();
  return path;
}

const fs::path& f32_file() {
  static const fs::path path = [] {
    const fs::path p = ap::bench::scratch_dir() / "calibrated-f32.fits";
    ap::write_image(p, ap::read_image(u16_file()).image, {});
    return p;
  }();
  return path;
}

// glibc maps a block as large as an image (43 MB) afresh for every
// allocation, and the kernel then faults in and zeroes every page: on a VM
// that costs as much as the read itself. A process that keeps freed memory
// (as a long-running pipeline may set with mallopt) reuses the pages.
struct KeepFreedMemory {
  KeepFreedMemory() {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  ~KeepFreedMemory() {
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);  // glibc's defaults
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    malloc_trim(0);
  }
};

void read(benchmark::State& state, const fs::path& path, bool keep_freed_memory) {
  std::optional<KeepFreedMemory> keep;
  if (keep_freed_memory) keep.emplace();
  ap::read_image(path);  // warm the page cache
  for (auto _ : state) {
    ap::FitsImage img = ap::read_image(path);
    benchmark::DoNotOptimize(img.image.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * fs::file_size(path)));
}

// A new output each time, as pipeline stages write: renaming over an existing
// file makes ext4 start writing the new one back at once (auto_da_alloc),
// which measures the disk rather than the writer.
void write(benchmark::State& state) {
  const ap::Image img = ap::read_image(u16_file()).image;
  const fs::path out = ap::bench::scratch_dir() / "out-f32.fits";
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove(out);
    state.ResumeTiming();
    ap::write_image(out, img, {});
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * fs::file_size(out)));
}

void register_all() {
  benchmark::RegisterBenchmark("fits_read_u16/ap",
                               [](benchmark::State& s) { read(s, u16_file(), false); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("fits_read_u16_reused_memory/ap",
                               [](benchmark::State& s) { read(s, u16_file(), true); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("fits_read_f32/ap",
                               [](benchmark::State& s) { read(s, f32_file(), false); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("fits_write_f32/ap", write)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  ap::bench::register_peer("fits_read_u16", "astropy", "fits_read.py",
                           [] { return fmt::format("'{}'", u16_file().string()); });
  ap::bench::register_peer("fits_read_f32", "astropy", "fits_read.py",
                           [] { return fmt::format("'{}'", f32_file().string()); });
  ap::bench::register_peer("fits_write_f32", "astropy", "fits_write.py", [] {
    return fmt::format("'{}' {} {}", (ap::bench::scratch_dir() / "peer-out.fits").string(), kWidth,
                       kHeight);
  });
}

const int registered = (register_all(), 0);

}  // namespace
