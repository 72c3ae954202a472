// One light frame: the scene (sky, nebula, stars) through the true WCS, the
// flat response, the detector, and the truth file beside it.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <numbers>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/table.h"
#include "core/wcs.h"
#include "sim/dataset.h"
#include "sim/raw_fits.h"
#include "sim/zip.h"

namespace ap::sim {
namespace {

constexpr double kStarMargin = 50.0;  // pixels: stars this far outside still spill light in
constexpr double kFloorE = 0.05;      // electrons: star wings fainter than this are not drawn

Wcs truth_wcs(const LightFrame& f) {
  auto wcs = Wcs::from_header(f.wcs);
  if (!wcs) {
    throw Error(ExitCode::kFailed, fmt::format("{}: simulated WCS is invalid", f.file.string()));
  }
  return *wcs;
}

// The pixel map of the nebula around its centre: pixels per arcsec east and north.
LocalAffine nebula_map(const Dataset& ds, const Wcs& wcs) {
  constexpr double kStep = 60.0;  // arcsec
  const PixelCoord c = wcs.sky_to_pixel({ds.ra, ds.dec});
  const double cos_dec = std::cos(ds.dec * std::numbers::pi / 180.0);
  const PixelCoord e = wcs.sky_to_pixel({ds.ra + kStep / 3600.0 / cos_dec, ds.dec});
  const PixelCoord n = wcs.sky_to_pixel({ds.ra, ds.dec + kStep / 3600.0});
  return {c.x,
          c.y,
          {(e.x - c.x) / kStep, (n.x - c.x) / kStep, (e.y - c.y) / kStep, (n.y - c.y) / kStep}};
}

struct StarList {
  std::vector<std::size_t> field_index;  // into ds.field.stars
  std::vector<double> x, y;              // 0-based
};

StarList project_stars(const Dataset& ds, const Wcs& wcs) {
  const auto& stars = ds.field.stars;
  std::vector<double> ra(stars.size()), dec(stars.size()), x(stars.size()), y(stars.size());
  for (std::size_t i = 0; i < stars.size(); ++i) {
    ra[i] = stars[i].ra;
    dec[i] = stars[i].dec;
  }
  wcs.sky_to_pixel(ra, dec, x, y);
  StarList out;
  for (std::size_t i = 0; i < stars.size(); ++i) {
    if (!(x[i] > -kStarMargin && x[i] < ds.width + kStarMargin && y[i] > -kStarMargin &&
          y[i] < ds.height + kStarMargin)) {
      continue;  // also drops NaN (behind the projection)
    }
    out.field_index.push_back(i);
    out.x.push_back(x[i]);
    out.y.push_back(y[i]);
  }
  return out;
}

double star_mag(const SkyStar& s, const Filter& filter) {
  return s.vmag + filter.colour_coeff * s.bv;
}

// Sky, nebula and stars in electrons per second per pixel, before the flat.
Image render_scene(const Dataset& ds, const LightFrame& f, const Wcs& wcs, const StarList& stars,
                   const StarRenderer& renderer) {
  const Physics& p = ds.options.physics;
  const Filter& filter = find_filter(f.filter);
  Image scene(static_cast<std::size_t>(ds.width), static_cast<std::size_t>(ds.height), 0.0F);
  const double cx = 0.5 * (ds.width - 1);
  const double cy = 0.5 * (ds.height - 1);
  for (std::size_t y = 0; y < scene.height(); ++y) {
    auto row = scene.row(y);
    const double gy = 1.0 + f.sky_gradient_y * (static_cast<double>(y) - cy);
    for (std::size_t x = 0; x < scene.width(); ++x) {
      row[x] =
          static_cast<float>(f.sky_rate * (gy + f.sky_gradient_x * (static_cast<double>(x) - cx)));
    }
  }
  if (p.nebula) {
    const Nebula& n = ds.nebula;
    const double rate = ds.photometry.line_rate(filter, n.ha_peak, n.ha_peak * n.oiii_ratio,
                                                n.ha_peak * n.sii_ratio);
    add_nebula(scene, n, nebula_map(ds, wcs), rate * f.transparency);
  }
  const double floor = kFloorE / ds.options.exposure_s;
  for (std::size_t k = 0; k < stars.x.size(); ++k) {
    const SkyStar& s = ds.field.stars[stars.field_index[k]];
    const double rate = ds.photometry.star_rate(filter, star_mag(s, filter)) * f.transparency;
    renderer.add(scene, stars.x[k], stars.y[k], rate, floor);
  }
  return scene;
}

// The STARS table: every star whose centre falls on the frame, FITS 1-based.
Table star_table(const Dataset& ds, const LightFrame& f, const StarList& stars, double peak) {
  const Filter& filter = find_filter(f.filter);
  const double to_adu = ds.options.exposure_s / ds.detector.gain;
  std::vector<std::int64_t> id;
  std::vector<std::uint8_t> catalogue;
  std::vector<double> ra, dec, x, y;
  std::vector<float> mag, flux, peak_adu;
  for (std::size_t k = 0; k < stars.x.size(); ++k) {
    if (stars.x[k] < -0.5 || stars.x[k] >= ds.width - 0.5 || stars.y[k] < -0.5 ||
        stars.y[k] >= ds.height - 0.5) {
      continue;
    }
    const SkyStar& s = ds.field.stars[stars.field_index[k]];
    const double m = star_mag(s, filter);
    const double adu = ds.photometry.star_rate(filter, m) * f.transparency * to_adu;
    id.push_back(s.id);
    catalogue.push_back(s.catalogue ? 1 : 0);
    ra.push_back(s.ra);
    dec.push_back(s.dec);
    x.push_back(stars.x[k] + 1.0);
    y.push_back(stars.y[k] + 1.0);
    mag.push_back(static_cast<float>(m));
    flux.push_back(static_cast<float>(adu));
    peak_adu.push_back(static_cast<float>(adu * peak));
  }
  Table t;
  t.columns = {{"ID", "", id},           {"CATALOG", "", catalogue},
               {"RA", "deg", ra},        {"DEC", "deg", dec},
               {"X", "pix", x},          {"Y", "pix", y},
               {"MAG", "mag", mag},      {"FLUX", "adu", flux},
               {"PEAK", "adu", peak_adu}};
  return t;
}

Header truth_header(const Dataset& ds, const LightFrame& f, const LightSummary& s) {
  Header h = f.wcs;
  h.set("RAWFILE", f.file.filename().string(), "simulated raw frame");
  h.set("FILTER", f.filter);
  h.set("DATE-OBS", iso_time(f.start), "UTC start of exposure");
  h.set("EXPTIME", ds.options.exposure_s, "[s]");
  h.set("FWHM", f.psf.fwhm, "[pix] mean of major- and minor-axis FWHM");
  h.set("ELONG", f.psf.elongation, "major / minor FWHM");
  h.set("PSFANGLE", f.psf.angle_deg, "[deg] major axis from +x, counter-clockwise");
  h.set("BETA", f.psf.beta, "Moffat beta");
  h.set("TRAIL", f.psf.trail_px, "[pix] trail length");
  h.set("TRANSP", f.transparency, "transparency");
  h.set("SKYADU", f.sky_rate * ds.options.exposure_s / ds.detector.gain, "[adu] sky at the centre");
  h.set("POOR", f.poor, "why the frame is deliberately poor");
  h.set("NSTARS", static_cast<std::int64_t>(s.stars), "stars with centres on the frame");
  h.set("NCOSMIC", static_cast<std::int64_t>(s.cosmic_events), "cosmic-ray events");
  h.set("NCRPIX", static_cast<std::int64_t>(s.cosmic_pixels), "pixels flagged in this mask");
  h.add_comment("Primary: cosmic-ray mask (1 = hit); STARS: true positions, FITS 1-based");
  return h;
}

// The frame as iTelescope delivers it: a zip holding the FITS file of the same name.
void deliver_zipped(const std::filesystem::path& zip, std::span<const std::uint16_t> raw,
                    std::size_t width, std::size_t height, const Header& header, UnixTime start) {
  const auto fits = std::filesystem::path(zip).replace_extension(".fit");
  // Built with append: GCC 12 gives a false -Wrestrict warning for "." + string.
  std::string hidden = ".";
  hidden += fits.filename().string();
  const auto temp = zip.parent_path() / hidden;
  write_uint16_image(temp, raw, width, height, header);
  const std::string text = read_file(temp);
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  std::filesystem::remove(temp);
  write_zip(zip, fits.filename().string(), bytes, start);
}

}  // namespace

LightSummary make_light_frame(const Dataset& ds, const LightFrame& f) {
  const SimulateOptions& o = ds.options;
  const Wcs wcs = truth_wcs(f);
  const StarList stars = project_stars(ds, wcs);

  const StarRenderer renderer(f.psf);
  Image charge = render_scene(ds, f, wcs, stars, renderer);
  const std::size_t filter_index = static_cast<std::size_t>(
      std::find(o.filters.begin(), o.filters.end(), f.filter) - o.filters.begin());
  const auto response = ds.flats[filter_index].response.pixels();
  auto pixels = charge.pixels();
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    pixels[i] = static_cast<float>(pixels[i] * response[i] * o.exposure_s);
  }
  Mask cosmic(charge.width(), charge.height(), 0);
  const Exposure exposure{o.exposure_s, f.ccd_temp_c, {f.bias_offset_adu, f.bad_row_adu}, f.index};
  const ExposureResult result = expose(ds, charge, exposure, cosmic);
  const std::vector<std::uint16_t>& raw = result.stored;
  LightSummary summary;
  summary.cosmic_events = result.cosmic_events;

  Header header = maxim_header(ds, "Light Frame", f.filter, o.exposure_s, f.start, f.ccd_temp_c);
  header.set("JD-HELIO", heliocentric_julian_date(julian_date(f.start), ds.ra, ds.dec),
             "Heliocentric Julian Date at start of exposure");
  if (f.delivery.empty()) {
    write_uint16_image(ds.path(f.file), raw, charge.width(), charge.height(), header);
  } else {
    deliver_zipped(ds.path(f.delivery), raw, charge.width(), charge.height(), header, f.start);
  }

  for (const std::uint8_t m : cosmic.pixels()) summary.cosmic_pixels += m;
  for (const std::uint16_t v : raw) summary.saturated_pixels += v == kAdcMax ? 1 : 0;
  Table table = star_table(ds, f, stars, renderer.peak_fraction());
  summary.stars = table.rows();
  FitsWriter writer(ds.path(f.truth_file));
  writer.add_mask(cosmic, truth_header(ds, f, summary), "CRMASK");
  writer.add_table(table, {}, "STARS");
  writer.commit();
  return summary;
}

}  // namespace ap::sim
