// Resampling and colour on 4008x2672 frames (common.h star field): three
// frames with small dithers and rotations stacked (resample + median) onto a
// 4000x2700 north-up grid with Lanczos3 and oversampling 4, as the
// original's SWarp call, against SWarp on the same frames and grid; and an
// 8-bit TIFF composite of three frames against STIFF.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "colour/rgb.h"
#include "common.h"
#include "core/atomic_file.h"
#include "core/fits.h"
#include "resample/coadd.h"

namespace {

namespace fs = std::filesystem;

ap::Wcs frame_wcs(int k) {
  const double s = 1.0 / 3600.0, r = 0.1 * k * 3.14159265 / 180.0;
  return ap::Wcs::tan({2004.5 + 7.3 * k, 1336.5 - 4.1 * k}, {150.0, 30.0},
                      {-s * std::cos(r), s * std::sin(r), s * std::sin(r), s * std::cos(r)});
}

const std::vector<std::string>& frames() {
  static const std::vector<std::string> files = [] {
    std::vector<std::string> out;
    for (int k = 0; k < 3; ++k) {
      ap::Header h;
      frame_wcs(k).to_header(h);
      h.set("EXPTIME", 300.0);
      const auto path = ap::bench::scratch_dir() / fmt::format("frame{}.fits", k);
      ap::write_image(path, ap::bench::star_field(), h);
      out.push_back(path.string());
    }
    return out;
  }();
  return files;
}

const ap::Grid& grid() {
  static const ap::Grid g{ap::Wcs::tan({2000.5, 1350.5}, {150.0, 30.0}, {-1.0 / 3600, 0.0, 0.0, 1.0 / 3600}), 4000, 2700};
  return g;
}

std::string grid_header() {
  ap::Header h;
  grid().wcs.to_header(h);
  std::string text = fmt::format("NAXIS   = 2\nNAXIS1  = {}\nNAXIS2  = {}\n", grid().width, grid().height);
  for (const auto& c : h.cards()) {
    const std::string v = std::visit(
        [](const auto& x) -> std::string {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) return "'" + x + "'";
          else if constexpr (std::is_same_v<T, bool>) return x ? "T" : "F";
          else if constexpr (std::is_arithmetic_v<T>) return fmt::format("{}", x);
          else return "";
        },
        c.value);
    if (v.empty()) continue;
    text += fmt::format("{:<8}= {}\n", c.key, v);
  }
  text += "END\n";
  const auto path = ap::bench::scratch_dir() / "grid.head";
  ap::write_file_atomically(path, text);
  return path.string();
}

void stack(benchmark::State& state) {
  std::vector<ap::StackInput> in;
  for (const auto& f : frames()) in.push_back({f, 1.0});
  ap::CoaddOptions o;
  o.resample.oversampling = static_cast<int>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(ap::stack_files(in, grid(), o));
}

void rgb(benchmark::State& state) {
  const ap::Image& img = ap::bench::star_field();
  ap::RgbOptions o;
  o.stretch = ap::Stretch::kPower;
  const auto out = ap::bench::scratch_dir() / "rgb.tiff";
  for (auto _ : state) ap::write_rgb(out, ap::compose_rgb(img, img, img, o));
}

void register_all() {
  for (const int os : {1, 4}) {
    benchmark::RegisterBenchmark(fmt::format("stack3_os{}/ap", os).c_str(), stack)->Arg(os)->Unit(benchmark::kMillisecond)->Iterations(1);
    ap::bench::register_peer(fmt::format("stack3_os{}", os), "SWarp", "swarp_stack.py", [os] {
      std::string args = fmt::format("'{}' {}", grid_header(), os);
      for (const auto& f : frames()) args += " '" + f + "'";
      return args;
    });
  }
  for (auto* b : ap::bench::register_ap("rgb_tiff", rgb)) b->Unit(benchmark::kMillisecond);
  ap::bench::register_peer("rgb_tiff", "STIFF", "stiff_rgb.py", [] {
    const auto& f = frames();
    return fmt::format("'{}' '{}' '{}'", f[0], f[1], f[2]);
  });
}

const int registered = (register_all(), 0);

}  // namespace
