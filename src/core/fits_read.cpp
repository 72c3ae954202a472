// FITS reading: HDU selection, headers, images, masks and tables.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <span>
#include <system_error>
#include <utility>

#include "core/error.h"
#include "core/fits.h"
#include "core/fits_cfitsio.h"
#include "core/log.h"

extern "C" {
#include <fitsio2.h>  // ffgbyt: raw bytes of a header (not in fitsio.h)
}
#include "core/parallel.h"

namespace ap {
namespace {

using fits_detail::cfitsio_error;
using fits_detail::FilePtr;

// Pixels per fits_read_img call: big enough to amortise the call, small
// enough that the pedestal pass finds the chunk still in cache.
constexpr std::size_t kChunkPixels = std::size_t{1} << 18;
// FITS files are made of records of this size.
constexpr std::size_t kRecord = 2880;
// How much of an unreadable input is searched for the END card of its header.
constexpr std::size_t kHeaderScan = std::size_t{1} << 20;
// Images from this size on are read by several threads.
constexpr std::size_t kParallelPixels = std::size_t{1} << 20;

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
    return std::toupper(x) == std::toupper(y);
  });
}

std::string_view trim_right(std::string_view s) { return s.substr(0, s.find_last_not_of(' ') + 1); }

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

std::string describe_type(HduType type) {
  switch (type) {
    case HduType::kImage: return "an image";
    case HduType::kBinaryTable: return "a binary table";
    case HduType::kAsciiTable: return "an ASCII table";
  }
  return "an HDU";
}

// The bytes to read: a file on disk, or a buffer in memory.
struct Source {
  std::string name;            // the file name in messages
  std::filesystem::path path;  // empty for memory
  const void* data = nullptr;  // memory only
  std::size_t size = 0;
};

// One open FITS input, positioned on one HDU at a time.
class Input {
 public:
  explicit Input(Source source) : source_(std::move(source)) { open(); }
  // Another handle on the same input (e.g. for another thread), positioned on HDU `index`.
  Input(const Input& other, int index) : Input(other.source_) {
    if (!move_to(index)) fail(fmt::format("HDU {} disappeared while reading", index));
  }
  // cfitsio holds pointers into a memory input: it must stay where it is.
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;

  fitsfile* file() const { return file_.get(); }
  const std::string& name() const { return source_.name; }

  // A plain file on disk can be opened again, e.g. for another thread (a
  // gzip file would be unpacked again, a buffer in memory is not shared).
  bool reopenable() const {
    char driver[FLEN_FILENAME] = {};
    int status = 0;
    fits_url_type(file(), driver, &status);
    return !source_.path.empty() && std::string_view(driver) == "file://";
  }

  bool has_key(const char* key) const {
    char card[FLEN_CARD] = {};
    int status = 0;
    fits_read_card(file(), key, card, &status);
    if (status != 0) cfitsio_error(status);
    return status == 0;
  }

  // Image reads of the current HDU return the stored values, BSCALE/BZERO not applied.
  void read_unscaled() {
    int status = 0;
    fits_set_bscale(file(), 1.0, 0.0, &status);
    if (status != 0)
      fail(fmt::format("cannot read raw values (cfitsio: {})", cfitsio_error(status)));
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw input_error(source_.name, problem);
  }

  // Moves to HDU `index`; false when the file has no such HDU. Moves one HDU
  // at a time so that each header is checked before cfitsio parses it.
  bool move_to(int index) {
    int current = 1;
    fits_get_hdu_num(file(), &current);
    for (int next = current; next < index; ++next) {
      if (!step_to(next)) return false;
    }
    return step_to(index);
  }

  bool step_to(int index) {
    int status = 0;
    int current = 1;
    fits_get_hdu_num(file(), &current);
    if (index == current) {  // the next HDU: its header has not been seen yet
      LONGLONG header_start = 0, data_start = 0, data_end = 0;
      fits_get_hduaddrll(file(), &header_start, &data_start, &data_end, &status);
      if (status == 0) check_raw_header(index, data_end);
      status = 0;
    }
    if (fits_movabs_hdu(file(), index + 1, nullptr, &status) != 0) {
      // END_OF_FILE: no more HDUs. UNKNOWN_REC: bytes after the last HDU that
      // are not a header, which other readers ignore as well.
      if (status == END_OF_FILE || status == UNKNOWN_REC) {
        cfitsio_error(status);
        return false;
      }
      if (status == READ_ERROR) {
        fail(fmt::format("truncated file (header of HDU {} cut short)", index));
      }
      fail(fmt::format("corrupt header in HDU {} (cfitsio: {})", index, cfitsio_error(status)));
    }
    check_data_present(index);
    return true;
  }

  // cfitsio parses an extension's table and compression keywords while it
  // moves onto it, before any check of ours could run, and some malformed
  // values crash it: it divides by ZTILEn, indexes fixed arrays by ZNAXIS,
  // and copies a value written right after '=' (no space, so 71 characters)
  // or an unquoted value filling all 70 columns into a 70-character buffer.
  // So the raw header at byte `start` is checked first: T* and Z* cards
  // must be printable ASCII with "= " as the FITS standard writes it and an
  // unquoted value shorter than the field, and the compression keywords must
  // make sense.
  void check_raw_header(int index, LONGLONG start) const {
    int status = 0;
    bool compressed = false;
    std::vector<std::pair<std::string, std::string>> numbers;  // ZNAXIS*, ZTILE*, ZBITPIX
    char block[kRecord];
    // Reading past the end would leave cfitsio's buffers holding a record that is not there.
    const LONGLONG size = file()->Fptr->logfilesize;
    for (std::size_t read = 0; read < kHeaderScan; read += kRecord) {
      if (start + static_cast<LONGLONG>(read + kRecord) > size) return;  // cfitsio reports it
      if (ffmbyt(file(), start + static_cast<LONGLONG>(read), REPORT_EOF, &status) != 0 ||
          ffgbyt(file(), kRecord, block, &status) != 0) {
        cfitsio_error(status);
        return;  // a short header: cfitsio reports it
      }
      for (std::size_t at = 0; at < kRecord; at += 80) {
        const std::string_view card(block + at, 80);
        const std::string_view key = trim_right(card.substr(0, 8));
        if (key == "END") {
          if (compressed) check_compression_values(index, numbers);
          return;
        }
        if (!key.starts_with('T') && !key.starts_with('Z')) continue;
        const bool printable = std::all_of(card.begin(), card.end(),
                                           [](char c) { return c >= ' ' && c <= '~'; });
        const std::string_view field = trim(card.substr(10));
        const bool unquoted_full = card.substr(8, 2) == "= " && !field.starts_with('\'') &&
                                   trim(field.substr(0, field.find('/'))).size() >= 70;
        if (!printable || (card[8] == '=' && card[9] != ' ') || unquoted_full) {
          fail(fmt::format("corrupt header in HDU {} (card {} is not a valid FITS card)", index,
                           (read + at) / 80 + 1));
        }
        if (card.substr(8, 2) != "= " || !key.starts_with('Z')) continue;
        const std::string_view value = trim(field.substr(0, field.find('/')));
        if (key == "ZIMAGE") compressed = value == "T";
        if (key.starts_with("ZNAXIS") || key.starts_with("ZTILE") || key == "ZBITPIX") {
          numbers.emplace_back(key, value);
        }
      }
    }
  }

  // cfitsio reads the first token of a value and converts floats and quoted
  // strings too ("0.5" and "'0'" become tile sizes of 0): only plain integers
  // in range pass.
  void check_compression_values(
      int index, const std::vector<std::pair<std::string, std::string>>& texts) const {
    const auto bad = [&](const std::string& problem) {
      fail(fmt::format("corrupt compressed image in HDU {} ({})", index, problem));
    };
    long naxis = -1;
    std::vector<std::pair<std::string, long>> numbers;
    for (const auto& [key, text] : texts) {
      long number = 0;
      const char* last = text.data() + text.size();
      const auto [end, error] = std::from_chars(text.data(), last, number);
      if (error != std::errc{} || end != last) {
        bad(fmt::format("{} = {} is not an integer", key, text));
      }
      if (key == "ZNAXIS") naxis = number;
      numbers.emplace_back(key, number);
    }
    if (naxis < 1 || naxis > MAX_COMPRESS_DIM) bad(fmt::format("ZNAXIS = {}", naxis));
    for (const auto& [key, value] : numbers) {
      const bool tile = key.starts_with("ZTILE");
      const bool axis = key.starts_with("ZNAXIS") && key != "ZNAXIS";
      if ((tile && value < 1) || (axis && value < 0)) bad(fmt::format("{} = {}", key, value));
      if (key == "ZBITPIX" && value != 8 && value != 16 && value != 32 && value != 64 &&
          value != -32 && value != -64) {
        bad(fmt::format("ZBITPIX = {}", value));
      }
    }
  }

  int count_hdus() {
    int n = 0;
    while (move_to(n)) ++n;
    return n;
  }

  // Positions the file on the HDU chosen by `spec` (see ReadOptions::hdu)
  // and returns its index. With an empty spec, the first HDU of the wanted
  // kind that holds data.
  int select(std::string_view spec, bool want_table) {
    spec = trim(spec);
    if (spec.empty()) return first_with_data(want_table);
    if (std::all_of(spec.begin(), spec.end(), [](unsigned char c) { return std::isdigit(c); })) {
      const int index = spec.size() > 6 ? -1 : std::stoi(std::string(spec));
      if (index >= 0 && move_to(index)) return index;
      fail(fmt::format("HDU {} does not exist (the file has {} HDUs)", spec, count_hdus()));
    }
    std::vector<std::string> names;
    for (int i = 0; move_to(i); ++i) {
      std::string name = extname();
      if (iequals(name, spec)) return i;
      if (!name.empty()) names.push_back(std::move(name));
    }
    fail(fmt::format("no HDU with EXTNAME '{}' ({})", spec,
                     names.empty() ? "no HDU has an EXTNAME"
                                   : fmt::format("the file has {}", fmt::join(names, ", "))));
  }

  // Summary of the current HDU, numbered `index`.
  HduInfo info(int index) {
    HduInfo info;
    info.index = index;
    info.extname = extname();
    int status = 0;
    int hdutype = IMAGE_HDU;
    fits_get_hdu_type(file(), &hdutype, &status);
    if (hdutype == IMAGE_HDU) {
      info.type = HduType::kImage;
      int naxis = 0;
      fits_get_img_type(file(), &info.bitpix, &status);
      fits_get_img_dim(file(), &naxis, &status);
      std::vector<LONGLONG> axes(static_cast<std::size_t>(std::max(naxis, 0)));
      fits_get_img_sizell(file(), naxis, axes.data(), &status);
      info.shape.assign(axes.begin(), axes.end());
      info.compressed = fits_is_compressed_image(file(), &status) != 0;
      info.bzero = key_double("BZERO", 0.0);
      info.bscale = key_double("BSCALE", 1.0);
    } else {
      info.type = hdutype == ASCII_TBL ? HduType::kAsciiTable : HduType::kBinaryTable;
      LONGLONG rows = 0;
      int columns = 0;
      fits_get_num_rowsll(file(), &rows, &status);
      fits_get_num_cols(file(), &columns, &status);
      info.shape = {static_cast<long>(rows), columns};
    }
    if (status != 0) {
      fail(fmt::format("cannot read the layout of HDU {} (cfitsio: {})", index,
                       cfitsio_error(status)));
    }
    info.header = read_header();
    return info;
  }

  // [[noreturn]] for a failed data read of HDU `index`.
  [[noreturn]] void read_failed(int index, int status) const {
    if (status == END_OF_FILE || status == READ_ERROR) {
      cfitsio_error(status);
      fail(fmt::format("truncated file (data of HDU {} cut short)", index));
    }
    fail(fmt::format("cannot read the data of HDU {} (cfitsio: {})", index, cfitsio_error(status)));
  }

 private:
  void open() {
    fitsfile* f = nullptr;
    int status = 0;
    if (source_.path.empty()) {
      // cfitsio 4.2 reads whole 2880-byte records from memory, past the end of
      // a buffer of any other length: hand it a copy padded with zeros.
      const auto* bytes = static_cast<const char*>(source_.data);
      buffer_.assign(bytes, bytes + source_.size);
      buffer_.resize((source_.size + kRecord - 1) / kRecord * kRecord);
      memory_ = buffer_.data();
      memory_size_ = buffer_.size();
      fits_open_memfile(&f, "memory", READONLY, &memory_, &memory_size_, 0, nullptr, &status);
    } else {
      check_readable();
      fits_open_diskfile(&f, source_.path.c_str(), READONLY, &status);
    }
    file_.reset(f);
    if (status != 0) open_failed(status);
  }

  void check_readable() const {
    std::error_code ec;
    const auto st = std::filesystem::status(source_.path, ec);
    if (!std::filesystem::exists(st)) fail("no such file");
    if (std::filesystem::is_directory(st)) fail("is a directory, not a FITS file");
    const int fd = ::open(source_.path.c_str(), O_RDONLY);
    if (fd < 0) fail("cannot open: " + std::error_code(errno, std::generic_category()).message());
    ::close(fd);
  }

  // The first bytes of the input, to tell "not FITS" from "broken FITS".
  std::string leading_bytes(std::size_t n) const {
    if (source_.path.empty()) {
      return {static_cast<const char*>(source_.data), std::min(n, source_.size)};
    }
    std::ifstream in(source_.path, std::ios::binary);
    std::string bytes(n, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(n));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    return bytes;
  }

  [[noreturn]] void open_failed(int status) const {
    const std::string cause = cfitsio_error(status);
    const std::string head = leading_bytes(kHeaderScan);
    if (head.empty()) fail("empty file, not a FITS file");
    if (head.starts_with("\x1f\x8b")) {
      fail("cannot read gzip-compressed FITS (cfitsio: " + cause + ")");
    }
    if (!head.starts_with("SIMPLE")) fail("not a FITS file");
    bool has_end = false;
    for (std::size_t at = 0; at + 8 <= head.size() && !has_end; at += 80) {
      has_end = head.compare(at, 8, "END     ") == 0;
    }
    if (status == END_OF_FILE || status == READ_ERROR || !has_end) {
      fail("truncated file (header cut short)");
    }
    fail("corrupt FITS header (cfitsio: " + cause + ")");
  }

  // cfitsio notices a short data unit only when it reads it; check up front
  // so that listing and selecting HDUs report truncation too.
  void check_data_present(int index) const {
    int status = 0;
    LONGLONG bitpix = 8, naxis = 0, pcount = 0, gcount = 1;
    fits_read_key(file(), TLONGLONG, "BITPIX", &bitpix, nullptr, &status);
    fits_read_key(file(), TLONGLONG, "NAXIS", &naxis, nullptr, &status);
    if (status != 0) {
      fail(fmt::format("corrupt header in HDU {} (cfitsio: {})", index, cfitsio_error(status)));
    }
    LONGLONG elements = naxis > 0 ? 1 : 0;
    for (LONGLONG i = 1; i <= naxis; ++i) {
      LONGLONG n = 0;
      fits_read_key(file(), TLONGLONG, fmt::format("NAXIS{}", i).c_str(), &n, nullptr, &status);
      if (__builtin_mul_overflow(elements, n, &elements)) {
        elements = std::numeric_limits<LONGLONG>::max();
      }
    }
    fits_read_key(file(), TLONGLONG, "PCOUNT", &pcount, nullptr, &status);
    if (status == KEY_NO_EXIST) status = 0;
    fits_read_key(file(), TLONGLONG, "GCOUNT", &gcount, nullptr, &status);
    if (status == KEY_NO_EXIST) status = 0;
    LONGLONG bytes = 0;
    if (status != 0 || __builtin_add_overflow(elements, pcount, &bytes) ||
        __builtin_mul_overflow(bytes, gcount, &bytes) ||
        __builtin_mul_overflow(bytes, std::abs(bitpix) / 8, &bytes)) {
      fail(fmt::format("corrupt header in HDU {} (impossible data size)", index));
    }
    LONGLONG header_start = 0, data_start = 0, data_end = 0;
    fits_get_hduaddrll(file(), &header_start, &data_start, &data_end, &status);
    // The logical size also covers gzip files, which cfitsio unpacks in memory.
    const LONGLONG size =
        source_.path.empty() ? static_cast<LONGLONG>(source_.size) : file()->Fptr->logfilesize;
    const LONGLONG present = size - data_start;
    if (bytes > present) {
      fail(fmt::format("truncated file (HDU {} needs {} bytes of data, {} present)", index, bytes,
                       std::max<LONGLONG>(present, 0)));
    }
  }

  std::string extname() const {
    char value[FLEN_VALUE] = {};
    int status = 0;
    fits_read_key(file(), TSTRING, "EXTNAME", value, nullptr, &status);
    if (status != 0) {
      cfitsio_error(status);
      return {};
    }
    return std::string(trim(value));
  }

  double key_double(const char* key, double fallback) const {
    double value = fallback;
    int status = 0;
    fits_read_key(file(), TDOUBLE, key, &value, nullptr, &status);
    if (status != 0) cfitsio_error(status);
    return status == 0 ? value : fallback;
  }

  int first_with_data(bool want_table) {
    for (int i = 0; move_to(i); ++i) {
      int hdutype = IMAGE_HDU, naxis = 0, status = 0;
      fits_get_hdu_type(file(), &hdutype, &status);
      if (want_table) {
        if (hdutype != IMAGE_HDU) return i;
        continue;
      }
      if (hdutype != IMAGE_HDU) continue;
      fits_get_img_dim(file(), &naxis, &status);
      std::vector<LONGLONG> axes(static_cast<std::size_t>(std::max(naxis, 0)));
      fits_get_img_sizell(file(), naxis, axes.data(), &status);
      if (status == 0 && naxis > 0 && std::find(axes.begin(), axes.end(), 0) == axes.end()) {
        return i;
      }
      if (status != 0) cfitsio_error(status);
    }
    fail(want_table ? "no table in any HDU" : "no image data in any HDU");
  }

  Header read_header() const;

  Source source_;
  // A memory input as cfitsio sees it; it keeps pointers to memory_ and
  // memory_size_ while the file is open, so they are declared before file_.
  std::vector<char> buffer_;
  void* memory_ = nullptr;
  std::size_t memory_size_ = 0;
  FilePtr file_;
};

// One 80-character card, split into key, value and comment.
struct RawCard {
  std::string key;
  std::string value;  // value field as written, quotes included; empty if none
  std::string comment;
};

RawCard split_card(char* card) {
  RawCard raw;
  char key[FLEN_KEYWORD] = {};
  char value[FLEN_VALUE] = {};
  char comment[FLEN_COMMENT] = {};
  int length = 0, status = 0;
  fits_get_keyname(card, key, &length, &status);
  fits_parse_value(card, value, comment, &status);
  if (status != 0) {
    cfitsio_error(status);
    return raw;  // an unparsable card is dropped
  }
  raw.key = key;
  std::transform(raw.key.begin(), raw.key.end(), raw.key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  raw.value = value;
  raw.comment = comment;
  return raw;
}

// The value and comment of a CONTINUE card, parsed like a keyword's (under
// another name: cfitsio parses CONTINUE cards as commentary).
RawCard split_continue(const char* card) {
  std::string text = "CONTVAL = " + std::string(trim(std::string_view(card).substr(8)));
  text.resize(std::min<std::size_t>(text.size(), FLEN_CARD - 1));
  return split_card(text.data());
}

// The two COMMENT cards that cfitsio and astropy put in every primary header
// to cite the FITS paper: copying them would pile up a new pair per writer.
bool is_citation(const Header::Card& card) {
  const std::string_view text = trim(card.comment);
  return card.key == "COMMENT" &&
         (text.starts_with("FITS (Flexible Image Transport System) format is defined") ||
          text.starts_with("and Astrophysics', volume 376, page 359"));
}

Header Input::read_header() const {
  int count = 0, status = 0;
  fits_get_hdrspace(file(), &count, nullptr, &status);
  std::vector<Header::Card> cards;
  bool continued = false;  // the last card holds a string ending in '&'
  for (int i = 1; i <= count && status == 0; ++i) {
    char record[FLEN_CARD] = {};
    fits_read_record(file(), i, record, &status);
    if (status != 0) break;
    const bool is_continue = std::string_view(record).starts_with("CONTINUE");
    RawCard raw = is_continue ? split_continue(record) : split_card(record);
    Header::Value value = parse_value(raw.value);
    auto* text = std::get_if<std::string>(&value);
    if (!is_continue) {
      Header::Card& card = cards.emplace_back();
      card.key = std::move(raw.key);
      card.value = std::move(value);
      card.comment = std::move(raw.comment);
    } else if (continued && text != nullptr) {  // a stray CONTINUE is dropped
      Header::Card& last = cards.back();
      auto& joined = std::get<std::string>(last.value);
      joined.pop_back();  // the '&'
      joined += *text;
      if (!raw.comment.empty()) last.comment += (last.comment.empty() ? "" : " ") + raw.comment;
    }
    const auto* last = cards.empty() ? nullptr : std::get_if<std::string>(&cards.back().value);
    continued = last != nullptr && last->ends_with('&');
  }
  if (status != 0) fail(fmt::format("unreadable header card (cfitsio: {})", cfitsio_error(status)));

  Header header;
  for (auto& card : cards) {
    const bool commentary = card.key == "HISTORY" || card.key == "COMMENT" || card.key.empty();
    if (Header::is_structural(card.key) || (!commentary && header.has(card.key))) continue;
    if (is_citation(card)) continue;
    if (commentary && card.comment.empty() && card.key.empty()) continue;  // blank spacer
    header.set(card.key, std::move(card.value), card.comment);
  }
  return header;
}

// Width and height of a 2-D image HDU; a cube of one plane counts as 2-D.
std::pair<std::size_t, std::size_t> plane_shape(const Input& in, const HduInfo& info) {
  const auto& s = info.shape;
  if (info.type != HduType::kImage) {
    in.fail(fmt::format("HDU {} is {}, not an image", info.index, describe_type(info.type)));
  }
  if (s.empty() || std::find(s.begin(), s.end(), 0) != s.end()) {
    in.fail(fmt::format("HDU {} has no image data", info.index));
  }
  if (s.size() == 1) {
    in.fail(fmt::format("HDU {} holds 1-D data ({} values) where a 2-D image is needed", info.index,
                        s[0]));
  }
  const bool flat = std::all_of(s.begin() + 2, s.end(), [](long n) { return n == 1; });
  if (!flat) {
    in.fail(fmt::format("HDU {} holds a {}-D {} ({}) where a 2-D image is needed", info.index,
                        s.size(), s.size() == 3 ? "cube" : "array", fmt::join(s, "x")));
  }
  return {static_cast<std::size_t>(s[0]), static_cast<std::size_t>(s[1])};
}

template <typename T>
constexpr int kDataType = std::is_same_v<T, float> ? TFLOAT : TBYTE;

// Reads `count` pixels from pixel `first` (0-based) of the current image HDU.
// Floats may be clipped at the float32 range (with a warning); anything else
// out of range is an error.
void read_block(Input& in, const HduInfo& info, int datatype, std::size_t first, std::size_t count,
                void* null_value, void* out) {
  int status = 0, any_null = 0;
  fits_read_img(in.file(), datatype, static_cast<LONGLONG>(first + 1), static_cast<LONGLONG>(count),
                null_value, out, &any_null, &status);
  if (status == NUM_OVERFLOW) {
    cfitsio_error(status);
    if (datatype != TFLOAT) in.fail(fmt::format("HDU {}: mask values outside 0..255", info.index));
    logger("fits")->warn("{}: HDU {}: values beyond the float32 range were clipped", in.name(),
                         info.index);
    status = 0;
  }
  if (status != 0) in.read_failed(info.index, status);
}

// 16-bit frames with BSCALE 1 and a whole BZERO (unsigned 16-bit above all)
// are what cameras write. cfitsio scales them in double precision a pixel at
// a time, half of the whole read; the raw value plus BZERO, added as int32
// and converted once, is the same float and vectorises. The BZERO to add, or
// nothing when the HDU does not qualify (BLANK needs cfitsio's null mapping).
std::optional<int> whole_int16_offset(const Input& in, const HduInfo& info) {
  if (info.bitpix != 16 || info.compressed || info.bscale != 1.0) return std::nullopt;
  if (info.bzero != std::trunc(info.bzero) || std::abs(info.bzero) > 1e9) return std::nullopt;
  if (in.has_key("BLANK")) return std::nullopt;
  return static_cast<int>(info.bzero);
}

// Reads rows [y0, y1) of the current image HDU into `plane`, a block of rows
// at a time; `on_chunk` sees each block right after it arrives.
template <typename T, typename OnChunk>
void read_rows(Input& in, const HduInfo& info, Plane<T>& plane, std::size_t y0, std::size_t y1,
               OnChunk& on_chunk) {
  const std::size_t width = plane.width();
  // Tiles of a compressed image may span many rows: one call decodes each once.
  const std::size_t rows =
      info.compressed ? y1 - y0 : std::clamp<std::size_t>(kChunkPixels / width, 1, y1 - y0);
  // A non-zero null value makes cfitsio map BLANK (and compressed nulls) to
  // it. Plain float data need no mapping: NaN stays NaN, and without it
  // cfitsio copies them as they are instead of flushing denormals to zero.
  const bool map_nulls = std::is_same_v<T, float> && (info.bitpix > 0 || info.compressed);
  T null_value = map_nulls ? std::numeric_limits<T>::quiet_NaN() : T{0};
  std::optional<int> offset;
  if constexpr (std::is_same_v<T, float>) offset = whole_int16_offset(in, info);
  std::vector<std::int16_t> raw;
  if (offset) {
    raw.resize(rows * width);
    in.read_unscaled();
  }
  for (std::size_t y = y0; y < y1; y += rows) {
    const std::size_t count = std::min(rows, y1 - y) * width;
    T* chunk = plane.data() + y * width;
    if (offset) {
      read_block(in, info, TSHORT, y * width, count, nullptr, raw.data());
      const int add = *offset;
      for (std::size_t i = 0; i < count; ++i) chunk[i] = static_cast<T>(raw[i] + add);
    } else {
      read_block(in, info, kDataType<T>, y * width, count, &null_value, chunk);
    }
    on_chunk(std::span<T>(chunk, count));
  }
}

// The whole plane of the current image HDU. A large uncompressed image on
// disk is read in parallel, each thread through its own cfitsio handle (a
// handle must stay with one thread): converting to float and faulting in
// the fresh pages dominate, not the disk.
template <typename T, typename OnChunk>
Plane<T> read_pixels(Input& in, const HduInfo& info, OnChunk&& on_chunk) {
  const auto [width, height] = plane_shape(in, info);
  Plane<T> plane(width, height);
  const auto parts = static_cast<std::size_t>(threads());
  if (parts > 1 && !info.compressed && plane.size() >= kParallelPixels && in.reopenable()) {
    parallel_for(
        0, height,
        [&](std::size_t y0, std::size_t y1) {
          Input part(in, info.index);
          read_rows(part, info, plane, y0, y1, on_chunk);
        },
        (height + parts - 1) / parts);
  } else {
    read_rows(in, info, plane, 0, height, on_chunk);
  }
  return plane;
}

FitsImage read_image_from(Input& in, const ReadOptions& options) {
  FitsImage out;
  const int index = in.select(options.hdu, false);
  out.info = in.info(index);
  const double pedestal = options.apply_pedestal ? out.info.header.get("PEDESTAL", 0.0) : 0.0;
  // float32 arithmetic, as numpy's `data += PEDESTAL` on float32 data.
  const auto add = static_cast<float>(pedestal);
  out.image = read_pixels<float>(in, out.info, [add](std::span<float> chunk) {
    if (add == 0.0f) return;
    for (float& v : chunk) v += add;
  });
  return out;
}

std::vector<HduInfo> read_hdu_list_from(Input& in) {
  std::vector<HduInfo> list;
  for (int i = 0; in.move_to(i); ++i) list.push_back(in.info(i));
  return list;
}

Source file_source(const std::filesystem::path& path) { return {path.string(), path, nullptr, 0}; }

Source memory_source(const void* data, std::size_t size, std::string_view name) {
  return {std::string(name), {}, data, size};
}

// Reads column `number` (1-based) of the current table HDU.
class ColumnReader {
 public:
  ColumnReader(Input& in, int index, LONGLONG rows) : in_(in), index_(index), rows_(rows) {}

  Column read(int number) {
    Column column;
    column.name = key_string("TTYPE", number);
    if (column.name.empty()) column.name = fmt::format("COL{}", number);
    column.unit = key_string("TUNIT", number);
    int type = 0, status = 0;
    long repeat = 0, width = 0;
    fits_get_eqcoltype(in_.file(), number, &type, &repeat, &width, &status);
    if (status != 0) failed(column.name, status);
    if (type < 0) unsupported(column.name, "variable-length arrays");
    if (type == TSTRING) {
      column.data = strings(number, column.name, repeat);
      return column;
    }
    if (repeat != 1) unsupported(column.name, fmt::format("{} values per row", repeat));
    switch (type) {
      case TDOUBLE: column.data = numbers<double>(number, column.name, TDOUBLE); break;
      case TFLOAT: column.data = numbers<float>(number, column.name, TFLOAT); break;
      case TLONGLONG:
      case TULONG:
      case TULONGLONG: column.data = numbers<std::int64_t>(number, column.name, TLONGLONG); break;
      case TSBYTE:
      case TSHORT:
      case TUSHORT:
      case TINT:
      case TLONG: column.data = numbers<std::int32_t>(number, column.name, TINT); break;
      case TBYTE: column.data = numbers<std::uint8_t>(number, column.name, TBYTE); break;
      case TLOGICAL: column.data = logicals(number, column.name); break;
      default: unsupported(column.name, "its data type");
    }
    return column;
  }

 private:
  template <typename T>
  std::vector<T> numbers(int number, const std::string& name, int datatype) {
    std::vector<T> values(static_cast<std::size_t>(rows_));
    T null_value = std::is_floating_point_v<T> ? std::numeric_limits<T>::quiet_NaN() : T{0};
    read(number, name, datatype, &null_value, values.data());
    return values;
  }

  std::vector<std::uint8_t> logicals(int number, const std::string& name) {
    std::vector<char> flags(static_cast<std::size_t>(rows_));
    char null_value = 0;
    read(number, name, TLOGICAL, &null_value, flags.data());
    return {flags.begin(), flags.end()};
  }

  std::vector<std::string> strings(int number, const std::string& name, long repeat) {
    const auto stride = static_cast<std::size_t>(std::max(repeat, 0L)) + 1;
    std::vector<char> buffer(static_cast<std::size_t>(rows_) * stride);
    std::vector<char*> rows(static_cast<std::size_t>(rows_));
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = buffer.data() + i * stride;
    char null_value[] = "";
    read(number, name, TSTRING, null_value, rows.data());
    std::vector<std::string> texts;
    texts.reserve(rows.size());
    // Trailing blanks are padding in FITS; cfitsio keeps one for an empty string.
    for (const char* row : rows) texts.emplace_back(trim_right(row));
    return texts;
  }

  void read(int number, const std::string& name, int datatype, void* null_value, void* out) {
    if (rows_ == 0) return;
    int status = 0, any_null = 0;
    fits_read_col(in_.file(), datatype, number, 1, 1, rows_, null_value, out, &any_null, &status);
    if (status != 0) failed(name, status);
  }

  std::string key_string(const char* root, int number) const {
    char value[FLEN_VALUE] = {};
    int status = 0;
    fits_read_key(in_.file(), TSTRING, fmt::format("{}{}", root, number).c_str(), value, nullptr,
                  &status);
    if (status != 0) cfitsio_error(status);
    return status == 0 ? std::string(trim(value)) : std::string();
  }

  [[noreturn]] void failed(const std::string& name, int status) const {
    if (status == END_OF_FILE || status == READ_ERROR) in_.read_failed(index_, status);
    in_.fail(fmt::format("cannot read column '{}' of HDU {} (cfitsio: {})", name, index_,
                         cfitsio_error(status)));
  }

  [[noreturn]] void unsupported(const std::string& name, const std::string& what) const {
    in_.fail(fmt::format("column '{}' of HDU {}: {} not supported", name, index_, what));
  }

  Input& in_;
  int index_;
  LONGLONG rows_;
};

}  // namespace

std::vector<HduInfo> read_hdu_list(const std::filesystem::path& path) {
  Input in(file_source(path));
  return read_hdu_list_from(in);
}

std::vector<HduInfo> read_hdu_list_memory(const void* data, std::size_t size,
                                          std::string_view name) {
  Input in(memory_source(data, size, name));
  return read_hdu_list_from(in);
}

FitsImage read_image(const std::filesystem::path& path, const ReadOptions& options) {
  Input in(file_source(path));
  return read_image_from(in, options);
}

FitsImage read_image_memory(const void* data, std::size_t size, std::string_view name,
                            const ReadOptions& options) {
  Input in(memory_source(data, size, name));
  return read_image_from(in, options);
}

Mask read_mask(const std::filesystem::path& path, std::string_view hdu) {
  Input in(file_source(path));
  const HduInfo info = in.info(in.select(hdu, false));
  return read_pixels<std::uint8_t>(in, info, [](std::span<std::uint8_t>) {});
}

namespace {

Table read_table_from(Input& in, std::string_view hdu, Header* header) {
  HduInfo info = in.info(in.select(hdu, true));
  if (info.type == HduType::kImage) {
    in.fail(fmt::format("HDU {} is an image, not a table", info.index));
  }
  ColumnReader reader(in, info.index, info.shape[0]);
  Table table;
  for (int number = 1; number <= info.shape[1]; ++number) {
    table.columns.push_back(reader.read(number));
  }
  if (header != nullptr) *header = std::move(info.header);
  return table;
}

}  // namespace

Table read_table(const std::filesystem::path& path, std::string_view hdu, Header* header) {
  Input in(file_source(path));
  return read_table_from(in, hdu, header);
}

Table read_table_memory(const void* data, std::size_t size, std::string_view name, std::string_view hdu,
                        Header* header) {
  Input in(memory_source(data, size, name));
  return read_table_from(in, hdu, header);
}

}  // namespace ap
