#include "colour/rgb.h"

#include <fitsio.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/png.h"
#include "core/stats.h"

namespace ap {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Quantile q (0..1) of the finite values, from every k-th pixel (at most ~2 M).
double quantile(const Image& img, double q) {
  const std::size_t k = std::max<std::size_t>(1, img.size() / 2'000'000);
  std::vector<float> v;
  v.reserve(img.size() / k + 1);
  for (std::size_t i = 0; i < img.size(); i += k)
    if (std::isfinite(img.data()[i])) v.push_back(img.data()[i]);
  return v.empty() ? 0.0 : percentile(v, 100.0 * q);
}

}  // namespace

Stretch parse_stretch(std::string_view name) {
  if (name == "asinh") return Stretch::kAsinh;
  if (name == "power") return Stretch::kPower;
  throw Error(ExitCode::kUsage, fmt::format("unknown stretch '{}' (asinh or power)", name));
}

std::array<std::string, 3> preset_filters(std::string_view preset) {
  const std::string p = lower(preset);
  if (p == "rgb" || p == "lrgb") return {"Red", "Green", "Blue"};
  if (p == "sho") return {"SII", "Ha", "OIII"};
  if (p == "hoo") return {"Ha", "OIII", "OIII"};
  if (p == "hgb") return {"Ha", "Green", "Blue"};
  throw Error(ExitCode::kUsage, fmt::format("unknown preset '{}' (rgb, lrgb, sho, hoo, hgb)", preset));
}

RgbImage compose_rgb(const Image& r, const Image& g, const Image& b, const RgbOptions& o, const Image* lum) {
  if (lum && !lum->same_shape(r))
    throw Error(ExitCode::kBadInput, fmt::format("rgb: the luminance image ({}x{}) differs in size from the channels "
                                                 "({}x{}); resample it onto their grid first",
                                                 lum->width(), lum->height(), r.width(), r.height()));
  if (!r.same_shape(g) || !r.same_shape(b))
    throw Error(ExitCode::kBadInput, fmt::format("rgb: the channels differ in size ({}x{}, {}x{}, {}x{}); "
                                                 "resample them onto one grid first",
                                                 r.width(), r.height(), g.width(), g.height(), b.width(), b.height()));
  if (o.bits != 8 && o.bits != 16) throw Error(ExitCode::kUsage, "rgb: --bits is 8 or 16");
  const std::array<const Image*, 3> ch = {&r, &g, &b};
  const double pixmax = o.bits == 8 ? 255.0 : 65535.0;
  RgbImage out;
  out.width = r.width();
  out.height = r.height();
  out.bits = o.bits;
  out.samples.assign(out.width * out.height * 3, 0);
  const std::size_t w = out.width, h = out.height;

  if (o.stretch == Stretch::kAsinh) {
    std::array<double, 3> minimum{};
    if (o.minimum) {
      minimum = *o.minimum;
    } else {
      for (int c = 0; c < 3; ++c) minimum[static_cast<std::size_t>(c)] = quantile(*ch[static_cast<std::size_t>(c)], 0.5);
    }
    // The luminance's black level: the mean of the channels' when given, else its sky.
    const double lum_minimum = !lum ? 0.0 : o.minimum ? (minimum[0] + minimum[1] + minimum[2]) / 3.0 : quantile(*lum, 0.5);
    double stretch = 0.0;
    if (o.asinh_stretch) {
      stretch = *o.asinh_stretch;
    } else {
      Image intensity(w, h);
      for (std::size_t i = 0; i < intensity.size(); ++i)
        intensity.data()[i] = lum ? static_cast<float>(lum->data()[i] - lum_minimum)
                                  : static_cast<float>((r.data()[i] - minimum[0] + g.data()[i] - minimum[1] + b.data()[i] - minimum[2]) / 3.0);
      stretch = std::max(quantile(intensity, 0.995), 1e-12);
    }
    // astropy's AsinhMapping, to the same floating-point steps (float32 images).
    double q = o.q;
    if (std::abs(q) < 1.0 / (1 << 23)) q = 0.1;
    q = std::min(q, 1e10);
    const double slope = 0.1 * pixmax / std::asinh(0.1 * q), soften = q / stretch;
    parallel_for(0, h, [&](std::size_t y0, std::size_t y1) {
      for (std::size_t y = y0; y < y1; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
          std::array<float, 3> v;
          for (std::size_t c = 0; c < 3; ++c) v[c] = static_cast<float>((*ch[c])(x, y) - static_cast<float>(minimum[c]));
          const float intensity = static_cast<float>((v[0] + v[1] + v[2]) / 3.0);
          // LRGB: the stretched luminance shared out in the channels' ratios.
          const float bright = lum ? static_cast<float>((*lum)(x, y) - static_cast<float>(lum_minimum)) : intensity;
          const double fac = intensity <= 0 || bright <= 0 ? 0.0 : std::asinh(bright * soften) * slope / intensity;
          for (float& c : v) {
            c = static_cast<float>(c * fac);
            if (c < 0) c = 0;
          }
          const float top = v[0] > v[1] ? (v[0] > v[2] ? v[0] : v[2]) : (v[1] > v[2] ? v[1] : v[2]);
          std::uint16_t* px = &out.samples[((h - 1 - y) * w + x) * 3];
          for (std::size_t c = 0; c < 3; ++c) {
            double s = top >= pixmax ? v[c] * pixmax / top : v[c];
            if (!std::isfinite(s)) s = 0;
            px[c] = static_cast<std::uint16_t>(std::min(pixmax, std::trunc(s)));
          }
        }
      }
    });
    return out;
  }

  // Levels of R, G, B and the luminance.
  std::array<double, 4> lo{}, hi{};
  for (std::size_t c = 0; c < (lum ? 4u : 3u); ++c) {
    const Image& img = c < 3 ? *ch[c] : *lum;
    lo[c] = quantile(img, o.min_quantile);
    hi[c] = quantile(img, o.max_quantile);
    if (!(hi[c] > lo[c])) hi[c] = lo[c] + 1.0;
  }
  const double exponent = o.gamma_fac / o.gamma;
  const auto level = [&](double v, std::size_t c) {
    return std::isfinite(v) ? std::pow(std::clamp((v - lo[c]) / (hi[c] - lo[c]), 0.0, 1.0), exponent) : 0.0;
  };
  parallel_for(0, h, [&](std::size_t y0, std::size_t y1) {
    for (std::size_t y = y0; y < y1; ++y) {
      for (std::size_t x = 0; x < w; ++x) {
        std::array<double, 3> t;
        for (std::size_t c = 0; c < 3; ++c) t[c] = level((*ch[c])(x, y), c);
        double grey = (t[0] + t[1] + t[2]) / 3.0;
        if (lum) {  // the channels' colour at the luminance's level
          const double l = level((*lum)(x, y), 3);
          for (double& v : t) v = grey > 0 ? v * l / grey : l;
          grey = l;
        }
        std::uint16_t* px = &out.samples[((h - 1 - y) * w + x) * 3];
        for (std::size_t c = 0; c < 3; ++c)
          px[c] = static_cast<std::uint16_t>(std::lround(pixmax * std::clamp(grey + o.colour_sat * (t[c] - grey), 0.0, 1.0)));
      }
    }
  });
  return out;
}

RgbImage shrink(const RgbImage& rgb, std::size_t max_side) {
  const std::size_t step = std::max<std::size_t>(1, (std::max(rgb.width, rgb.height) + max_side - 1) / max_side);
  RgbImage out;
  out.width = std::max<std::size_t>(1, rgb.width / step);
  out.height = std::max<std::size_t>(1, rgb.height / step);
  out.bits = rgb.bits;
  out.samples.assign(out.width * out.height * 3, 0);
  for (std::size_t y = 0; y < out.height; ++y) {
    for (std::size_t x = 0; x < out.width; ++x) {
      for (std::size_t c = 0; c < 3; ++c) {
        double sum = 0.0;
        for (std::size_t j = 0; j < step; ++j)
          for (std::size_t i = 0; i < step; ++i) sum += rgb.samples[((y * step + j) * rgb.width + x * step + i) * 3 + c];
        out.samples[(y * out.width + x) * 3 + c] = static_cast<std::uint16_t>(std::lround(sum / static_cast<double>(step * step)));
      }
    }
  }
  return out;
}

void write_rgb(const std::filesystem::path& path, const RgbImage& rgb) {
  const std::string ext = lower(path.extension().string());
  if (ext == ".png") {
    PngPixels p;
    p.width = rgb.width;
    p.height = rgb.height;
    p.channels = 3;
    p.bit_depth = rgb.bits;
    std::vector<std::uint8_t> s8;
    if (rgb.bits == 8) {
      s8.assign(rgb.samples.begin(), rgb.samples.end());
      p.samples = s8;
    } else {
      p.samples16 = rgb.samples;
    }
    write_png(path, p);
  } else if (ext == ".tif" || ext == ".tiff") {
    write_file_atomically(path, encode_tiff(rgb));
  } else if (ext == ".fits" || ext == ".fit") {
    // A cube NAXIS3 = 3 (R, G, B) scaled 0..1, FITS row order (bottom row first).
    const auto temp = temporary_path(path);
    int status = 0;
    fitsfile* f = nullptr;
    fits_create_file(&f, temp.c_str(), &status);
    long axes[3] = {static_cast<long>(rgb.width), static_cast<long>(rgb.height), 3};
    fits_create_img(f, FLOAT_IMG, 3, axes, &status);
    const double top = rgb.bits == 8 ? 255.0 : 65535.0;
    std::vector<float> plane(rgb.width * rgb.height);
    for (std::size_t c = 0; c < 3 && status == 0; ++c) {
      for (std::size_t y = 0; y < rgb.height; ++y)
        for (std::size_t x = 0; x < rgb.width; ++x)
          plane[y * rgb.width + x] = static_cast<float>(rgb.samples[((rgb.height - 1 - y) * rgb.width + x) * 3 + c] / top);
      fits_write_img(f, TFLOAT, static_cast<LONGLONG>(c * plane.size() + 1), static_cast<LONGLONG>(plane.size()), plane.data(), &status);
    }
    fits_close_file(f, &status);
    std::error_code ec;
    if (status == 0) std::filesystem::rename(temp, path, ec);
    if (status != 0 || ec) {
      std::filesystem::remove(temp, ec);
      throw output_error(path.string(), "cannot write the FITS cube");
    }
  } else {
    throw Error(ExitCode::kUsage, fmt::format("{}: the output is .png, .tif/.tiff or .fits", path.string()));
  }
}

}  // namespace ap
