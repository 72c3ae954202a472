// Planning of a simulated night and the top-level driver.
#include "sim/simulate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <set>

#include "core/error.h"
#include "core/log.h"
#include "core/parallel.h"
#include "itelescope/names.h"
#include "sim/dataset.h"
#include "sim/random.h"
#include "astro/target.h"

namespace ap::sim {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
constexpr double kOverheadS = 25.0;      // download, dither and settle between light frames
constexpr double kEfficiency = 0.45;     // optics transmission times detector QE
constexpr double kDefaultSize = 2048.0;  // default sub-frame edge, unbinned pixels
constexpr double kMosaicOverlap = 0.1;
constexpr double kErgPerHaPhoton = 3.027e-12;

// Sky position at tangent-plane offsets (arcsec east and north) from (ra0, dec0).
std::pair<double, double> tangent_to_sky(double ra0, double dec0, double east, double north) {
  const double xi = east / 3600.0 * kDeg;
  const double eta = north / 3600.0 * kDeg;
  const double d0 = dec0 * kDeg;
  const double dec = std::atan2(std::sin(d0) + eta * std::cos(d0),
                                std::hypot(xi, std::cos(d0) - eta * std::sin(d0)));
  double ra = ra0 + std::atan2(xi, std::cos(d0) - eta * std::sin(d0)) / kDeg;
  ra = std::fmod(ra + 360.0, 360.0);
  return {ra, dec / kDeg};
}

// TAN (or TAN-SIP with a radial term reaching `distortion_px` at the corners) cards.
Header wcs_cards(double ra, double dec, double scale_arcsec, double angle_deg, int width,
                 int height, double distortion_px) {
  const bool sip = distortion_px > 0.0;
  const double s = scale_arcsec / 3600.0;
  const double c = std::cos(angle_deg * kDeg);
  const double n = std::sin(angle_deg * kDeg);
  Header h;
  h.set("CTYPE1", sip ? "RA---TAN-SIP" : "RA---TAN", "gnomonic projection");
  h.set("CTYPE2", sip ? "DEC--TAN-SIP" : "DEC--TAN", "gnomonic projection");
  h.set("CRPIX1", 0.5 * (width + 1), "reference pixel (1-based)");
  h.set("CRPIX2", 0.5 * (height + 1), "reference pixel (1-based)");
  h.set("CRVAL1", ra, "[deg] RA at the reference pixel");
  h.set("CRVAL2", dec, "[deg] Dec at the reference pixel");
  h.set("CUNIT1", "deg");
  h.set("CUNIT2", "deg");
  // East to the left, north up, rotated by the camera angle.
  h.set("CD1_1", -s * c, "[deg/pix]");
  h.set("CD1_2", s * n, "[deg/pix]");
  h.set("CD2_1", s * n, "[deg/pix]");
  h.set("CD2_2", s * c, "[deg/pix]");
  h.set("RADESYS", "ICRS");
  if (sip) {
    const double corner = 0.5 * std::hypot(width, height);
    const double k = distortion_px / (corner * corner * corner);
    h.set("A_ORDER", 3);
    h.set("B_ORDER", 3);
    h.set("A_3_0", k);
    h.set("A_1_2", k);
    h.set("B_2_1", k);
    h.set("B_0_3", k);
  }
  return h;
}

struct Frame {
  int width, height, x_origin, y_origin;
};

Frame frame_size(const SimulateOptions& o, const itelescope::Telescope& t) {
  if (o.binning < 1 || o.binning > 4) {
    throw Error(ExitCode::kUsage, fmt::format("binning {} is not 1, 2, 3 or 4", o.binning));
  }
  const auto pick = [&](int requested, int sensor, const char* axis) {
    if (requested == 0) {
      const int size = static_cast<int>(std::min<double>(kDefaultSize, sensor));
      return size - size % o.binning;
    }
    if (requested < 0 || requested > sensor) {
      throw Error(ExitCode::kUsage, fmt::format("{} {} is outside the {} sensor ({} pixels)", axis,
                                                requested, t.id, sensor));
    }
    if (requested % o.binning != 0) {
      throw Error(ExitCode::kUsage, fmt::format("{} {} is not divisible by the binning {}", axis,
                                                requested, o.binning));
    }
    return requested;
  };
  const int w = pick(o.width, t.sensor_width, "width");
  const int h = pick(o.height, t.sensor_height, "height");
  if (w / o.binning < 16 || h / o.binning < 16) {
    throw Error(ExitCode::kUsage,
                fmt::format("size {}x{} is too small (16 binned pixels at least)", w, h));
  }
  return {w / o.binning, h / o.binning, (t.sensor_width - w) / 2 / o.binning,
          (t.sensor_height - h) / 2 / o.binning};
}

void check_output_dir(const SimulateOptions& o) {
  std::error_code ec;
  const auto& dir = o.output_dir;
  if (dir.empty()) throw Error(ExitCode::kUsage, "no output directory given");
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
    throw Error(ExitCode::kUsage, fmt::format("{}: exists and is not a directory", dir.string()));
  }
  if (std::filesystem::is_directory(dir, ec) && !std::filesystem::is_empty(dir, ec) && !o.force) {
    throw Error(ExitCode::kUsage,
                fmt::format("{}: output directory is not empty (use --force to write into it)",
                            dir.string()));
  }
}

void resolve(Dataset& ds) {
  const SimulateOptions& o = ds.options;
  ds.target_name = o.target;
  if (o.ra_deg.has_value() != o.dec_deg.has_value()) {
    throw Error(ExitCode::kUsage, "--ra and --dec must be given together");
  }
  const auto resolved = astro::resolve_target(o.target);
  if (o.ra_deg) {
    if (*o.dec_deg < -90.0 || *o.dec_deg > 90.0) {
      throw Error(ExitCode::kUsage, fmt::format("--dec {} is outside [-90, 90]", *o.dec_deg));
    }
    ds.ra = std::fmod(std::fmod(*o.ra_deg, 360.0) + 360.0, 360.0);
    ds.dec = *o.dec_deg;
    ds.target_source = "--ra/--dec";
  } else if (resolved) {
    ds.ra = resolved->ra;
    ds.dec = resolved->dec;
    ds.target_source = "OpenNGC";
  } else {
    throw Error(
        ExitCode::kUsage,
        fmt::format("target '{}' is not in the OpenNGC catalogue: give --ra and --dec", o.target));
  }
  Rng rng = Rng::stream(o.seed, Stream::kNebula);
  const double size = resolved && resolved->size_arcmin > 0.0 ? resolved->size_arcmin : 20.0;
  ds.nebula.radius_arcsec = 30.0 * size;
  ds.nebula.axis_ratio = rng.uniform(0.6, 0.8);
  ds.nebula.angle_deg = rng.uniform(0.0, 180.0);
  ds.nebula.phase1 = rng.uniform(0.0, 2.0 * std::numbers::pi);
  ds.nebula.phase2 = rng.uniform(0.0, 2.0 * std::numbers::pi);
  ds.nebula.ha_peak = o.nebula_ha / kErgPerHaPhoton;
}

// Panel centres in order x1_y1, x2_y1, ...; x grows to the west, y to the north.
struct Panel {
  int x, y;
  double ra, dec;
};

std::vector<Panel> panels(const Dataset& ds) {
  const SimulateOptions& o = ds.options;
  if (o.mosaic_x < 1 || o.mosaic_y < 1) {
    throw Error(ExitCode::kUsage, "mosaic size must be at least 1x1");
  }
  if (o.mosaic_x == 1 && o.mosaic_y == 1) return {{0, 0, ds.ra, ds.dec}};
  const double step_x = ds.width * ds.scale_arcsec * (1.0 - kMosaicOverlap);
  const double step_y = ds.height * ds.scale_arcsec * (1.0 - kMosaicOverlap);
  std::vector<Panel> out;
  for (int j = 1; j <= o.mosaic_y; ++j) {
    for (int i = 1; i <= o.mosaic_x; ++i) {
      const double east = -(i - 0.5 * (o.mosaic_x + 1)) * step_x;
      const double north = (j - 0.5 * (o.mosaic_y + 1)) * step_y;
      const auto [ra, dec] = tangent_to_sky(ds.ra, ds.dec, east, north);
      out.push_back({i, j, ra, dec});
    }
  }
  return out;
}

void plan_lights(Dataset& ds) {
  const SimulateOptions& o = ds.options;
  const Physics& p = o.physics;
  const auto all_panels = panels(ds);
  const std::string base = itelescope::split_mosaic(o.target).base;
  const double fwhm_arcsec = o.fwhm_arcsec > 0.0 ? o.fwhm_arcsec : ds.telescope->fwhm_arcsec;
  const auto total = all_panels.size() * o.filters.size() * static_cast<std::size_t>(o.frames);
  const double cadence = o.exposure_s + kOverheadS;
  const UnixTime night = parse_night(o.night);
  const UnixTime first =
      plan_start(night, cadence * static_cast<double>(total), ds.ra, ds.dec, *ds.site);

  for (const Panel& panel : all_panels) {
    const std::string target =
        panel.x == 0 ? o.target : itelescope::format_mosaic({base, panel.x, panel.y});
    for (const std::string& filter_name : o.filters) {
      const Filter& filter = find_filter(filter_name);
      for (int seq = 1; seq <= o.frames; ++seq) {
        LightFrame f;
        f.index = ds.lights.size();
        Rng rng = Rng::stream(o.seed, Stream::kFrameSetup, {f.index});
        f.filter = filter.name;
        f.sequence = seq;
        f.panel_x = panel.x;
        f.panel_y = panel.y;
        f.target = itelescope::underscore_spaces(target);
        f.delivered_target = target;
        f.start =
            first + static_cast<UnixTime>(std::lround(cadence * static_cast<double>(f.index)));
        f.ccd_temp_c = std::round(100.0 * rng.normal(ds.telescope->set_temp_c, 0.05)) / 100.0;
        f.psf.fwhm = fwhm_arcsec / ds.scale_arcsec * rng.uniform(0.9, 1.15);
        f.psf.elongation = rng.uniform(1.0, 1.12);
        f.psf.angle_deg = rng.uniform(0.0, 180.0);
        f.psf.beta = o.beta;
        f.transparency = rng.uniform(0.9, 1.0);
        f.sky_rate = p.sky ? ds.photometry.sky_rate(filter) * rng.uniform(0.95, 1.1) : 0.0;
        const double gx = rng.uniform(-0.1, 0.1) / ds.width;
        const double gy = rng.uniform(-0.1, 0.1) / ds.height;
        if (p.sky_gradient) {
          f.sky_gradient_x = gx;
          f.sky_gradient_y = gy;
        }
        const double de = rng.uniform(-1.0, 1.0) * o.dither_px * ds.scale_arcsec;
        const double dn = rng.uniform(-1.0, 1.0) * o.dither_px * ds.scale_arcsec;
        const double rot = rng.normal(0.0, o.rotation_deg);
        if (p.dithers) {
          f.dither_east_arcsec = de;
          f.dither_north_arcsec = dn;
          f.rotation_deg = ds.camera_angle_deg + rot;
        } else {
          f.rotation_deg = ds.camera_angle_deg;
        }
        f.bias_offset_adu = rng.normal(0.0, 0.3);
        f.bad_row_adu = rng.uniform(ds.detector.bad_row_min_adu, ds.detector.bad_row_max_adu);
        const auto [ra, dec] =
            tangent_to_sky(panel.ra, panel.dec, f.dither_east_arcsec, f.dither_north_arcsec);
        f.wcs = wcs_cards(ra, dec, ds.scale_arcsec, f.rotation_deg, ds.width, ds.height,
                          o.distortion_px);
        ds.lights.push_back(std::move(f));
      }
    }
  }
}

void plan_poor_frames(Dataset& ds) {
  const SimulateOptions& o = ds.options;
  if (!o.physics.poor_frames || o.poor_frames <= 0) return;
  const std::size_t count =
      std::min<std::size_t>(static_cast<std::size_t>(o.poor_frames), ds.lights.size() / 4);
  Rng rng = Rng::stream(o.seed, Stream::kPoorFrames);
  std::set<std::size_t> chosen;
  while (chosen.size() < count) chosen.insert(1 + rng.below(ds.lights.size() - 1));
  static const char* kKinds[] = {"seeing", "trailing", "cloud"};
  std::size_t k = 0;
  for (const std::size_t i : chosen) {
    LightFrame& f = ds.lights[i];
    f.poor = kKinds[k++ % 3];
    if (f.poor == "seeing") {
      f.psf.fwhm *= 2.0;
    } else if (f.poor == "trailing") {
      f.psf.trail_px = rng.uniform(6.0, 12.0);
      f.psf.trail_angle_deg = rng.uniform(0.0, 180.0);
    } else {
      f.transparency = rng.uniform(0.2, 0.3);
    }
  }
}

void name_lights(Dataset& ds) {
  const SimulateOptions& o = ds.options;
  for (LightFrame& f : ds.lights) {
    const UnixTime local =
        f.start + static_cast<UnixTime>(std::lround(ds.site->utc_offset_hours * 3600.0));
    itelescope::RawLightName n;
    n.telescope = ds.telescope->id;
    n.observer = o.observer;
    n.target = f.target;
    n.date = compact_date(local);
    n.time = compact_time(local);
    n.filter = f.filter;
    n.binning = o.binning;
    n.pier = hour_angle_deg(ds.ra, *ds.site, f.start) < 0.0 ? "E" : "W";
    n.exposure_s = o.exposure_s;
    n.sequence = f.sequence;
    const std::string name = itelescope::format_raw_light_name(n);
    f.file = std::filesystem::path("data") / ds.telescope->id / f.target / o.night / name;
    if (o.zip) {
      // iTelescope keeps the spaces; the ingest step replaces them with '_'.
      std::string delivered = name;
      const std::string field = "-" + f.target + "-";
      delivered.replace(delivered.find(field), field.size(), "-" + f.delivered_target + "-");
      f.delivery = std::filesystem::path("data") / ds.telescope->id / f.delivered_target / o.night /
                   std::filesystem::path(delivered).replace_extension(".zip");
    }
    f.truth_file = std::filesystem::path("truth") / (f.file.stem().string() + ".fits");
  }
}

void plan_dates(Dataset& ds) {
  const SimulateOptions& o = ds.options;
  if (!o.calibration) return;
  if (o.master_dates < 1) throw Error(ExitCode::kUsage, "at least one master date is needed");
  const UnixTime night = parse_night(o.night);
  constexpr UnixTime kDay = 86400;
  for (int k = 0; k < o.master_dates; ++k) {
    CalibrationDate d;
    d.index = k;
    const UnixTime day = night - (k == 0 ? 12 : 120 * k) * kDay;
    d.name = k == 0 ? day_text(day) : month_text(day);
    d.time = day + static_cast<UnixTime>(std::lround((14.0 - ds.site->utc_offset_hours) * 3600.0));
    d.dark_calstat = k == 0 ? "M" : "BM";
    d.bias_drift_adu = 3.0 * k;
    ds.dates.push_back(d);
  }
}

// Everything about the options that can be wrong, before anything is written.
void check_options(SimulateOptions& o) {
  for (std::string& f : o.filters) f = find_filter(f).name;
  if (o.filters.empty()) throw Error(ExitCode::kUsage, "no filters given");
  if (o.frames < 1) throw Error(ExitCode::kUsage, "--frames must be at least 1");
  if (!(o.exposure_s > 0.0)) throw Error(ExitCode::kUsage, "--exposure must be positive");
  if (o.bias_frames < 1 || o.dark_frames < 1 || o.flat_frames < 1) {
    throw Error(ExitCode::kUsage, "each master needs at least one raw frame");
  }
  parse_night(o.night);
}

Detector plan_detector(const Dataset& ds) {
  const Physics& p = ds.options.physics;
  DetectorOptions det;
  det.width = ds.width;
  det.height = ds.height;
  det.binning = ds.options.binning;
  det.bias_structure = p.bias_structure;
  det.dark_current = p.dark_current;
  det.hot_pixels = p.hot_pixels;
  det.bad_columns = p.bad_columns;
  det.prnu = p.prnu;
  det.pedestal_adu = ds.options.pedestal_adu;
  return make_detector(*ds.telescope, det, ds.options.seed);
}

// Every star that can touch any frame: the mosaic extent, dithers and a margin.
StarField plan_stars(const Dataset& ds) {
  const SimulateOptions& o = ds.options;
  StarFieldOptions field;
  field.ra = ds.ra;
  field.dec = ds.dec;
  const double half_x = 0.5 * ds.width * o.mosaic_x + o.dither_px + 60.0;
  const double half_y = 0.5 * ds.height * o.mosaic_y + o.dither_px + 60.0;
  field.radius_deg = std::hypot(half_x, half_y) * ds.scale_arcsec / 3600.0;
  field.catalogue = o.physics.catalogue_stars;
  field.synthetic = o.physics.synthetic_stars;
  field.faint_limit = o.faint_limit;
  field.max_stars = o.max_stars;
  field.index_dir = o.catalogue_dir;
  return make_star_field(field, o.seed);
}

Dataset plan(const SimulateOptions& options) {
  Dataset ds;
  ds.options = options;
  SimulateOptions& o = ds.options;
  ds.telescope = &itelescope::find_telescope(o.telescope);
  ds.site = &ds.telescope->site();
  check_options(o);
  const Frame frame = frame_size(o, *ds.telescope);
  ds.width = frame.width;
  ds.height = frame.height;
  ds.x_origin = frame.x_origin;
  ds.y_origin = frame.y_origin;
  ds.scale_arcsec = ds.telescope->pixel_scale_arcsec() * o.binning;
  resolve(ds);
  check_output_dir(o);

  const itelescope::Telescope& t = *ds.telescope;
  const double aperture_cm = t.aperture_mm / 10.0;
  ds.photometry.effective_area_cm2 = std::numbers::pi / 4.0 * aperture_cm * aperture_cm *
                                     (1.0 - t.obstruction * t.obstruction) * kEfficiency;
  ds.photometry.pixel_area_arcsec2 = ds.scale_arcsec * ds.scale_arcsec;
  ds.detector = plan_detector(ds);

  Rng rng = Rng::stream(o.seed, Stream::kFrameSetup);
  ds.camera_angle_deg = o.physics.dithers ? rng.uniform(-1.0, 1.0) : 0.0;
  plan_lights(ds);
  plan_poor_frames(ds);
  name_lights(ds);
  plan_dates(ds);
  ds.field = plan_stars(ds);

  FlatOptions flat;
  flat.vignetting = o.physics.vignetting;
  flat.dust = o.physics.dust;
  flat.x_origin = ds.x_origin;
  flat.y_origin = ds.y_origin;
  ds.flats.resize(o.filters.size());
  parallel_for(0, o.filters.size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      ds.flats[i] = make_flat_field(ds.detector, t, o.filters[i], 0, flat, o.seed);
    }
  });
  return ds;
}

void create_directories(const Dataset& ds) {
  std::set<std::filesystem::path> dirs = {ds.path("truth")};
  for (const LightFrame& f : ds.lights) {
    dirs.insert(ds.path(f.delivery.empty() ? f.file : f.delivery).parent_path());
  }
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw output_error(dir.string(), "cannot create the directory: " + ec.message());
  }
}

}  // namespace

void Physics::disable(const std::string& name) {
  static const std::map<std::string, std::vector<bool Physics::*>> kGroups = {
      {"catalogue_stars", {&Physics::catalogue_stars}},
      {"synthetic_stars", {&Physics::synthetic_stars}},
      {"stars", {&Physics::catalogue_stars, &Physics::synthetic_stars}},
      {"nebula", {&Physics::nebula}},
      {"sky", {&Physics::sky}},
      {"sky_gradient", {&Physics::sky_gradient}},
      {"photon_noise", {&Physics::photon_noise}},
      {"read_noise", {&Physics::read_noise}},
      {"noise", {&Physics::photon_noise, &Physics::read_noise}},
      {"dark_current", {&Physics::dark_current}},
      {"hot_pixels", {&Physics::hot_pixels}},
      {"bad_columns", {&Physics::bad_columns}},
      {"bias_structure", {&Physics::bias_structure}},
      {"defects", {&Physics::hot_pixels, &Physics::bad_columns, &Physics::bias_structure}},
      {"prnu", {&Physics::prnu}},
      {"vignetting", {&Physics::vignetting}},
      {"dust", {&Physics::dust}},
      {"flat", {&Physics::vignetting, &Physics::dust, &Physics::prnu}},
      {"cosmic_rays", {&Physics::cosmic_rays}},
      {"bleeding", {&Physics::bleeding}},
      {"dithers", {&Physics::dithers}},
      {"poor_frames", {&Physics::poor_frames}},
  };
  std::string key = name;
  std::replace(key.begin(), key.end(), '-', '_');
  const auto it = kGroups.find(key);
  if (it == kGroups.end()) {
    std::string known;
    for (const auto& [k, members] : kGroups) known += (known.empty() ? "" : ", ") + k;
    throw Error(ExitCode::kUsage,
                fmt::format("unknown simulation component '{}' (known: {})", name, known));
  }
  for (bool Physics::*member : it->second) this->*member = false;
}

SimulateResult simulate(const SimulateOptions& options) {
  auto log = logger("simulate");
  const Dataset ds = plan(options);
  log->info(
      "{} {}x{} bin {} ({:.2f}\"/px), target {} at RA {:.4f} Dec {:+.4f} ({}), {} stars "
      "({} Tycho-2), {} light frames",
      ds.telescope->id, ds.width, ds.height, options.binning, ds.scale_arcsec, ds.target_name,
      ds.ra, ds.dec, ds.target_source, ds.field.stars.size(), ds.field.catalogue_count,
      ds.lights.size());
  create_directories(ds);

  SimulateResult result;
  CalibrationSummary calibration;
  if (options.calibration) calibration = make_calibration(ds);
  std::vector<LightSummary> lights(ds.lights.size());
  parallel_for(0, ds.lights.size(), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) lights[i] = make_light_frame(ds, ds.lights[i]);
  });
  write_truth(ds, lights, calibration);

  result.light_frames = ds.lights.size();
  result.calibration_frames = calibration.raw_files;
  result.masters = calibration.masters.size();
  result.field_stars = ds.field.stars.size();
  result.catalogue_stars = ds.field.catalogue_count;
  result.truth_file = ds.path("truth.json");
  log->info("wrote {} light frames, {} raw calibration frames and {} masters to {}",
            result.light_frames, result.calibration_frames, result.masters,
            options.output_dir.string());
  return result;
}

}  // namespace ap::sim
