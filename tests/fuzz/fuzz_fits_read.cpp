// libFuzzer target for the FITS reader: HDU listing, headers, image data and
// binary tables, read from memory through the same code as files. Seeds:
// make_corpus.sh.
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "core/fits.h"

// A corrupt tile-compression header makes cfitsio ask for petabytes; it
// handles a failed allocation, which AddressSanitizer would report instead.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    for (const auto& hdu : ap::read_hdu_list_memory(data, size, "fuzz.fits")) {
      // cfitsio sizes its tile buffers from the (fuzzed) tile descriptors and
      // asks for gigabytes, which tests only the allocator: headers of
      // compressed HDUs are read above, their pixels are not decoded.
      if (hdu.compressed) return 0;
    }
  } catch (const ap::Error&) {
    return 0;  // the image reader stops at the same checks
  }
  // Uncompressed pixels are bounded by the input size (the reader checks).
  for (const char* hdu : {"", "1", "SCI"}) {
    try {
      ap::read_image_memory(data, size, "fuzz.fits", {.hdu = hdu, .apply_pedestal = true});
    } catch (const ap::Error&) {
    }
    try {
      ap::read_table_memory(data, size, "fuzz.fits", hdu);
    } catch (const ap::Error&) {
    }
  }
  return 0;
}
