#include "sim/zip.h"

#include <zip.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace ap::sim {

void write_zip(const std::filesystem::path& zip, const std::string& name,
               std::span<const std::uint8_t> data, std::int64_t unix_time) {
  const auto temp = temporary_path(zip);
  const auto fail = [&](zip_error_t* error) {
    const std::string reason = zip_error_strerror(error);
    std::error_code ec;
    std::filesystem::remove(temp, ec);
    throw output_error(zip.string(), "cannot write the zip archive: " + reason);
  };
  int code = 0;
  zip_t* archive = zip_open(temp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (archive == nullptr) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    fail(&error);
  }
  zip_source_t* source = zip_source_buffer(archive, data.data(), data.size(), 0);
  const zip_int64_t index =
      source == nullptr ? -1 : zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8);
  if (index < 0) zip_source_free(source);
  if (index < 0 || zip_set_file_compression(archive, static_cast<zip_uint64_t>(index),
                                            ZIP_CM_STORE, 0) != 0 ||
      zip_file_set_mtime(archive, static_cast<zip_uint64_t>(index),
                         static_cast<time_t>(unix_time), 0) != 0 ||
      zip_close(archive) != 0) {
    zip_error_t error;
    zip_error_init(&error);
    zip_error_set(&error, zip_error_code_zip(zip_get_error(archive)),
                  zip_error_code_system(zip_get_error(archive)));
    zip_discard(archive);
    fail(&error);
  }
  std::error_code ec;
  std::filesystem::rename(temp, zip, ec);
  if (ec) {
    throw output_error(zip.string(), "cannot move the zip archive into place: " + ec.message());
  }
}

}  // namespace ap::sim
