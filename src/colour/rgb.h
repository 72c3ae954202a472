// Colour composites from three aligned images (`ap rgb`; the original left
// them to STIFF): the Lupton et al. (2004) asinh stretch that keeps colours
// (the same numbers as astropy's make_lupton_rgb), and a STIFF-like
// power-law stretch with quantile black and white levels, gamma and colour
// saturation; LRGB, where a luminance image sets the brightness and the
// three channels only the colour; presets that say which filter feeds which channel; 8- or
// 16-bit output rows top to bottom, north up as ds9 shows FITS data.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/image.h"

namespace ap {

enum class Stretch { kAsinh, kPower };
Stretch parse_stretch(std::string_view name);  // "asinh" or "power"

struct RgbOptions {
  Stretch stretch = Stretch::kAsinh;
  // asinh: black level per channel (default: each channel's median, the sky),
  // linear stretch (default: the 99.5th percentile of the intensity above
  // the black levels) and softening Q.
  std::optional<std::array<double, 3>> minimum;
  std::optional<double> asinh_stretch;
  double q = 8.0;
  // power: black and white levels at these quantiles of each channel, then
  // t^(gamma_fac / gamma) and chroma scaled by colour_sat around the grey.
  double min_quantile = 0.6, max_quantile = 0.999;
  double gamma = 2.2, gamma_fac = 1.0, colour_sat = 1.0;
  int bits = 8;  // 8 or 16
};

// Interleaved RGB samples, rows top to bottom (the FITS row 0 last).
struct RgbImage {
  std::size_t width = 0, height = 0;
  int bits = 8;
  std::vector<std::uint16_t> samples;  // 3 per pixel, 0..255 or 0..65535
};

// With `lum`, each pixel keeps the colour (channel ratios) of r, g, b and
// takes its brightness from the luminance image, stretched as the intensity
// would be (its own median as black level, its own quantiles); when lum is
// the mean of r, g and b the result is the plain composite. Throws ap::Error
// (kBadInput) when the sizes differ.
RgbImage compose_rgb(const Image& r, const Image& g, const Image& b, const RgbOptions& options,
                     const Image* lum = nullptr);

// Which filters feed R, G and B: rgb (Red, Green, Blue), sho (SII, Ha, OIII),
// hoo (Ha, OIII, OIII), hgb (Ha, Green, Blue), lrgb (Red, Green, Blue under
// a luminance image). Throws ap::Error (kUsage).
std::array<std::string, 3> preset_filters(std::string_view preset);

// Block averages down to at most max_side pixels on the longer side (previews).
RgbImage shrink(const RgbImage& rgb, std::size_t max_side);

// Writes PNG, TIFF (by extension) or a FITS cube of the three channels
// scaled 0..1 (.fits); atomically. Throws ap::Error (kUsage) for another extension.
void write_rgb(const std::filesystem::path& path, const RgbImage& rgb);

// TIFF through libtiff (colour/write_tiff.cpp: no wcslib header next to tiffio.h).
std::string encode_tiff(const RgbImage& rgb);

}  // namespace ap
