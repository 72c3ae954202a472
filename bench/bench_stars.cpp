// Star finding on the 4008x2672 frame with 3000 stars (common.h star_field):
// detection alone (dao_find on the background-subtracted frame, 7 sigma)
// against photutils DAOStarFinder and sep.extract with the same threshold,
// and the whole `ap stars` stage: background, saturation, detection twice,
// 25 Moffat and 25 Gaussian PSF fits, photometry of every star, the source
// list, the quality report, the ds9 file and both plots.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>

#include "common.h"
#include "core/atomic_file.h"
#include "core/stats.h"
#include "measure/daofind.h"
#include "measure/source_list.h"
#include "measure/stars.h"
#include "measure/stars_plot.h"

namespace {

constexpr double kFwhm = 3.5, kNsigma = 7.0, kNoise = 10.0;

void detect(benchmark::State& state) {
  ap::Image sub = ap::bench::star_field();
  const auto med = static_cast<float>(ap::median(sub.pixels()));
  for (float& v : sub.pixels()) v -= med;
  ap::DaoFindOptions o;
  o.fwhm = kFwhm;
  o.threshold = kNsigma * kNoise;
  std::size_t n = 0;
  for (auto _ : state) n = ap::dao_find(sub, o).size();
  state.counters["stars"] = static_cast<double>(n);
}

void stars(benchmark::State& state) {
  const ap::Image& image = ap::bench::star_field();
  const auto dir = ap::bench::scratch_dir();
  ap::Header header;
  header.set("EXPOSURE", 300.0);
  ap::StarsOptions o;
  o.search_fwhm = kFwhm;
  for (auto _ : state) {
    const ap::StarsResult r = ap::find_stars(image, header, o);
    const ap::Header list = ap::source_list_header(r, header, "field.fits", o);
    ap::write_source_list(dir / "srclist.fits", r, list);
    ap::write_file_atomically(dir / "qual.yaml", ap::quality_report_yaml(r, list));
    ap::write_file_atomically(dir / "stars.reg", ap::ds9_regions(r));
    ap::write_file_atomically(dir / "stars.png", ap::stars_image_png(image, r, "field"));
    ap::write_file_atomically(dir / "psf.png", ap::psf_grid_png(image, r, "field"));
    state.counters["stars"] = static_cast<double>(r.stars.size());
  }
}

void register_all() {
  for (auto* b : ap::bench::register_ap("detect", detect)) b->Unit(benchmark::kMillisecond);
  for (auto* b : ap::bench::register_ap("stars", stars)) b->Unit(benchmark::kMillisecond);
  for (const char* peer : {"photutils", "sep"}) {
    ap::bench::register_peer("detect", peer, "stars_detect.py", [peer] {
      return fmt::format("'{}' {} {} {} {}", ap::bench::star_field_file(), peer, kFwhm, kNsigma,
                         kNoise);
    });
  }
}

const int registered = (register_all(), 0);

}  // namespace
