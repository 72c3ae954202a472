#include "calib/calibrate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "calib/text.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/stats.h"

namespace ap {
namespace fs = std::filesystem;
namespace {

// The flat's scale: sigma-clipped median of the central half of each axis,
// zeros and non-finite values left out.
double central_median(const Image& flat) {
  const std::size_t w = flat.width(), h = flat.height();
  std::vector<float> values;
  values.reserve(w * h / 4);
  for (std::size_t y = h / 4; y < h - h / 4; ++y) {
    for (std::size_t x = w / 4; x < w - w / 4; ++x) {
      const float v = flat(x, y);
      if (std::isfinite(v) && v != 0.0f) values.push_back(v);
    }
  }
  if (values.empty()) return std::nan("");
  return sigma_clipped_stats(values, SigmaClipOptions::symmetric(3.0, 5)).median;
}

std::string text(const Header& h, std::string_view key) {
  return std::string(calib_text::trim(h.get_string(key).value_or("")));
}

// The light must match the masters in what makes them valid for it.
void check_fit(const FitsImage& light, std::string_view name, const Masters& m,
               double temp_tolerance, std::vector<std::string>& warnings) {
  const Image& img = light.image;
  const auto check_shape = [&](const FitsImage& master, const fs::path& path) {
    if (!img.same_shape(master.image)) {
      throw input_error(name, fmt::format("size {}x{} does not fit the master {} ({}x{})",
                                          img.width(), img.height(), path.filename().string(),
                                          master.image.width(), master.image.height()));
    }
    for (const char* key : {"XBINNING", "YBINNING"}) {
      const auto a = light.header().get_double(key), b = master.header().get_double(key);
      if (a && b && *a != *b) {
        throw input_error(name, fmt::format("{} {} does not fit the master {} ({} {})", key, *a,
                                            path.filename().string(), key, *b));
      }
    }
    const auto t_light = light.header().get_double("SET-TEMP");
    const auto t_master = master.header().get_double("SET-TEMP");
    if (t_light && t_master && std::abs(*t_light - *t_master) > temp_tolerance) {
      warnings.push_back(fmt::format("SET-TEMP {} differs from {} of {} by more than {} C",
                                     *t_light, *t_master, path.filename().string(),
                                     temp_tolerance));
    }
  };
  check_shape(m.bias, m.bias_path);
  check_shape(m.dark, m.dark_path);
  if (m.flat) {
    check_shape(*m.flat, m.flat_path);
    const std::string a = text(light.header(), "FILTER"), b = text(m.flat->header(), "FILTER");
    if (!a.empty() && !b.empty() && calib_text::lower(a) != calib_text::lower(b)) {
      throw input_error(name, fmt::format("FILTER '{}' does not fit the flat {} (FILTER '{}')", a,
                                          m.flat_path.filename().string(), b));
    }
  }
  if (m.badpix && !img.same_shape(*m.badpix)) {
    throw input_error(name, fmt::format("size {}x{} does not fit the mask {} ({}x{})",
                                        img.width(), img.height(),
                                        m.badpix_path.filename().string(), m.badpix->width(),
                                        m.badpix->height()));
  }
}

double header_value(const Header& h, std::initializer_list<std::string_view> keys,
                    std::string_view name, std::string_view what) {
  if (const auto v = h.get_double_any(keys)) return *v;
  std::string list;
  for (const auto k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
  throw input_error(name, fmt::format("no {} in the header ({}) for cosmic-ray cleaning", what,
                                      list));
}

}  // namespace

DarkBias parse_dark_bias(std::string_view name) {
  const std::string n = calib_text::lower(calib_text::trim(name));
  if (n == "auto") return DarkBias::kAuto;
  if (n == "biased") return DarkBias::kStillBiased;
  if (n == "unbiased") return DarkBias::kBiasFree;
  throw Error(ExitCode::kUsage,
              fmt::format("dark bias '{}': expected auto, biased or unbiased", name));
}

Masters Masters::load(const fs::path& bias, const fs::path& dark, const fs::path& flat,
                      const fs::path& badpix, DarkBias dark_bias) {
  Masters m;
  m.bias_path = bias;
  m.dark_path = dark;
  m.flat_path = flat;
  m.badpix_path = badpix;
  m.bias = read_image(bias);
  m.dark = read_image(dark);
  m.dark_exposure = exposure_seconds(m.dark.header(), dark, "to scale the dark");
  const auto calstat = m.dark.header().get_string("CALSTAT");
  m.dark_holds_bias = dark_bias == DarkBias::kStillBiased ||
                      (dark_bias == DarkBias::kAuto && calstat &&
                       calstat->find('B') == std::string::npos);
  if (!m.dark.image.same_shape(m.bias.image)) {
    throw input_error(dark.string(), fmt::format("size {}x{} differs from the bias {} ({}x{})",
                                                 m.dark.image.width(), m.dark.image.height(),
                                                 bias.filename().string(), m.bias.image.width(),
                                                 m.bias.image.height()));
  }
  if (!flat.empty()) {
    m.flat = read_image(flat);
    m.flat_norm = central_median(m.flat->image);
    if (!(m.flat_norm > 0.0)) {
      throw input_error(flat.string(), "the flat's central region has no positive value");
    }
    m.flat_normalised = m.flat->image;
    const auto scale = static_cast<float>(1.0 / m.flat_norm);
    for (float& v : m.flat_normalised.pixels()) v *= scale;
  }
  if (!badpix.empty()) m.badpix = read_mask(badpix, "");
  return m;
}

CalibrateResult calibrate(const FitsImage& light, std::string_view name, const Masters& m,
                          const CalibrateOptions& o) {
  CalibrateResult r;
  check_fit(light, name, m, o.temp_tolerance, r.warnings);
  const double t = exposure_seconds(light.header(), std::string(name), "to scale the dark");
  r.dark_scale = t / m.dark_exposure;
  const auto k = static_cast<float>(r.dark_scale);
  const std::size_t w = light.image.width(), h = light.image.height();
  r.image = Image(w, h);
  r.mask = Mask(w, h);
  const bool holds_bias = m.dark_holds_bias;
  const bool flat = m.flat.has_value();
  const std::uint8_t* badpix = m.badpix ? m.badpix->data() : nullptr;
  // Pixels of the master mask keep their bits, and are marked interpolated when repaired.
  const std::uint8_t repaired = o.fix_badpix ? kMaskInterpolated : 0;
  // One pass: bias, scaled dark and flat fused per pixel.
  parallel_for(
      0, h,
      [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
          const float* raw = light.image.row(y).data();
          const float* b = m.bias.image.row(y).data();
          const float* d = m.dark.image.row(y).data();
          float* out = r.image.row(y).data();
          std::uint8_t* mask = r.mask.row(y).data();
          for (std::size_t x = 0; x < w; ++x) {
            const std::uint8_t bad = badpix != nullptr ? badpix[y * w + x] : 0;
            mask[x] = bad != 0 ? bad | repaired : 0;
            const float dark = holds_bias ? d[x] - b[x] : d[x];
            float v = raw[x] - b[x] - k * dark;
            if (flat) {
              const float f = m.flat_normalised(x, y);
              if (std::isfinite(f) && f != 0.0f) {
                v /= f;
              } else {
                mask[x] |= kMaskNoData;
              }
            }
            out[x] = v;
          }
        }
      },
      16);
  if (m.badpix && o.fix_badpix) r.badpix = fix_bad_pixels(r.image, *m.badpix, o.badpix);
  if (o.fix_cosmics) {
    LaCosmicOptions c = o.cosmics;
    if (std::isnan(c.gain)) c.gain = header_value(light.header(), {"EGAIN", "GAIN"}, name, "gain");
    if (std::isnan(c.readnoise)) {
      c.readnoise = header_value(light.header(), {"RDNOISE", "READNOIS", "RON"}, name,
                                 "read noise");
    }
    LaCosmicResult cr = detect_cosmics(r.image, c, &r.mask);
    r.image = std::move(cr.cleaned);
    r.cosmic_pixels = cr.ncr;
    for (std::size_t i = 0; i < r.mask.size(); ++i) {
      if (cr.crmask.data()[i] != 0) r.mask.data()[i] |= kMaskCosmic;
    }
  }
  return r;
}

Header calibrated_header(const FitsImage& light, const Masters& m, const CalibrateOptions& o,
                         const CalibrateResult& r) {
  Header h = light.header();
  h.erase("PEDESTAL");
  h.set("BUNIT", std::string("adu"), "Physical unit of the data");
  h.set("BIASCORR", true, "Bias subtracted");
  h.set("BIASFILE", m.bias_path.filename().string(), "Master bias");
  h.set("DARKCORR", true, "Dark subtracted");
  h.set("DARKFILE", m.dark_path.filename().string(), "Master dark");
  h.set("DARKSCAL", r.dark_scale, "Dark scale: exposure / dark exposure");
  h.set("DARKBIAS", m.dark_holds_bias, "The master dark held the bias (removed first)");
  if (m.flat) {
    h.set("FLATCORR", true, "Flat-field corrected");
    h.set("FLATFILE", m.flat_path.filename().string(), "Master flat");
    h.set("FLATNORM", m.flat_norm, "Flat normalisation: clipped median of its centre");
  }
  if (m.badpix && o.fix_badpix) {
    h.set("BPIXFILE", m.badpix_path.filename().string(), "Bad-pixel mask");
    add_badpix_keywords(h, r.badpix, o.badpix);
  }
  if (o.fix_cosmics) {
    h.set("CR_CLEAN", true, "Cosmic rays cleaned (L.A.Cosmic)");
    h.set("CR_NPIX", static_cast<std::int64_t>(r.cosmic_pixels), "Pixels flagged as cosmic rays");
  }
  return h;
}

}  // namespace ap
