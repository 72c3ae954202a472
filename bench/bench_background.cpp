// Background maps of a 4008x2672 light frame with about 3000 stars:
// measure_background() with the original's settings (source mask, 16x16
// boxes, 3x3 filter, median) against the same recipe in photutils and
// against sep.Background with the same boxes (peers/*_background.py).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>

#include "common.h"
#include "core/fits.h"
#include "core/parallel.h"
#include "measure/background.h"

namespace {


void background(benchmark::State& state) {
  const ap::Image& image = ap::bench::star_field();
  for (auto _ : state) {
    benchmark::DoNotOptimize(ap::measure_background(image, ap::BackgroundOptions{}));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(image.size()));
}

void register_all() {
  for (auto* b : ap::bench::register_ap("background", background)) b->Unit(benchmark::kMillisecond);
  const auto args = [] {
    const ap::BoxSize box = ap::background_box_size(ap::bench::kFieldWidth, ap::bench::kFieldHeight, ap::BackgroundOptions{});
    return fmt::format("'{}' {} {}", ap::bench::star_field_file(), box.height, box.width);
  };
  ap::bench::register_peer("background", "photutils", "photutils_background.py", args);
  ap::bench::register_peer("background", "sep", "sep_background.py", args);
}

const int registered = (register_all(), 0);

}  // namespace
