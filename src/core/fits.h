// FITS input and output through cfitsio.
//
// Reading converts any BITPIX (8, 16, 32, 64, -32, -64) to float32 with
// BZERO/BSCALE applied exactly, maps integer BLANK to NaN, keeps NaN, and adds
// PEDESTAL (MaxIm DL: value to add to recover zero-based ADU) to the data.
// Tile-compressed (.fz) and gzip-compressed files are read transparently.
//
// Writing goes to a hidden temporary file in the target directory that is
// renamed into place by commit(), so an interrupted write never leaves a
// partial output. Float images never carry BZERO/BSCALE; PEDESTAL is removed
// from propagated headers because it has been applied to the data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/header.h"
#include "core/image.h"
#include "core/table.h"

namespace ap {

enum class HduType { kImage, kBinaryTable, kAsciiTable };

// What an HDU is, as stored in the file.
struct HduInfo {
  int index = 0;              // 0 = primary
  HduType type = HduType::kImage;
  std::string extname;        // EXTNAME, empty if none
  int bitpix = 0;             // stored BITPIX (of the uncompressed image for .fz)
  std::vector<long> shape;    // NAXIS1, NAXIS2, ... (empty: no data); {rows, columns} for tables
  double bzero = 0.0;
  double bscale = 1.0;
  bool compressed = false;    // tile-compressed image
  Header header;              // user cards (see Header)
};

// Which HDU to read: "" picks the primary, or the first image extension when
// the primary has no data; digits pick an HDU number (0 = primary); anything
// else is matched against EXTNAME (case-insensitive).
struct ReadOptions {
  std::string hdu;
  bool apply_pedestal = true;
};

struct FitsImage {
  Image image;
  HduInfo info;  // info.header holds the cards; PEDESTAL is kept there for reference
  Header& header() { return info.header; }
  const Header& header() const { return info.header; }
};

// Summaries of every HDU in the file, in order.
std::vector<HduInfo> read_hdu_list(const std::filesystem::path& path);

// A 2-D image (a 3-D cube with NAXIS3 = 1 is accepted). Throws ap::Error
// (kBadInput) naming the file for anything else.
FitsImage read_image(const std::filesystem::path& path, const ReadOptions& options = {});

// The same readers on a FITS file held in memory (the fuzz target uses them);
// `name` stands for the file name in error messages.
std::vector<HduInfo> read_hdu_list_memory(const void* data, std::size_t size,
                                          std::string_view name);
FitsImage read_image_memory(const void* data, std::size_t size, std::string_view name,
                            const ReadOptions& options = {});

// A uint8 mask HDU (selected as in ReadOptions::hdu, usually "MASK").
Mask read_mask(const std::filesystem::path& path, std::string_view hdu);

// A binary table HDU (selected as in ReadOptions::hdu).
Table read_table(const std::filesystem::path& path, std::string_view hdu, Header* header = nullptr);
Table read_table_memory(const void* data, std::size_t size, std::string_view name, std::string_view hdu,
                        Header* header = nullptr);

enum class PixelType { kFloat32, kFloat64 };

// Builds one FITS file HDU by HDU and publishes it atomically.
//
//   FitsWriter w(out, {raw_path});          // refuses out == raw_path
//   w.add_image(img, hdr);                  // primary
//   w.add_mask(mask, {}, "MASK");
//   w.commit();                             // checksums, close, rename
//
// The destructor removes the temporary file if commit() was not reached.
class FitsWriter {
 public:
  explicit FitsWriter(std::filesystem::path output,
                      const std::vector<std::filesystem::path>& inputs = {});
  ~FitsWriter();
  FitsWriter(const FitsWriter&) = delete;
  FitsWriter& operator=(const FitsWriter&) = delete;

  void add_image(const Image& image, const Header& header, std::string_view extname = {},
                 PixelType type = PixelType::kFloat32);
  void add_mask(const Mask& mask, const Header& header, std::string_view extname = "MASK");
  void add_table(const Table& table, const Header& header, std::string_view extname);
  // An HDU with no data (e.g. a primary that only carries keywords).
  void add_empty(const Header& header);

  void commit();

  const std::filesystem::path& output() const { return output_; }

 private:
  struct State;
  std::filesystem::path output_;
  std::unique_ptr<State> state_;
};

// Convenience: a single-HDU float32 image file.
void write_image(const std::filesystem::path& output, const Image& image, const Header& header,
                 const std::vector<std::filesystem::path>& inputs = {});

// Copies `input` to `output` (both may be the same file: then it is replaced
// atomically) with the primary header's `remove` keys deleted and its cards
// set from `cards` (existing keys replaced, HISTORY/COMMENT appended); other
// HDUs and all data are copied byte for byte. Throws ap::Error (kOutputError).
void update_header(const std::filesystem::path& input, const std::filesystem::path& output,
                   const Header& cards, const std::vector<std::string>& remove = {});

// Adds DATE (UTC, ISO-8601 to the second) and a HISTORY card
// "ap <version> <command>: <parameters>" to a header about to be written.
void stamp(Header& header, std::string_view command, std::string_view parameters);

// Reads one image HDU a band of rows at a time through a file kept open, for
// stages that stream many frames (combine): the same HDU choice, scaling,
// BLANK -> NaN, PEDESTAL and error messages as read_image. A gzip-compressed
// file is held uncompressed in memory while open (cfitsio); .fz tiles are
// decoded as rows are read. One reader may be used by one thread at a time.
class FitsRowReader {
 public:
  explicit FitsRowReader(const std::filesystem::path& path, const ReadOptions& options = {});
  ~FitsRowReader();
  FitsRowReader(FitsRowReader&&) noexcept;
  FitsRowReader& operator=(FitsRowReader&&) noexcept;

  const std::filesystem::path& path() const;
  const HduInfo& info() const;  // info().header: the HDU's cards (PEDESTAL kept)
  std::size_t width() const;
  std::size_t height() const;
  // Rows [y0, y0 + rows) into `out`, which holds rows * width() values.
  void read_rows(std::size_t y0, std::size_t rows, std::span<float> out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ap
