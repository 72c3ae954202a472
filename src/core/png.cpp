#include "core/png.h"

#include <fmt/format.h>
#include <png.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/stats.h"

namespace ap {
namespace {

void append(png_structp png, png_bytep data, png_size_t size) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), size);
}

[[noreturn]] void png_failed(png_structp, png_const_charp message) {
  throw Error(ExitCode::kFailed, fmt::format("PNG encoding failed: {}", message));
}

void png_warned(png_structp, png_const_charp) {}

}  // namespace

std::string encode_png(const PngPixels& p) {
  const std::size_t row_samples = p.width * static_cast<std::size_t>(p.channels);
  const std::size_t have = p.bit_depth == 16 ? p.samples16.size() : p.samples.size();
  if ((p.bit_depth != 8 && p.bit_depth != 16) || p.channels < 1 || p.channels > 4 ||
      p.width == 0 || p.height == 0 || have != row_samples * p.height) {
    throw Error(ExitCode::kFailed,
                fmt::format("PNG encoding: {}x{}x{} samples of {} bits expected, {} given",
                            p.width, p.height, p.channels, p.bit_depth, have));
  }
  static constexpr int kTypes[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                   PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
  std::string out;
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, png_failed, png_warned);
  png_infop info = png_create_info_struct(png);
  try {
    png_set_write_fn(png, &out, append, nullptr);
    png_set_IHDR(png, info, static_cast<png_uint_32>(p.width), static_cast<png_uint_32>(p.height),
                 p.bit_depth, kTypes[p.channels - 1], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    if (p.bit_depth == 16 && std::endian::native == std::endian::little) png_set_swap(png);
    for (std::size_t y = 0; y < p.height; ++y) {
      const void* row = p.bit_depth == 16
                            ? static_cast<const void*>(p.samples16.data() + y * row_samples)
                            : static_cast<const void*>(p.samples.data() + y * row_samples);
      png_write_row(png, static_cast<png_const_bytep>(row));
    }
    png_write_end(png, nullptr);
  } catch (...) {
    png_destroy_write_struct(&png, &info);
    throw;
  }
  png_destroy_write_struct(&png, &info);
  return out;
}

void write_png(const std::filesystem::path& path, const PngPixels& pixels) {
  write_file_atomically(path, encode_png(pixels));
}

GreyPreview preview_grey(const Image& image, std::size_t max_side) {
  const std::size_t w = image.width(), h = image.height();
  const std::size_t step = std::max<std::size_t>(1, (std::max(w, h) + max_side - 1) / max_side);
  const std::size_t pw = std::max<std::size_t>(1, w / step);
  const std::size_t ph = std::max<std::size_t>(1, h / step);
  // Block means (NaN-ignoring), then the stretch from their percentiles.
  std::vector<float> small(pw * ph, std::numeric_limits<float>::quiet_NaN());
  for (std::size_t y = 0; y < ph; ++y) {
    for (std::size_t x = 0; x < pw; ++x) {
      double sum = 0.0;
      std::size_t n = 0;
      for (std::size_t yy = y * step; yy < std::min(h, (y + 1) * step); ++yy) {
        for (std::size_t xx = x * step; xx < std::min(w, (x + 1) * step); ++xx) {
          const float v = image(xx, yy);
          if (std::isfinite(v)) sum += v, ++n;
        }
      }
      if (n > 0) small[y * pw + x] = static_cast<float>(sum / static_cast<double>(n));
    }
  }
  double lo = nanpercentile(small, 10.0), hi = nanpercentile(small, 99.5);
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0.0, hi = 1.0;
  const double span = hi > lo ? hi - lo : 1.0;
  constexpr double kSoftening = 30.0;  // asinh(30 t) / asinh(30): the sky a dark grey
  GreyPreview out;
  out.width = pw;
  out.height = ph;
  out.step = step;
  out.grey.assign(pw * ph, 0);
  auto& grey = out.grey;
  for (std::size_t y = 0; y < ph; ++y) {
    for (std::size_t x = 0; x < pw; ++x) {
      const float v = small[y * pw + x];
      if (!std::isfinite(v)) continue;
      const double t = std::clamp((v - lo) / span, 0.0, 1.0);
      const double s = std::asinh(kSoftening * t) / std::asinh(kSoftening);
      grey[(ph - 1 - y) * pw + x] = static_cast<std::uint8_t>(std::lround(255.0 * s));
    }
  }
  return out;
}

std::string preview_png(const Image& image, std::size_t max_side) {
  const GreyPreview g = preview_grey(image, max_side);
  PngPixels pixels;
  pixels.width = g.width;
  pixels.height = g.height;
  pixels.samples = g.grey;
  return encode_png(pixels);
}

}  // namespace ap
