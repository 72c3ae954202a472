// ap stars IMAGE SRCLIST [-m N] [--search_fwhm 3] [--search_nsigma 7] [--bitdepth 16]
//   [--sat_frac 0.8] [--retain_saturated] [--plotfile PNG] [--quality_report YAML]
//   [--fwhm_plot PNG] [--ds9 REG] [-q]
// (also ap_find_stars)
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "measure/source_list.h"
#include "measure/stars.h"
#include "measure/stars_plot.h"

namespace ap::cli {
namespace {

struct StarsArgs {
  std::string image;
  std::string srclist;
  std::string plotfile, quality_report, fwhm_plot, ds9;
  std::string hdu;
  bool quiet = false;
  StarsOptions options;
};

void print_table(const StarsResult& r) {
  std::fputs("   id    xcenter    ycenter   aperture_sum   adu_per_sec  magnitude sat\n", stdout);
  for (std::size_t i = 0; i < r.stars.size() && i < 20; ++i) {
    const Star& s = r.stars[i];
    std::fputs(fmt::format("{:5d} {:10.3f} {:10.3f} {:14.2f} {:13.3f} {:10.4f} {}\n", s.id, s.x,
                           s.y, s.aperture_sum, s.adu_per_sec, s.magnitude, s.saturated ? 'Y' : '.')
                   .c_str(),
               stdout);
  }
  if (r.stars.size() > 20) std::fputs(fmt::format("  ... {} more\n", r.stars.size() - 20).c_str(), stdout);
}

void run_stars(StarsArgs& a) {
  auto log = logger("stars");
  ReadOptions ro;
  ro.hdu = a.hdu;
  const FitsImage in = read_image(a.image, ro);
  StarsResult r;
  try {
    r = find_stars(in.image, in.header(), a.options);
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("{}: {}", a.image, e.what()));
  }
  for (const std::string& note : r.notes) log->warn("{}: {}", a.image, note);
  log->info("{}: background {:.2f} +- {:.2f} ADU; {} detected, {} measured, {} saturated; "
            "FWHM {:.3f} +- {:.3f} px, ellipticity {:.3f} from {}/{} fits",
            a.image, r.bg_median, r.bg_std, r.detected, r.stars.size(), r.saturated_stars,
            r.fwhm.value, r.fwhm.error, r.ellipticity.value, r.good_fits(), r.psf.size());

  const Header list_header = source_list_header(r, in.header(), a.image, a.options);
  if (!a.quality_report.empty())
    write_file_atomically(a.quality_report, quality_report_yaml(r, list_header));
  if (!a.ds9.empty()) write_file_atomically(a.ds9, ds9_regions(r));
  if (!a.plotfile.empty()) {
    const std::string name = std::filesystem::path(a.image).filename().string();
    const std::string title = fmt::format("{}: {} stars, FWHM {:.2f} px", name, r.stars.size(),
                                          r.fwhm.value);
    write_file_atomically(a.plotfile, stars_image_png(in.image, r, title));
  }
  if (!a.fwhm_plot.empty()) {
    const std::string title = fmt::format("{}: FWHM {:.2f} +- {:.2f} px, ellipticity {:.3f}",
                                          std::filesystem::path(a.image).filename().string(), r.fwhm.value, r.fwhm.error, r.ellipticity.value);
    write_file_atomically(a.fwhm_plot, psf_grid_png(in.image, r, title));
  }
  write_source_list(a.srclist, r, list_header);
  if (!a.quiet) print_table(r);
}

}  // namespace

void add_stars(CLI::App& app) {
  auto args = std::make_shared<StarsArgs>();
  StarsOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "stars", "Find stars, measure aperture photometry and PSF (FWHM, ellipticity)");
  cmd->add_option("IMAGE", args->image, "Input FITS image (calibrated)")->required();
  cmd->add_option("SRCLIST", args->srclist, "Output source list (FITS tables)")->required();
  cmd->add_option(flag("fits_extension", "e"), args->hdu, "HDU of the image (number or EXTNAME)")
      ->capture_default_str();
  cmd->add_option(flag("max_sources", "m"), o.max_sources,
                  "Keep only the N brightest sources (0: all)")
      ->capture_default_str();
  cmd->add_option(flag("search_fwhm"), o.search_fwhm, "First-pass detection FWHM, pixels")
      ->capture_default_str();
  cmd->add_option(flag("search_nsigma"), o.search_nsigma, "Detection threshold, background sigma")
      ->capture_default_str();
  cmd->add_option(flag("bitdepth"), o.bitdepth, "Detector bits (saturation = sat_frac * 2^bits)")
      ->capture_default_str();
  cmd->add_option(flag("sat_frac"), o.sat_frac, "Saturation as a fraction of full scale")
      ->capture_default_str();
  cmd->add_flag(flag("retain_saturated"), o.retain_saturated,
                "Do not mask saturated stars before detection");
  cmd->add_option(flag("plotfile"), args->plotfile, "PNG of the image with the apertures");
  cmd->add_option(flag("quality_report"), args->quality_report, "YAML quality report");
  cmd->add_option(flag("fwhm_plot"), args->fwhm_plot, "PNG grid of the fitted PSF stars");
  cmd->add_option(flag("ds9", "d"), args->ds9, "ds9 region file of the apertures");
  cmd->add_flag("-q,--quiet", args->quiet, "Do not print the source table");
  cmd->callback([args] { run_stars(*args); });
}

}  // namespace ap::cli
