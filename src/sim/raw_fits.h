// Unsigned 16-bit FITS images as MaxIm DL writes them (BITPIX 16, BZERO 32768).
//
// Stand-in until core/fits.h offers an unsigned 16-bit pixel type for
// FitsWriter; it follows the same rules: the structural keywords come from the
// data, the file is written to a hidden temporary name and renamed into place.
// Unlike FitsWriter it keeps PEDESTAL, which raw MaxIm frames carry.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "core/header.h"

namespace ap::sim {

// Throws ap::Error (kOutputError) naming the file when it cannot be written.
void write_uint16_image(const std::filesystem::path& path, std::span<const std::uint16_t> pixels,
                        std::size_t width, std::size_t height, const Header& header);

}  // namespace ap::sim
