#include "core/fits_cfitsio.h"

namespace ap::fits_detail {

void FileCloser::operator()(fitsfile* file) const {
  int status = 0;
  fits_close_file(file, &status);
  fits_clear_errmsg();
}

std::string cfitsio_error(int status) {
  char text[FLEN_STATUS] = {};
  fits_get_errstatus(status, text);
  fits_clear_errmsg();
  return text;
}

}  // namespace ap::fits_detail
