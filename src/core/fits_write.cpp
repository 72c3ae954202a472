// FITS writing: HDUs go to a hidden temporary file that commit() renames into place.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <optional>
#include <ctime>
#include <system_error>
#include <type_traits>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/fits_cfitsio.h"
#include "core/parallel.h"
#include "core/version.h"

extern "C" {
#include <fitsio2.h>  // ffpbyt: raw bytes of a data unit (not in fitsio.h)
}

namespace ap {
namespace {

using fits_detail::cfitsio_error;
using fits_detail::FilePtr;

std::filesystem::path directory_of(const std::filesystem::path& path) {
  auto dir = path.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  if (std::filesystem::equivalent(a, b, ec)) return true;  // links to one file, too
  const auto canonical_a = std::filesystem::weakly_canonical(a, ec);
  if (ec) return false;
  const auto canonical_b = std::filesystem::weakly_canonical(b, ec);
  return !ec && canonical_a == canonical_b;
}

void check_output(const std::filesystem::path& output,
                  const std::vector<std::filesystem::path>& inputs) {
  const std::string out = output.string();
  for (const auto& input : inputs) {
    if (same_file(output, input)) throw output_error(out, "output path is the same as an input");
  }
  const auto dir = directory_of(output);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw output_error(out, fmt::format("output directory {} does not exist", dir.string()));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw output_error(out, fmt::format("output directory {} is not writable", dir.string()));
  }
  if (std::filesystem::is_directory(output, ec)) throw output_error(out, "is a directory");
}

constexpr std::size_t kCardWidth = 80;

// Headers hold printable ASCII only; anything else becomes '?'.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c < ' ' || c > '~') c = '?';
  }
  return out;
}

bool is_standard_key(std::string_view key) {
  return !key.empty() && key.size() <= 8 && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// The cards of a string keyword: a value too long for one card continues on
// CONTINUE cards (the long-string convention). cfitsio 4.2 loses characters
// of long HIERARCH values, hence this writer. A comment too long for the last
// value card gets a CONTINUE card of its own; on a one-card value it is cut.
// No cards when the key leaves no room for a value.
std::vector<std::string> string_cards(const std::string& key, std::string_view value,
                                      std::string_view comment) {
  std::string head =
      is_standard_key(key) ? fmt::format("{:<8}= ", key) : fmt::format("HIERARCH {} = ", key);
  if (head.size() + 6 > kCardWidth) return {};  // no room for a value
  std::string escaped;
  for (const char c : value) escaped += c == '\'' ? "''" : std::string(1, c);
  std::string_view rest = escaped;
  std::vector<std::string> cards;
  while (true) {
    const std::size_t room = kCardWidth - head.size() - 2;  // inside the quotes
    if (rest.size() <= room) {
      std::string card = head + "'" + std::string(rest) + "'";
      if (comment.empty() || card.size() + 3 + comment.size() <= kCardWidth || cards.empty()) {
        if (!comment.empty() && card.size() + 3 < kCardWidth) {
          card += " / " + std::string(comment.substr(0, kCardWidth - card.size() - 3));
        }
        cards.push_back(std::move(card));
        return cards;
      }
      if (rest.size() < room) {
        cards.push_back(head + "'" + std::string(rest) + "&'");
        cards.push_back("CONTINUE  '' / " + std::string(comment.substr(0, kCardWidth - 15)));
        return cards;
      }
    }
    std::size_t take = std::min(rest.size(), room - 1);  // room for the '&'
    // Quotes come in pairs: an odd count means the cut would split one.
    if (std::count(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(take), '\'') % 2) {
      --take;
    }
    cards.push_back(head + "'" + std::string(rest.substr(0, take)) + "&'");
    rest.remove_prefix(take);
    head = "CONTINUE  ";
  }
}

// One card after the structural ones. Numbers and logicals go through
// format_value so that doubles keep their shortest exact text.
void write_card(fitsfile* file, const Header::Card& card, int* status) {
  const char* key = card.key.c_str();
  const std::string comment = printable(card.comment);
  if (card.key == "HISTORY") {
    fits_write_history(file, comment.c_str(), status);
  } else if (card.key == "COMMENT") {
    fits_write_comment(file, comment.c_str(), status);
  } else if (card.key.empty()) {
    fits_write_record(file, ("        " + comment).c_str(), status);
  } else if (const auto* text = std::get_if<std::string>(&card.value)) {
    const auto lines = string_cards(card.key, printable(*text), comment);
    if (lines.empty()) *status = BAD_KEYCHAR;
    for (const auto& line : lines) fits_write_record(file, line.c_str(), status);
  } else if (const auto* d = std::get_if<double>(&card.value);
             std::holds_alternative<std::monostate>(card.value) || (d && !std::isfinite(*d))) {
    fits_write_key_null(file, key, comment.c_str(), status);  // FITS has no NaN or infinity
  } else {
    std::string value = format_value(card.value);
    char text_card[FLEN_CARD] = {};
    fits_make_key(key, value.data(), comment.c_str(), text_card, status);
    fits_write_record(file, text_card, status);
  }
}

struct ColumnFormat {
  int datatype;
  std::string tform;
};

ColumnFormat column_format(const Column& column) {
  return std::visit(
      [](const auto& v) -> ColumnFormat {
        using T = typename std::decay_t<decltype(v)>::value_type;
        if constexpr (std::is_same_v<T, double>) return {TDOUBLE, "1D"};
        if constexpr (std::is_same_v<T, float>) return {TFLOAT, "1E"};
        if constexpr (std::is_same_v<T, std::int32_t>) return {TINT, "1J"};
        if constexpr (std::is_same_v<T, std::int64_t>) return {TLONGLONG, "1K"};
        if constexpr (std::is_same_v<T, std::uint8_t>) return {TBYTE, "1B"};
        if constexpr (std::is_same_v<T, std::string>) {
          std::size_t width = 1;
          for (const auto& s : v) width = std::max(width, s.size());
          return {TSTRING, fmt::format("{}A", width)};
        }
      },
      column.data);
}

// The FITS data sum (a 32-bit ones' complement sum of the big-endian words):
// a plain 64-bit sum of the words folded with end-around carry, which equals
// the word-by-word ones' complement sum and can be split across threads.
std::uint32_t fold(std::uint64_t sum) {
  while (sum >> 32) sum = (sum & 0xFFFFFFFFULL) + (sum >> 32);
  return static_cast<std::uint32_t>(sum);
}

// Stores `v` big-endian at `out`.
template <typename Stored>
void put_big_endian(Stored v, std::uint8_t* out) {
  if constexpr (sizeof(Stored) == 1) {
    *out = v;
  } else {
    using Bits = std::conditional_t<sizeof(Stored) == 4, std::uint32_t, std::uint64_t>;
    Bits bits = std::bit_cast<Bits>(v);
    if constexpr (std::endian::native == std::endian::little) {
      bits = sizeof(Bits) == 4 ? __builtin_bswap32(static_cast<std::uint32_t>(bits))
                               : __builtin_bswap64(bits);
    }
    std::memcpy(out, &bits, sizeof bits);
  }
}

std::uint64_t sum_words(const std::uint8_t* bytes, std::size_t n) {  // n: a multiple of 4
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < n; i += 4) {
    std::uint32_t word;
    std::memcpy(&word, bytes + i, 4);
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap32(word);
    sum += word;
  }
  return sum;
}

}  // namespace

struct FitsWriter::State {
  std::filesystem::path temp;
  FilePtr file;
  std::string output;  // for messages
  int hdus = 0;
  bool committed = false;
  std::optional<std::uint32_t> written_sum;  // data sum of the current HDU, from write_data

  ~State() {
    file.reset();
    std::error_code ec;
    if (!committed && !temp.empty()) std::filesystem::remove(temp, ec);
  }

  void check(int status, std::string_view what) const {
    if (status != 0) {
      throw output_error(output, fmt::format("{} (cfitsio: {})", what, cfitsio_error(status)));
    }
  }

  // Checksums close an HDU: call before starting the next one and at the end.
  void finish_hdu() {
    if (hdus == 0) return;
    // Computed by hand rather than with fits_write_chksum, whose card comments
    // carry today's date: the same data must give byte-identical files.
    fitsfile* f = file.get();
    int status = 0;
    fits_update_key_str(f, "CHECKSUM", "0000000000000000", "HDU checksum", &status);
    fits_update_key_str(f, "DATASUM", "0", "data unit checksum", &status);
    fits_set_hdustruc(f, &status);
    unsigned long data_sum = written_sum.value_or(0);
    unsigned long hdu_sum = 0;
    if (!written_sum) fits_get_chksum(f, &data_sum, &hdu_sum, &status);  // reads the data back
    fits_modify_key_str(f, "DATASUM", std::to_string(data_sum).c_str(), "&", &status);
    fits_set_hdustruc(f, &status);
    // The HDU sum: the header records summed onto the data sum.
    LONGLONG head = 0, start = 0, end = 0;
    fits_get_hduaddrll(f, &head, &start, &end, &status);
    hdu_sum = data_sum;
    ffmbyt(f, head, REPORT_EOF, &status);
    ffcsum(f, static_cast<long>((start - head) / 2880), &hdu_sum, &status);
    written_sum.reset();
    char ascii[17] = {};
    fits_encode_chksum(hdu_sum, 1, ascii);
    fits_modify_key_str(f, "CHECKSUM", ascii, "&", &status);
    check(status, "cannot write checksums");
    fits_clear_errmsg();  // cfitsio's warnings (e.g. on HIERARCH names) are not errors
  }

  void check_open() const {
    if (!file) throw Error(ExitCode::kFailed, output + ": FITS file already committed");
  }

  void start_hdu() {
    check_open();
    finish_hdu();
    ++hdus;
  }

  // The user cards; PEDESTAL never, as ap's outputs hold pedestal-corrected data.
  void write_header(const Header& header, std::string_view extname) {
    int status = 0;
    if (!extname.empty()) {
      fits_write_key_str(file.get(), "EXTNAME", std::string(extname).c_str(), "extension name",
                         &status);
      check(status, "cannot write EXTNAME");
    }
    for (const auto& card : header.cards()) {
      if (Header::is_structural(card.key) || card.key == "PEDESTAL") continue;
      write_card(file.get(), card, &status);
      check(status, fmt::format("cannot write keyword '{}'", card.key));
    }
  }

  void create_image(int bitpix, std::size_t width, std::size_t height) {
    LONGLONG axes[2] = {static_cast<LONGLONG>(width), static_cast<LONGLONG>(height)};
    int status = 0;
    fits_create_imgll(file.get(), bitpix, 2, axes, &status);
    check(status, "cannot create an image HDU");
  }

  // Writes the data unit directly: pixels converted to `Stored` big-endian in
  // parallel, in chunks, with the data sum computed on the way, so that
  // finish_hdu() need not read the data back as fits_get_chksum would.
  template <typename Stored, typename Source>
  void write_data(const Source* data, std::size_t count) {
    if (count == 0) return;
    fitsfile* f = file.get();
    int status = 0;
    fits_set_hdustruc(f, &status);  // defines where the data unit starts
    LONGLONG head = 0, start = 0, end = 0;
    fits_get_hduaddrll(f, &head, &start, &end, &status);
    ffmbyt(f, start, IGNORE_EOF, &status);
    check(status, "cannot position on the data unit");
    constexpr std::size_t kChunk = std::size_t{1} << 21;  // values per chunk: a multiple of 4
    std::vector<std::uint8_t> buffer(std::min(count, kChunk) * sizeof(Stored) + 3);
    std::uint64_t sum = 0;
    for (std::size_t first = 0; first < count; first += kChunk) {
      const std::size_t n = std::min(kChunk, count - first);
      const std::size_t bytes = n * sizeof(Stored);
      std::fill(buffer.begin() + static_cast<std::ptrdiff_t>(bytes), buffer.end(), 0);
      constexpr std::size_t kBlock = 1 << 14;  // values per task: a multiple of 4
      const std::size_t blocks = (n + kBlock - 1) / kBlock;
      std::vector<std::uint64_t> sums(blocks, 0);
      parallel_for(0, blocks, [&](std::size_t b0, std::size_t b1) {
        for (std::size_t b = b0; b < b1; ++b) {
          const std::size_t i0 = b * kBlock, i1 = std::min(n, i0 + kBlock);
          std::uint8_t* out = buffer.data() + i0 * sizeof(Stored);
          for (std::size_t i = i0; i < i1; ++i) {
            put_big_endian(static_cast<Stored>(data[first + i]), out + (i - i0) * sizeof(Stored));
          }
          // The last block of the last chunk rounds up over the zeroed tail.
          sums[b] = sum_words(out, ((i1 - i0) * sizeof(Stored) + 3) / 4 * 4);
        }
      });
      for (const std::uint64_t s : sums) sum += s;
      ffpbyt(f, static_cast<LONGLONG>(bytes), buffer.data(), &status);
      check(status, "cannot write image data");
    }
    written_sum = fold(sum);
  }

};

FitsWriter::FitsWriter(std::filesystem::path output,
                       const std::vector<std::filesystem::path>& inputs)
    : output_(std::move(output)), state_(std::make_unique<State>()) {
  state_->output = output_.string();
  check_output(output_, inputs);
  state_->temp = temporary_path(output_);
  fitsfile* file = nullptr;
  int status = 0;
  fits_create_diskfile(&file, state_->temp.c_str(), &status);
  state_->file.reset(file);
  state_->check(status, fmt::format("cannot create a file in {}", directory_of(output_).string()));
}

FitsWriter::~FitsWriter() = default;

void FitsWriter::add_image(const Image& image, const Header& header, std::string_view extname,
                           PixelType type) {
  state_->start_hdu();
  state_->create_image(type == PixelType::kFloat64 ? DOUBLE_IMG : FLOAT_IMG, image.width(),
                       image.height());
  state_->write_header(header, extname);
  if (type == PixelType::kFloat64) {
    state_->write_data<double>(image.data(), image.size());
  } else {
    state_->write_data<float>(image.data(), image.size());
  }
}

void FitsWriter::add_mask(const Mask& mask, const Header& header, std::string_view extname) {
  state_->start_hdu();
  state_->create_image(BYTE_IMG, mask.width(), mask.height());
  state_->write_header(header, extname);
  state_->write_data<std::uint8_t>(mask.data(), mask.size());
}

void FitsWriter::add_empty(const Header& header) {
  state_->start_hdu();
  int status = 0;
  fits_create_img(state_->file.get(), BYTE_IMG, 0, nullptr, &status);
  state_->check(status, "cannot create an HDU");
  state_->write_header(header, {});
}

void FitsWriter::add_table(const Table& table, const Header& header, std::string_view extname) {
  const std::size_t rows = table.rows();
  for (const auto& column : table.columns) {
    if (column.size() != rows) {
      throw Error(ExitCode::kFailed, fmt::format("{}: table column '{}' has {} rows, expected {}",
                                                 state_->output, column.name, column.size(), rows));
    }
  }
  if (state_->hdus == 0) add_empty({});  // a table cannot be the primary HDU
  state_->start_hdu();

  std::vector<ColumnFormat> formats;
  std::vector<char*> names, forms, units;
  for (const auto& column : table.columns) formats.push_back(column_format(column));
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    names.push_back(const_cast<char*>(table.columns[i].name.c_str()));
    forms.push_back(formats[i].tform.data());
    units.push_back(const_cast<char*>(table.columns[i].unit.c_str()));
  }
  const std::string name(extname);
  int status = 0;
  fits_create_tbl(state_->file.get(), BINARY_TBL, static_cast<LONGLONG>(rows),
                  static_cast<int>(names.size()), names.data(), forms.data(), units.data(),
                  name.empty() ? nullptr : name.c_str(), &status);
  state_->check(status, "cannot create a table HDU");
  state_->write_header(header, {});
  if (rows == 0) return;

  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    std::visit(
        [&](const auto& v) {
          using T = typename std::decay_t<decltype(v)>::value_type;
          const int number = static_cast<int>(i) + 1;
          if constexpr (std::is_same_v<T, std::string>) {
            std::vector<char*> texts;
            for (const auto& s : v) texts.push_back(const_cast<char*>(s.c_str()));
            fits_write_col(state_->file.get(), TSTRING, number, 1, 1, static_cast<LONGLONG>(rows),
                           texts.data(), &status);
          } else {
            fits_write_col(state_->file.get(), formats[i].datatype, number, 1, 1,
                           static_cast<LONGLONG>(rows), const_cast<T*>(v.data()), &status);
          }
        },
        table.columns[i].data);
    state_->check(status, fmt::format("cannot write column '{}'", table.columns[i].name));
  }
}

void FitsWriter::commit() {
  if (state_->hdus == 0) add_empty({});  // a FITS file needs a primary HDU
  state_->check_open();
  state_->finish_hdu();
  int status = 0;
  fits_close_file(state_->file.release(), &status);
  state_->check(status, "cannot finish writing");
  std::error_code ec;
  std::filesystem::rename(state_->temp, output_, ec);
  if (ec) {
    throw output_error(state_->output, "cannot move the finished file into place: " + ec.message());
  }
  state_->committed = true;
}

void write_image(const std::filesystem::path& output, const Image& image, const Header& header,
                 const std::vector<std::filesystem::path>& inputs) {
  FitsWriter writer(output, inputs);
  writer.add_image(image, header);
  writer.commit();
}

void update_header(const std::filesystem::path& input, const std::filesystem::path& output,
                   const Header& cards, const std::vector<std::string>& remove) {
  const bool in_place = same_file(input, output);
  if (!in_place) check_output(output, {input});
  const std::string out = output.string();
  const auto temp = temporary_path(output);
  std::error_code ec;
  std::filesystem::copy_file(input, temp, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) throw output_error(out, "cannot copy " + input.string() + ": " + ec.message());
  struct Remove {
    std::filesystem::path path;
    bool keep = false;
    ~Remove() {
      std::error_code e;
      if (!keep) std::filesystem::remove(path, e);
    }
  } cleanup{temp};
  int status = 0;
  fitsfile* raw = nullptr;
  fits_open_diskfile(&raw, temp.c_str(), READWRITE, &status);
  FilePtr file(raw);
  if (status != 0) throw output_error(out, "cannot open the copy (cfitsio: " + cfitsio_error(status) + ")");
  int had_checksum = 0;
  char value[FLEN_VALUE];
  fits_read_keyword(file.get(), "CHECKSUM", value, nullptr, &had_checksum);
  had_checksum = had_checksum == 0;
  status = 0;
  for (const std::string& key : remove) {
    int missing = 0;
    fits_delete_key(file.get(), key.c_str(), &missing);
    fits_clear_errmsg();
  }
  for (const Header::Card& card : cards.cards()) {
    if (card.key != "HISTORY" && card.key != "COMMENT" && !card.key.empty()) {
      int missing = 0;  // KEY_NO_EXIST for a new key: nothing to delete
      fits_delete_key(file.get(), card.key.c_str(), &missing);
      fits_clear_errmsg();
    }
    write_card(file.get(), card, &status);
  }
  if (had_checksum) fits_write_chksum(file.get(), &status);
  fits_close_file(file.release(), &status);
  if (status != 0) throw output_error(out, "cannot update the header (cfitsio: " + cfitsio_error(status) + ")");
  std::filesystem::rename(temp, output, ec);
  if (ec) throw output_error(out, "cannot move the finished file into place: " + ec.message());
  cleanup.keep = true;
}

void stamp(Header& header, std::string_view command, std::string_view parameters) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32] = {};
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  header.set("DATE", Header::Value(std::string(date)), "file creation date (UTC)");
  std::string text = fmt::format("ap {} {}", kVersion, command);
  if (!parameters.empty()) text += fmt::format(": {}", parameters);
  header.add_history(text);
}

}  // namespace ap
