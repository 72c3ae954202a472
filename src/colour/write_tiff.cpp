// TIFF encoding, alone in its file: tiffio.h and wcslib headers both define int64.
#include <tiffio.h>
#include <tiffio.hxx>

#include <sstream>

#include "colour/rgb.h"
#include "core/error.h"

namespace ap {

std::string encode_tiff(const RgbImage& rgb) {
  std::ostringstream out;
  TIFF* tif = TIFFStreamOpen("memory", static_cast<std::ostream*>(&out));
  if (!tif) throw Error(ExitCode::kFailed, "TIFF: libtiff could not start");
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(rgb.width));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(rgb.height));
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, rgb.bits);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, static_cast<std::uint32_t>(std::max<std::size_t>(1, 65536 / (rgb.width * 3))));
  const std::size_t per_row = rgb.width * 3;
  std::vector<std::uint8_t> row8(per_row);
  bool ok = true;
  for (std::size_t y = 0; y < rgb.height && ok; ++y) {
    const std::uint16_t* src = rgb.samples.data() + y * per_row;
    if (rgb.bits == 8) {
      for (std::size_t i = 0; i < per_row; ++i) row8[i] = static_cast<std::uint8_t>(src[i]);
      ok = TIFFWriteScanline(tif, row8.data(), static_cast<std::uint32_t>(y), 0) == 1;
    } else {
      ok = TIFFWriteScanline(tif, const_cast<std::uint16_t*>(src), static_cast<std::uint32_t>(y), 0) == 1;
    }
  }
  TIFFClose(tif);
  if (!ok) throw Error(ExitCode::kFailed, "TIFF: libtiff could not write a row");
  return out.str();
}

}  // namespace ap
