// truth.json: the dataset's parameters, the telescope and detector, the
// calibration library and every light frame. Pixel positions are FITS 1-based.
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/version.h"
#include "sim/dataset.h"

namespace ap::sim {
namespace {

using Json = nlohmann::ordered_json;

Json parameters(const Dataset& ds) {
  const SimulateOptions& o = ds.options;
  const Physics& p = o.physics;
  return {
      {"telescope", ds.telescope->id},
      {"target", ds.target_name},
      {"filters", o.filters},
      {"frames_per_filter", o.frames},
      {"exposure_s", o.exposure_s},
      {"binning", o.binning},
      {"width", ds.width},
      {"height", ds.height},
      {"night", o.night},
      {"observer", o.observer},
      {"seed", o.seed},
      {"mosaic", {o.mosaic_x, o.mosaic_y}},
      {"zip", o.zip},
      {"dither_px", o.dither_px},
      {"rotation_deg", o.rotation_deg},
      {"distortion_px", o.distortion_px},
      {"poor_frames", o.poor_frames},
      {"physics",
       {{"catalogue_stars", p.catalogue_stars},
        {"synthetic_stars", p.synthetic_stars},
        {"nebula", p.nebula},
        {"sky", p.sky},
        {"sky_gradient", p.sky_gradient},
        {"photon_noise", p.photon_noise},
        {"read_noise", p.read_noise},
        {"dark_current", p.dark_current},
        {"hot_pixels", p.hot_pixels},
        {"bad_columns", p.bad_columns},
        {"bias_structure", p.bias_structure},
        {"prnu", p.prnu},
        {"vignetting", p.vignetting},
        {"dust", p.dust},
        {"cosmic_rays", p.cosmic_rays},
        {"bleeding", p.bleeding},
        {"dithers", p.dithers},
        {"poor_frames", p.poor_frames}}},
  };
}

Json telescope(const Dataset& ds) {
  const itelescope::Telescope& t = *ds.telescope;
  const itelescope::Site& s = *ds.site;
  return {
      {"id", t.id},
      {"optics", t.optics},
      {"camera", t.camera},
      {"aperture_mm", t.aperture_mm},
      {"obstruction", t.obstruction},
      {"focal_length_mm", t.focal_length_mm},
      {"sensor", {t.sensor_width, t.sensor_height}},
      {"pixel_um", t.pixel_um},
      {"pixel_scale_arcsec", ds.scale_arcsec},
      {"subframe_origin", {ds.x_origin, ds.y_origin}},
      {"site",
       {{"name", s.name},
        {"place", s.place},
        {"mpc_code", s.mpc_code},
        {"latitude_deg", s.latitude_deg},
        {"longitude_deg", s.longitude_deg},
        {"elevation_m", s.elevation_m},
        {"utc_offset_hours", s.utc_offset_hours}}},
  };
}

Json detector(const Dataset& ds) {
  const Detector& d = ds.detector;
  Json hot = Json::array();
  for (const HotPixel& p : d.hot_pixels) hot.push_back({p.x + 1, p.y + 1, p.rate});
  Json dead = Json::array();
  for (const auto& [x, y] : d.dead_pixels) dead.push_back({x + 1, y + 1});
  Json columns = Json::array();
  for (const BadColumn& c : d.bad_columns) {
    columns.push_back({{"x", c.x + 1},
                       {"y_first", c.y_begin + 1},
                       {"y_last", c.y_end},
                       {"kind", c.kind},
                       {"value", c.value}});
  }
  Json rows = Json::array();
  if (d.bad_row >= 0) {
    rows.push_back({{"y", d.bad_row + 1},
                    {"kind", "offset"},
                    {"offset_adu_range", {d.bad_row_min_adu, d.bad_row_max_adu}}});
  }
  return {
      {"gain_e_per_adu", d.gain},
      {"read_noise_e", d.read_noise_e},
      {"dark_current_e_per_s", d.dark_current},
      {"dark_current_temperature_c", d.set_temp_c},
      {"dark_doubling_c", kDarkDoublingC},
      {"bias_level_adu", d.bias_level_adu},
      {"pedestal_adu", d.pedestal_adu},
      {"full_well_e", d.full_well_e},
      {"saturation_stored", kAdcMax},
      {"hot_pixels_comment", "[x, y, extra dark current e-/s at the set temperature]"},
      {"hot_pixels", hot},
      {"dead_pixels", dead},
      {"bad_columns", columns},
      {"bad_rows", rows},
  };
}

Json photometry(const Dataset& ds) {
  Json out = Json::object();
  const double to_adu = ds.options.exposure_s / ds.detector.gain;
  for (const std::string& name : ds.options.filters) {
    const Filter& f = find_filter(name);
    const Nebula& n = ds.nebula;
    Json entry = {
        {"zero_point_e_per_s", ds.photometry.star_rate(f, 0.0)},
        {"colour_coeff", f.colour_coeff},
        {"sky_e_per_s_per_pixel", ds.photometry.sky_rate(f)},
        {"sky_adu", ds.photometry.sky_rate(f) * to_adu},
        {"nebula_peak_adu",
         ds.photometry.line_rate(f, n.ha_peak, n.ha_peak * n.oiii_ratio, n.ha_peak * n.sii_ratio) *
             to_adu},
    };
    if (!f.continuum_of.empty()) {
      const Filter& broad = find_filter(f.continuum_of);
      entry["continuum_of"] = broad.name;
      entry["continuum_ratio"] = f.photons_mag0 / broad.photons_mag0;
    }
    out[f.name] = entry;
  }
  return out;
}

Json lights(const Dataset& ds, const std::vector<LightSummary>& summaries) {
  Json out = Json::array();
  for (std::size_t i = 0; i < ds.lights.size(); ++i) {
    const LightFrame& f = ds.lights[i];
    const LightSummary& s = summaries[i];
    Json wcs = Json::object();
    for (const auto& card : f.wcs.cards()) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (!std::is_same_v<T, std::monostate>) wcs[card.key] = v;
          },
          card.value);
    }
    out.push_back({
        {"file", f.file.string()},
        {"delivered", f.delivery.string()},
        {"truth_file", f.truth_file.string()},
        {"filter", f.filter},
        {"sequence", f.sequence},
        {"target", f.target},
        {"date_obs", iso_time(f.start)},
        {"ccd_temp_c", f.ccd_temp_c},
        {"fwhm_px", f.psf.fwhm},
        {"fwhm_arcsec", f.psf.fwhm * ds.scale_arcsec},
        {"elongation", f.psf.elongation},
        {"psf_angle_deg", f.psf.angle_deg},
        {"beta", f.psf.beta},
        {"trail_px", f.psf.trail_px},
        {"transparency", f.transparency},
        {"sky_adu", f.sky_rate * ds.options.exposure_s / ds.detector.gain},
        {"sky_gradient_per_px", {f.sky_gradient_x, f.sky_gradient_y}},
        {"dither_arcsec", {f.dither_east_arcsec, f.dither_north_arcsec}},
        {"rotation_deg", f.rotation_deg},
        {"poor", f.poor},
        {"stars", s.stars},
        {"cosmic_ray_events", s.cosmic_events},
        {"cosmic_ray_pixels", s.cosmic_pixels},
        {"saturated_pixels", s.saturated_pixels},
        {"bias_offset_adu", f.bias_offset_adu},
        {"bad_row_offset_adu", f.bad_row_adu},
        {"wcs", wcs},
    });
  }
  return out;
}

Json calibration(const Dataset& ds, const CalibrationSummary& c) {
  Json dates = Json::array();
  for (const CalibrationDate& d : ds.dates) {
    dates.push_back({{"date", d.name},
                     {"dark_calstat", d.dark_calstat},
                     {"bias_drift_adu", d.bias_drift_adu},
                     {"raws_written", d.index == 0}});
  }
  Json masters = Json::array();
  for (const MasterRecord& m : c.masters) {
    masters.push_back({{"file", m.file.string()},
                       {"type", m.type},
                       {"date", m.date},
                       {"filter", m.filter},
                       {"calstat", m.calstat},
                       {"frames", m.frames}});
  }
  Json flats = Json::object();
  for (std::size_t i = 0; i < ds.flats.size(); ++i) {
    Json motes = Json::array();
    for (const DustMote& m : ds.flats[i].dust) {
      motes.push_back({{"x", m.x + 1.0},
                       {"y", m.y + 1.0},
                       {"radius_px", m.radius},
                       {"depth", m.depth},
                       {"where", m.where}});
    }
    flats[ds.options.filters[i]] = {{"vignetting_at_sensor_corner", ds.telescope->vignetting},
                                    {"dust", motes}};
  }
  return {
      {"dates", dates}, {"raw_files", c.raw_files}, {"masters", masters}, {"latest_flats", flats}};
}

}  // namespace

void write_truth(const Dataset& ds, const std::vector<LightSummary>& summaries,
                 const CalibrationSummary& cal) {
  const Nebula& n = ds.nebula;
  Json truth = {
      {"generator", std::string("ap simulate ") + kVersion},
      {"parameters", parameters(ds)},
      {"telescope", telescope(ds)},
      {"target",
       {{"name", ds.target_name},
        {"ra_deg", ds.ra},
        {"dec_deg", ds.dec},
        {"resolved_by", ds.target_source}}},
      {"stars",
       {{"total", ds.field.stars.size()},
        {"tycho2", ds.field.catalogue_count},
        {"index_file", ds.field.index_file},
        {"synthetic_mag_range", {ds.field.synthetic_bright, ds.field.synthetic_faint}},
        {"n10_per_deg2", ds.field.n10_per_deg2},
        {"galactic_latitude_deg", ds.field.galactic_latitude_deg}}},
      {"nebula",
       {{"centre_deg", {ds.ra, ds.dec}},
        {"radius_arcsec", n.radius_arcsec},
        {"axis_ratio", n.axis_ratio},
        {"angle_deg", n.angle_deg},
        {"ha_peak_photons_per_s_cm2_arcsec2", n.ha_peak},
        {"oiii_over_ha", n.oiii_ratio},
        {"sii_over_ha", n.sii_ratio}}},
      {"photometry", photometry(ds)},
      {"detector", detector(ds)},
      {"calibration", calibration(ds, cal)},
      {"frames", lights(ds, summaries)},
  };
  write_file_atomically(ds.path("truth.json"), truth.dump(1) + '\n');
}

}  // namespace ap::sim
