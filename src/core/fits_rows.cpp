// FitsRowReader: an image HDU read a band of rows at a time (core/fits.h).
//
// read_hdu_list() validates the file and parses the headers with the shared
// reader; this file only chooses the HDU from that list, keeps the file open
// and reads pixel rows with the same conversions as read_image.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

#include "core/error.h"
#include "core/fits.h"
#include "core/fits_cfitsio.h"
#include "core/log.h"

namespace ap {
namespace {

using fits_detail::cfitsio_error;
using fits_detail::FilePtr;

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
    return std::toupper(x) == std::toupper(y);
  });
}

bool has_data(const HduInfo& h) {
  return h.type == HduType::kImage && !h.shape.empty() &&
         std::find(h.shape.begin(), h.shape.end(), 0) == h.shape.end();
}

// The HDU chosen by `spec` as ReadOptions::hdu describes.
std::size_t select_hdu(const std::string& name, const std::vector<HduInfo>& hdus,
                       std::string_view spec) {
  const auto first = spec.find_first_not_of(' ');
  spec = first == std::string_view::npos
             ? std::string_view{}
             : spec.substr(first, spec.find_last_not_of(' ') - first + 1);
  if (spec.empty()) {
    const auto it = std::find_if(hdus.begin(), hdus.end(), has_data);
    if (it == hdus.end()) throw input_error(name, "no image data in any HDU");
    return static_cast<std::size_t>(it - hdus.begin());
  }
  if (std::all_of(spec.begin(), spec.end(), [](unsigned char c) { return std::isdigit(c); })) {
    const std::size_t index = spec.size() > 6 ? hdus.size() : std::stoul(std::string(spec));
    if (index < hdus.size()) return index;
    throw input_error(
        name, fmt::format("HDU {} does not exist (the file has {} HDUs)", spec, hdus.size()));
  }
  std::vector<std::string> names;
  for (std::size_t i = 0; i < hdus.size(); ++i) {
    if (iequals(hdus[i].extname, spec)) return i;
    if (!hdus[i].extname.empty()) names.push_back(hdus[i].extname);
  }
  throw input_error(
      name, fmt::format("no HDU with EXTNAME '{}' ({})", spec,
                        names.empty() ? "no HDU has an EXTNAME"
                                      : fmt::format("the file has {}", fmt::join(names, ", "))));
}

// Width and height of a 2-D image HDU; a cube of one plane counts as 2-D.
std::pair<std::size_t, std::size_t> plane_shape(const std::string& name, const HduInfo& info) {
  const auto& s = info.shape;
  if (info.type != HduType::kImage) {
    throw input_error(name, fmt::format("HDU {} is a table, not an image", info.index));
  }
  if (!has_data(info)) throw input_error(name, fmt::format("HDU {} has no image data", info.index));
  if (s.size() == 1) {
    throw input_error(name, fmt::format("HDU {} holds 1-D data ({} values) where a 2-D image is "
                                        "needed",
                                        info.index, s[0]));
  }
  if (!std::all_of(s.begin() + 2, s.end(), [](long n) { return n == 1; })) {
    throw input_error(
        name, fmt::format("HDU {} holds a {}-D {} ({}) where a 2-D image is needed", info.index,
                          s.size(), s.size() == 3 ? "cube" : "array", fmt::join(s, "x")));
  }
  return {static_cast<std::size_t>(s[0]), static_cast<std::size_t>(s[1])};
}

}  // namespace

struct FitsRowReader::State {
  std::filesystem::path path;
  std::string name;
  HduInfo info;
  std::size_t width = 0, height = 0;
  float pedestal = 0.0f;
  bool map_nulls = false;
  FilePtr file;
};

FitsRowReader::FitsRowReader(const std::filesystem::path& path, const ReadOptions& options)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  s.name = path.string();
  std::vector<HduInfo> hdus = read_hdu_list(path);
  s.info = std::move(hdus[select_hdu(s.name, hdus, options.hdu)]);
  std::tie(s.width, s.height) = plane_shape(s.name, s.info);
  // float32 arithmetic, as read_image.
  if (options.apply_pedestal) s.pedestal = static_cast<float>(s.info.header.get("PEDESTAL", 0.0));
  // As read_image: integer BLANK and compressed nulls become NaN; float data are copied as stored.
  s.map_nulls = s.info.bitpix > 0 || s.info.compressed;

  fitsfile* f = nullptr;
  int status = 0;
  fits_open_diskfile(&f, s.name.c_str(), READONLY, &status);
  s.file.reset(f);
  if (status == 0) fits_movabs_hdu(f, s.info.index + 1, nullptr, &status);
  if (status != 0)
    throw input_error(s.name, fmt::format("cannot open (cfitsio: {})", cfitsio_error(status)));
}

FitsRowReader::~FitsRowReader() = default;
FitsRowReader::FitsRowReader(FitsRowReader&&) noexcept = default;
FitsRowReader& FitsRowReader::operator=(FitsRowReader&&) noexcept = default;

const std::filesystem::path& FitsRowReader::path() const { return state_->path; }
const HduInfo& FitsRowReader::info() const { return state_->info; }
std::size_t FitsRowReader::width() const { return state_->width; }
std::size_t FitsRowReader::height() const { return state_->height; }

void FitsRowReader::read_rows(std::size_t y0, std::size_t rows, std::span<float> out) {
  State& s = *state_;
  if (y0 + rows > s.height || out.size() != rows * s.width) {
    throw Error(ExitCode::kFailed,
                fmt::format("{}: row band {}+{} outside the image or buffer", s.name, y0, rows));
  }
  if (rows == 0) return;
  float null_value = s.map_nulls ? std::numeric_limits<float>::quiet_NaN() : 0.0f;
  int status = 0, any_null = 0;
  fits_read_img(s.file.get(), TFLOAT, static_cast<LONGLONG>(y0 * s.width + 1),
                static_cast<LONGLONG>(out.size()), &null_value, out.data(), &any_null, &status);
  if (status == NUM_OVERFLOW) {
    cfitsio_error(status);
    logger("fits")->warn("{}: HDU {}: values beyond the float32 range were clipped", s.name,
                         s.info.index);
    status = 0;
  }
  if (status == END_OF_FILE || status == READ_ERROR) {
    cfitsio_error(status);
    throw input_error(s.name,
                      fmt::format("truncated file (data of HDU {} cut short)", s.info.index));
  }
  if (status != 0) {
    throw input_error(s.name, fmt::format("cannot read the data of HDU {} (cfitsio: {})",
                                          s.info.index, cfitsio_error(status)));
  }
  if (s.pedestal != 0.0f) {
    for (float& v : out) v += s.pedestal;
  }
}

}  // namespace ap
