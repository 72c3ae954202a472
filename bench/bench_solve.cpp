// Plate solving of a simulated 2 x 2 degree T20 field of the real Tycho-2
// sky from its `ap stars` list: solve_field() with the index files already
// loaded (a batch: loading happens once per process), and Debian's
// solve-field on the same list with the same hints (peers/solve_field.py).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "astrometry/solve.h"
#include "common.h"
#include "core/atomic_file.h"
#include "core/fits.h"
#include "measure/stars.h"
#include "sim/simulate.h"

namespace {

namespace fs = std::filesystem;
constexpr double kSize = 2048;

struct Field {
  std::vector<ap::astrometry::Detection> stars;
  ap::astrometry::SolveHints hints;
  std::string xylist;
};

const Field& field() {
  static const Field f = [] {
    const fs::path dir = ap::bench::scratch_dir() / "solve";
    ap::sim::SimulateOptions o;
    o.output_dir = dir;
    o.width = o.height = static_cast<int>(kSize);
    o.filters = {"Red"};
    o.frames = 1;
    o.calibration = false;
    o.poor_frames = 0;
    o.force = true;
    ap::sim::simulate(o);
    const auto truth = nlohmann::json::parse(ap::read_file(dir / "truth.json"));
    const ap::FitsImage in = ap::read_image(dir / truth["frames"][0]["file"].get<std::string>());
    ap::StarsOptions so;
    so.retain_saturated = true;
    const ap::StarsResult r = ap::find_stars(in.image, in.header(), so);
    Field out;
    std::vector<double> x, y, flux;
    for (const ap::Star& s : r.stars) {
      out.stars.push_back({s.x + 1.0, s.y + 1.0});
      x.push_back(s.x + 1.0), y.push_back(s.y + 1.0), flux.push_back(s.aperture_sum);
    }
    out.hints.ra = 303.03;
    out.hints.dec = 38.35;
    out.hints.scale_arcsec = 3.5;
    ap::Table t;
    t.columns = {{"X", "pix", x}, {"Y", "pix", y}, {"FLUX", "adu", flux}};
    out.xylist = (dir / "xy.fits").string();
    ap::FitsWriter w(out.xylist);
    w.add_empty({});
    w.add_table(t, {}, "AP_XYPOS");
    w.commit();
    return out;
  }();
  return f;
}

void solve(benchmark::State& state) {
  const Field& f = field();
  const auto& indexes = ap::astrometry::IndexSet::shared();
  bool solved = false;
  for (auto _ : state) {
    solved = ap::astrometry::solve_field(f.stars, kSize, kSize, f.hints, {}, indexes).solved;
  }
  state.counters["solved"] = solved;
}

void register_all() {
  ap::bench::register_ap("solve", solve)[0]->Unit(benchmark::kMillisecond);
  ap::bench::register_peer("solve", "solve-field", "solve_field.py", [] {
    return fmt::format("'{}' {} {} 303.03 38.35 3.5", field().xylist, kSize, kSize);
  });
}

const int registered = (register_all(), 0);

}  // namespace
