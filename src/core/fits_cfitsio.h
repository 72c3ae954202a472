// Internal to the FITS reader and writer: cfitsio handles and error text.
#pragma once

#include <fitsio.h>

#include <memory>
#include <string>

namespace ap::fits_detail {

// Closes a cfitsio file on the error paths, where a failing close adds nothing.
struct FileCloser {
  void operator()(fitsfile* file) const;
};
using FilePtr = std::unique_ptr<fitsfile, FileCloser>;

// cfitsio's short text for `status`. Also empties cfitsio's message stack,
// which would otherwise grow with every handled error.
std::string cfitsio_error(int status);

}  // namespace ap::fits_detail
