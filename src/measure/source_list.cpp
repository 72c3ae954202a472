#include "measure/source_list.h"

#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/angles.h"
#include "core/fits.h"
#include "core/table.h"

namespace ap {
namespace {

// Observing keywords copied from the image; LONG-OBS and LON-OBS are both
// kept so either spelling reaches the next stage.
constexpr const char* kCopied[] = {
    "EXPOSURE", "EXPTIME",  "DATE-OBS", "MJD-OBS", "MJD-MID", "OBJECT",  "OBJNAME", "TELESCOP",
    "INSTRUME", "CCD-TEMP", "APTDIA",   "RA",      "DEC",     "RA-OBJ",  "DEC-OBJ", "XPIXSZ",
    "YPIXSZ",   "FOCALLEN", "FILTER",   "EGAIN",   "LAT-OBS", "LONG-OBS", "LON-OBS", "ALT-OBS",
    "AIRMASS",  "XBINNING", "YBINNING", "OBSERVAT", "SUNALT",  "MOONSEP", "MOONILL"};

void set_measured(Header& h, const char* key, double value, const char* comment) {
  if (std::isfinite(value)) h.set(key, value, comment);
}

template <class T, class F>
std::vector<T> column(const std::vector<Star>& stars, F get) {
  std::vector<T> out;
  out.reserve(stars.size());
  for (const Star& s : stars) out.push_back(static_cast<T>(get(s)));
  return out;
}

Table xypos_table(const StarsResult& r) {
  Table t;
  t.columns = {{"X", "pix", column<double>(r.stars, [](const Star& s) { return s.x + 1.0; })},
               {"Y", "pix", column<double>(r.stars, [](const Star& s) { return s.y + 1.0; })},
               {"FLUX", "adu", column<double>(r.stars, [](const Star& s) { return s.aperture_sum; })}};
  return t;
}

Table photometry_table(const StarsResult& r) {
  const auto& s = r.stars;
  Table t;
  t.columns = {
      {"id", "", column<std::int32_t>(s, [](const Star& v) { return v.id; })},
      {"xcenter", "pix", column<double>(s, [](const Star& v) { return v.x; })},
      {"ycenter", "pix", column<double>(s, [](const Star& v) { return v.y; })},
      {"aperture_sum", "adu", column<double>(s, [](const Star& v) { return v.aperture_sum; })},
      {"peak_adu", "adu", column<float>(s, [](const Star& v) { return v.peak; })},
      {"psbl_sat", "", column<std::uint8_t>(s, [](const Star& v) { return v.saturated; })},
      {"bgmed_per_pix", "adu/pix", column<float>(s, [](const Star& v) { return v.background; })},
      {"adu_per_sec", "adu/s", column<double>(s, [](const Star& v) { return v.adu_per_sec; })},
      {"magnitude", "mag", column<float>(s, [](const Star& v) { return v.magnitude; })},
      {"sharpness", "", column<float>(s, [](const Star& v) { return v.sharpness; })},
      {"roundness1", "", column<float>(s, [](const Star& v) { return v.roundness1; })},
      {"roundness2", "", column<float>(s, [](const Star& v) { return v.roundness2; })}};
  return t;
}

Table psf_table(const StarsResult& r) {
  std::vector<std::int32_t> id;
  std::vector<double> x, y, nn;
  std::vector<std::string> region;
  for (const PsfStar& p : r.psf) {
    id.push_back(p.id);
    x.push_back(p.x);
    y.push_back(p.y);
    nn.push_back(p.nn_dist);
    region.push_back(region_name(p.region));
  }
  Table t;
  t.columns = {{"id", "", id}, {"xcenter", "pix", x}, {"ycenter", "pix", y},
               {"region", "", region}, {"nn_dist", "pix", nn}};
  const auto add_fit = [&](const char* prefix, PsfFit PsfStar::*which, bool moffat) {
    const auto col = [&](const char* name, const char* unit, auto get) {
      std::vector<double> v;
      for (const PsfStar& p : r.psf) v.push_back(get(p.*which));
      t.columns.push_back({fmt::format("{}{}", prefix, name), unit, std::move(v)});
    };
    col("xc_fit", "pix", [](const PsfFit& f) { return f.x; });
    col("xc_err", "pix", [](const PsfFit& f) { return f.x_err; });
    col("yc_fit", "pix", [](const PsfFit& f) { return f.y; });
    col("yc_err", "pix", [](const PsfFit& f) { return f.y_err; });
    col("ampl", "adu", [](const PsfFit& f) { return f.amplitude; });
    col("ampl_err", "adu", [](const PsfFit& f) { return f.amplitude_err; });
    col("fwhm_maj", "pix", [](const PsfFit& f) { return f.fwhm_major; });
    col("fwhm_maj_err", "pix", [](const PsfFit& f) { return f.fwhm_major_err; });
    col("fwhm_min", "pix", [](const PsfFit& f) { return f.fwhm_minor; });
    col("fwhm_min_err", "pix", [](const PsfFit& f) { return f.fwhm_minor_err; });
    col("theta", "deg", [](const PsfFit& f) { return f.theta_deg; });
    col("theta_err", "deg", [](const PsfFit& f) { return f.theta_err_deg; });
    col("ellip", "", [](const PsfFit& f) { return f.ellipticity(); });
    col("ellip_err", "", [](const PsfFit& f) { return f.ellipticity_err(); });
    if (moffat) {
      col("beta", "", [](const PsfFit& f) { return f.beta; });
      col("beta_err", "", [](const PsfFit& f) { return f.beta_err; });
    }
    col("rchisq", "", [](const PsfFit& f) { return f.reduced_chi2; });
    std::vector<std::uint8_t> ok;
    for (const PsfStar& p : r.psf) ok.push_back((p.*which).ok);
    t.columns.push_back({fmt::format("{}fit_ok", prefix), "", std::move(ok)});
  };
  add_fit("m_", &PsfStar::moffat, true);
  add_fit("g_", &PsfStar::gaussian, false);
  return t;
}

std::optional<double> plate_scale(const Header& h, const char* pixsz) {
  const auto size = h.get_double(pixsz), focal = h.get_double("FOCALLEN");
  if (!size || !focal || *size <= 0 || *focal <= 0) return std::nullopt;
  return 206.264806 * *size / *focal;
}

}  // namespace

Header source_list_header(const StarsResult& r, const Header& image, std::string_view image_file,
                          const StarsOptions& o) {
  Header h;
  h.set("IMG_FILE", std::string(image_file), "image the sources were measured on");
  h.set("IMG_COLS", static_cast<std::int64_t>(r.width), "[pix] image columns");
  h.set("IMG_ROWS", static_cast<std::int64_t>(r.height), "[pix] image rows");
  h.set("AP_NDET", static_cast<std::int64_t>(r.detected), "sources detected");
  h.set("AP_NPHOT", static_cast<std::int64_t>(r.stars.size()), "sources with photometry");
  h.set("AP_NFIT", static_cast<std::int64_t>(r.psf.size()), "stars sent to PSF fitting");
  h.set("AP_NGOOD", static_cast<std::int64_t>(r.good_fits()), "good Moffat PSF fits");
  h.set("AP_NSIGM", o.search_nsigma, "detection threshold, background sigma");
  h.set("AP_NSAT", static_cast<std::int64_t>(r.saturated_stars), "saturated stars in the image");
  h.set("AP_SATLV", r.saturation_level, "[adu] saturation level");
  for (const char* key : kCopied) {
    if (const Header::Card* c = image.find(key)) h.set(key, c->value, c->comment);
  }
  if (image.has("LONG-OBS") && !image.has("LON-OBS")) h.set("LON-OBS", image.find("LONG-OBS")->value);
  if (image.has("LON-OBS") && !image.has("LONG-OBS")) h.set("LONG-OBS", image.find("LON-OBS")->value);
  if (const auto p = header_pointing(image)) {
    h.set("APRX_RA", p->ra, "[deg] approximate centre RA");
    h.set("APRX_DEC", p->dec, "[deg] approximate centre Dec");
  }
  const auto xps = plate_scale(image, "XPIXSZ"), yps = plate_scale(image, "YPIXSZ");
  if (xps && yps) {
    const double wd = static_cast<double>(r.width) * *xps / 3600.0;
    const double hg = static_cast<double>(r.height) * *yps / 3600.0;
    h.set("APRX_XPS", *xps, "[arcsec/pix] approximate plate scale in x");
    h.set("APRX_YPS", *yps, "[arcsec/pix] approximate plate scale in y");
    h.set("APRX_XWD", wd, "[deg] approximate field width");
    h.set("APRX_YHG", hg, "[deg] approximate field height");
    h.set("APRX_FOV", std::hypot(wd, hg), "[deg] approximate field diagonal");
  }
  set_measured(h, "AP_FWHM", r.fwhm.value, "[pix] median FWHM of Moffat fits");
  set_measured(h, "AP_EFWHM", r.fwhm.error, "[pix] MAD std of the FWHM");
  set_measured(h, "AP_ELLIP", r.ellipticity.value, "median PSF ellipticity 1-b/a");
  set_measured(h, "AP_EELLI", r.ellipticity.error, "MAD std of the ellipticity");
  set_measured(h, "AP_PSFPA", r.theta_deg.value, "[deg] median PSF major axis from +x");
  set_measured(h, "AP_BETA", r.beta.value, "median Moffat beta");
  set_measured(h, "AP_GFWHM", r.fwhm_gaussian.value, "[pix] median FWHM of Gaussian fits");
  set_measured(h, "AP_BGMED", r.bg_median, "[adu] global background median");
  set_measured(h, "AP_BGSTD", r.bg_std, "[adu] global background std");
  h.set("AP_DFWHM", r.detect_fwhm, "[pix] FWHM of the last detection kernel");
  h.set("AP_APRAD", r.aperture_radius, "[pix] photometry aperture radius");
  for (const std::string& note : r.notes) h.add_history(note);
  stamp(h, "stars",
        fmt::format("search_fwhm={} search_nsigma={} bitdepth={} sat_frac={} retain_saturated={} "
                    "max_sources={}",
                    o.search_fwhm, o.search_nsigma, o.bitdepth, o.sat_frac, o.retain_saturated,
                    o.max_sources));
  return h;
}

void write_source_list(const std::filesystem::path& path, const StarsResult& r,
                       const Header& list_header) {
  FitsWriter w(path);
  w.add_empty(list_header);
  Header xy;
  xy.add_comment("X, Y are FITS 1-based pixel coordinates, brightest first");
  w.add_table(xypos_table(r), xy, "AP_XYPOS");
  Header mag;
  mag.add_comment("aperture photometry; xcenter, ycenter are 0-based pixel coordinates");
  w.add_table(photometry_table(r), mag, "AP_L1MAG");
  Header psf;
  psf.add_comment("PSF fits (m_ Moffat, g_ Gaussian); coordinates 0-based");
  w.add_table(psf_table(r), psf, "AP_L1PSF");
  w.commit();
}

std::string quality_report_yaml(const StarsResult& r, const Header& h) {
  YAML::Emitter out;
  out.SetIndent(4);
  out.SetDoublePrecision(7);
  const auto value = [&](const char* name, std::optional<double> v) {
    out << YAML::Key << name << YAML::Value;
    if (v && std::isfinite(*v)) out << *v;
    else out << YAML::Null;
  };
  const auto text = [&](const char* name, const char* key) {
    out << YAML::Key << name << YAML::Value;
    if (const auto s = h.get_string(key)) out << *s;
    else out << YAML::Null;
  };
  out << YAML::BeginMap;
  out << YAML::Key << "image_info" << YAML::Value << YAML::BeginMap;
  text("file", "IMG_FILE");
  value("ncols", static_cast<double>(r.width));
  value("nrows", static_cast<double>(r.height));
  text("object", "OBJECT");
  text("telescope", "TELESCOP");
  text("filter", "FILTER");
  text("date-obs", "DATE-OBS");
  value("mjd-mid", h.get_double("MJD-MID"));
  value("exposure", r.exposure_assumed ? std::nullopt : std::optional<double>(r.exposure));
  value("ccd_temperature", h.get_double("CCD-TEMP"));
  value("electronic_gain", h.get_double("EGAIN"));
  value("airmass", h.get_double("AIRMASS"));
  value("approx_width_deg", h.get_double("APRX_XWD"));
  value("approx_height_deg", h.get_double("APRX_YHG"));
  value("approx_xpixsiz_arcs", h.get_double("APRX_XPS"));
  value("approx_ypixsiz_arcs", h.get_double("APRX_YPS"));
  out << YAML::EndMap;

  out << YAML::Key << "background_info" << YAML::Value << YAML::BeginMap;
  value("median", r.bg_median);
  value("stddev", r.bg_std);
  out << YAML::EndMap;

  out << YAML::Key << "source_info" << YAML::Value << YAML::BeginMap;
  value("num_detected", static_cast<double>(r.detected));
  value("num_with_photometry", static_cast<double>(r.stars.size()));
  value("search_nsigma", h.get_double("AP_NSIGM"));
  const bool any = !r.stars.empty();
  value("adups_brightest", any ? std::optional(r.adups_brightest) : std::nullopt);
  value("adups_median", any ? std::optional(r.adups_median) : std::nullopt);
  value("adups_faintest", any ? std::optional(r.adups_faintest) : std::nullopt);
  out << YAML::EndMap;

  std::size_t sat_phot = 0;
  for (const Star& s : r.stars) sat_phot += s.saturated;
  out << YAML::Key << "saturation_info" << YAML::Value << YAML::BeginMap;
  value("num_saturated_in_image", static_cast<double>(r.saturated_stars));
  value("num_saturated_in_photometry", static_cast<double>(sat_phot));
  out << YAML::EndMap;

  // Arcsec per pixel along the mean axis, for the FWHM in arcsec.
  const auto xps = h.get_double("APRX_XPS"), yps = h.get_double("APRX_YPS");
  const double scale = xps && yps ? std::sqrt(0.5 * (*xps * *xps + *yps * *yps))
                                  : std::numeric_limits<double>::quiet_NaN();
  const auto arcsec = [&](double pix) { return std::optional(pix * scale); };
  out << YAML::Key << "psf_info" << YAML::Value << YAML::BeginMap;
  value("num_fit", static_cast<double>(r.psf.size()));
  value("num_good_fit", static_cast<double>(r.good_fits()));
  out << YAML::Key << "model" << YAML::Value << "moffat";
  value("fwhm_val_pix", r.fwhm.value);
  value("fwhm_err_pix", r.fwhm.error);
  value("fwhm_val_arcs", arcsec(r.fwhm.value));
  value("fwhm_err_arcs", arcsec(r.fwhm.error));
  value("num_data_pts", static_cast<double>(r.fwhm.n));
  value("fwhm_major_pix", r.fwhm_major.value);
  value("fwhm_minor_pix", r.fwhm_minor.value);
  value("ellipticity", r.ellipticity.value);
  value("ellipticity_err", r.ellipticity.error);
  value("theta_deg", r.theta_deg.value);
  value("moffat_beta", r.beta.value);
  value("gaussian_fwhm_pix", r.fwhm_gaussian.value);
  out << YAML::Key << "circular_psf" << YAML::Value;
  if (r.ellipticity.n > 0) out << (r.ellipticity.value <= 3.0 * std::max(r.ellipticity.error, 0.01));
  else out << YAML::Null;
  out << YAML::EndMap;

  out << YAML::Key << "quality_info" << YAML::Value << YAML::BeginMap;
  value("star_count", static_cast<double>(r.stars.size()));
  value("sky_noise_adu", r.bg_std);
  value("sky_adu", r.bg_median);
  out << YAML::Key << "notes" << YAML::Value << YAML::BeginSeq;
  for (const std::string& n : r.notes) out << n;
  out << YAML::EndSeq << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string ds9_regions(const StarsResult& r) {
  std::string s = "# Region file format: DS9 version 4.1\n";
  s += "global color=red width=1 font=\"helvetica 9 normal roman\"\nimage\n";
  for (const Star& st : r.stars) {
    s += fmt::format("circle({:.3f},{:.3f},{:.2f}) # text={{{}}}\n", st.x + 1.0, st.y + 1.0,
                     r.aperture_radius, st.id);
  }
  return s;
}

}  // namespace ap
