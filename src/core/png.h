// PNG encoding through libpng, for thumbnails, plots and colour composites.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/image.h"

namespace ap {

// Interleaved 8- or 16-bit samples, rows top to bottom, `channels` per pixel
// (1 grey, 3 RGB, 4 RGBA); 16-bit samples in native byte order.
struct PngPixels {
  std::size_t width = 0;
  std::size_t height = 0;
  int channels = 1;
  int bit_depth = 8;
  std::span<const std::uint8_t> samples;  // 8-bit (bit_depth 8)
  std::span<const std::uint16_t> samples16;  // or 16-bit (bit_depth 16)
};

// The PNG file's bytes. Throws ap::Error (kFailed) on a size mismatch.
std::string encode_png(const PngPixels& pixels);

// Writes the PNG atomically; throws ap::Error (kOutputError).
void write_png(const std::filesystem::path& path, const PngPixels& pixels);

// An 8-bit grey rendering of `image`: asinh stretch between the 10th and
// 99.5th percentiles of its finite pixels, FITS row order turned so that
// north-up data looks as ds9 shows it (row 0 at the bottom), reduced by
// block averaging to at most `max_side` pixels on its longer side.
// Pixel (x, y) of the preview covers image pixels [x * step, (x + 1) * step)
// and rows from (height - 1 - y) * step.
struct GreyPreview {
  std::size_t width = 0, height = 0, step = 1;
  std::vector<std::uint8_t> grey;  // rows top to bottom
};
GreyPreview preview_grey(const Image& image, std::size_t max_side);
// The same as a PNG file's bytes.
std::string preview_png(const Image& image, std::size_t max_side = 256);

}  // namespace ap
