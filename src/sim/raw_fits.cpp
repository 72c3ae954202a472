#include "sim/raw_fits.h"

#include <fitsio.h>
#include <fmt/format.h>

#include <string>

#include "core/atomic_file.h"
#include "core/error.h"

namespace ap::sim {
namespace {

class File {
 public:
  File(const std::filesystem::path& path, std::string output) : output_(std::move(output)) {
    fits_create_diskfile(&file_, path.c_str(), &status_);
    check("cannot create the file");
  }
  ~File() {
    if (file_ != nullptr) {
      int ignored = 0;
      fits_close_file(file_, &ignored);
    }
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  fitsfile* get() { return file_; }
  int* status() { return &status_; }

  void check(std::string_view what) {
    if (status_ == 0) return;
    char text[FLEN_STATUS] = {};
    fits_get_errstatus(status_, text);
    fits_clear_errmsg();
    throw output_error(output_, fmt::format("{} (cfitsio: {})", what, text));
  }

  void close() {
    fits_close_file(file_, &status_);
    file_ = nullptr;
    check("cannot finish writing");
  }

 private:
  fitsfile* file_ = nullptr;
  int status_ = 0;
  std::string output_;
};

void write_card(fitsfile* file, const Header::Card& card, int* status) {
  if (card.key == "HISTORY") {
    fits_write_history(file, card.comment.c_str(), status);
  } else if (card.key == "COMMENT") {
    fits_write_comment(file, card.comment.c_str(), status);
  } else {
    std::string value = format_value(card.value);
    char text[FLEN_CARD] = {};
    fits_make_key(card.key.c_str(), value.data(), card.comment.c_str(), text, status);
    fits_write_record(file, text, status);
  }
}

}  // namespace

void write_uint16_image(const std::filesystem::path& path, std::span<const std::uint16_t> pixels,
                        std::size_t width, std::size_t height, const Header& header) {
  const std::string output = path.string();
  const auto temp = temporary_path(path);
  std::error_code ec;
  try {
    File file(temp, output);
    long axes[2] = {static_cast<long>(width), static_cast<long>(height)};
    fits_create_img(file.get(), USHORT_IMG, 2, axes, file.status());
    file.check("cannot create the image");
    for (const auto& card : header.cards()) {
      if (Header::is_structural(card.key)) continue;
      write_card(file.get(), card, file.status());
      file.check(fmt::format("cannot write keyword '{}'", card.key));
    }
    fits_write_img(file.get(), TUSHORT, 1, static_cast<LONGLONG>(pixels.size()),
                   const_cast<std::uint16_t*>(pixels.data()), file.status());
    file.check("cannot write the pixels");
    file.close();
  } catch (...) {
    std::filesystem::remove(temp, ec);
    throw;
  }
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    throw output_error(output, "cannot move the finished file into place");
  }
}

}  // namespace ap::sim
