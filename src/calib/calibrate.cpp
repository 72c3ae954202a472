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

// The output header (CalibrateResult::header).
Header calibrated_header(const Header& light, const Masters& m, const CalibrateOptions& o,
                         const CalibrateResult& r) {
  Header h = light;
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
  if (m.dark_holds_bias) {
    const float* b = m.bias.image.data();
    float* d = m.dark.image.data();
    parallel_for(0, m.dark.image.size(), [&](std::size_t i0, std::size_t i1) {
      for (std::size_t i = i0; i < i1; ++i) d[i] -= b[i];
    }, 1 << 16);
  }
  if (!badpix.empty()) m.badpix = read_mask(badpix, "");
  m.base_mask = m.badpix ? *m.badpix : Mask(m.bias.image.width(), m.bias.image.height(), 0);
  if (!flat.empty()) {
    m.flat = read_image(flat);
    m.flat_norm = central_median(m.flat->image);
    if (!(m.flat_norm > 0.0)) {
      throw input_error(flat.string(), "the flat's central region has no positive value");
    }
    if (!m.flat->image.same_shape(m.bias.image))
      throw input_error(flat.string(), fmt::format("size {}x{} differs from the bias {}", m.flat->image.width(),
                                                   m.flat->image.height(), bias.filename().string()));
    m.flat_inverse = Image(m.flat->image.width(), m.flat->image.height());
    const float* f = m.flat->image.data();
    float* inv = m.flat_inverse.data();
    std::uint8_t* mask = m.base_mask.data();
    parallel_for(0, m.flat_inverse.size(), [&](std::size_t i0, std::size_t i1) {
      for (std::size_t i = i0; i < i1; ++i) {
        const bool ok = std::isfinite(f[i]) && f[i] != 0.0f;
        inv[i] = ok ? static_cast<float>(m.flat_norm / f[i]) : 1.0f;
        if (!ok) mask[i] |= kMaskNoData;
      }
    }, 1 << 16);
  }
  return m;
}

CalibrateResult calibrate(FitsImage light, std::string_view name, const Masters& m, const CalibrateOptions& o) {
  CalibrateResult r;
  check_fit(light, name, m, o.temp_tolerance, r.warnings);
  const double t = exposure_seconds(light.header(), std::string(name), "to scale the dark");
  r.dark_scale = t / m.dark_exposure;
  const auto k = static_cast<float>(r.dark_scale);
  const std::size_t w = light.image.width(), h = light.image.height();
  r.image = std::move(light.image);
  r.mask = Mask(w, h);
  const std::uint8_t* badpix = m.badpix ? m.badpix->data() : nullptr;
  // Pixels of the master mask keep their bits, and are marked interpolated when repaired.
  const std::uint8_t repaired = o.fix_badpix ? kMaskInterpolated : 0;
  // One pass: bias, scaled dark and flat fused per pixel.
  parallel_for(
      0, h,
      [&](std::size_t y0, std::size_t y1) {
        for (std::size_t y = y0; y < y1; ++y) {
          const float* raw = r.image.row(y).data();  // calibrated in place
          const float* b = m.bias.image.row(y).data();
          const float* d = m.dark.image.row(y).data();
          const float* inv = m.flat ? m.flat_inverse.row(y).data() : nullptr;
          const std::uint8_t* base = m.base_mask.row(y).data();
          const std::uint8_t* bad = badpix ? badpix + y * w : nullptr;
          float* out = r.image.row(y).data();
          std::uint8_t* mask = r.mask.row(y).data();
          if (inv) {
            for (std::size_t x = 0; x < w; ++x) out[x] = (raw[x] - b[x] - k * d[x]) * inv[x];
          } else {
            for (std::size_t x = 0; x < w; ++x) out[x] = raw[x] - b[x] - k * d[x];
          }
          if (bad) {
            for (std::size_t x = 0; x < w; ++x) mask[x] = static_cast<std::uint8_t>(base[x] | (bad[x] ? repaired : 0));
          } else {
            std::copy(base, base + w, mask);
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
  r.header = calibrated_header(light.header(), m, o, r);
  return r;
}


}  // namespace ap
