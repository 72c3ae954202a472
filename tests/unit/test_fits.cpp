#include <fitsio.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/fits.h"
#include "core/parallel.h"
#include "core/version.h"
#include "unit/support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// ---- helpers writing test files with cfitsio directly ----------------------

// Opens a new file for hand-made test data; fails the test on any cfitsio error.
struct RawFits {
  explicit RawFits(const fs::path& path) {
    fits_create_diskfile(&file, path.c_str(), &status);
    EXPECT_EQ(status, 0);
  }
  ~RawFits() {
    fits_close_file(file, &status);
    EXPECT_EQ(status, 0);
  }
  void image(int bitpix, std::vector<long> axes) {
    fits_create_img(file, bitpix, static_cast<int>(axes.size()), axes.data(), &status);
    EXPECT_EQ(status, 0);
  }
  template <typename T>
  void key(const char* name, T value, int datatype) {
    fits_update_key(file, datatype, name, &value, nullptr, &status);
    EXPECT_EQ(status, 0);
  }
  // Stored values, written without any scaling.
  void pixels(int datatype, void* data, long count) {
    fits_set_bscale(file, 1.0, 0.0, &status);
    fits_write_img(file, datatype, 1, count, data, &status);
    EXPECT_EQ(status, 0);
  }
  fitsfile* file = nullptr;
  int status = 0;
};

Image ramp(std::size_t w, std::size_t h) {
  Image img(w, h);
  for (std::size_t i = 0; i < img.size(); ++i) img.data()[i] = static_cast<float>(i) * 0.25f - 7.0f;
  return img;
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

// Runs `f` and returns the ap::Error it throws (fails the test when none).
template <typename F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no ap::Error thrown";
  return Error(ExitCode::kOk, "");
}

void expect_bad_input(const fs::path& path, const std::string& problem,
                      const ReadOptions& options = {}) {
  const Error e = error_of([&] { read_image(path, options); });
  EXPECT_EQ(e.code(), ExitCode::kBadInput);
  const std::string what = e.what();
  EXPECT_EQ(what.rfind(path.string() + ": ", 0), 0u) << what;
  EXPECT_NE(what.find(problem), std::string::npos) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
}

std::string raw_card(const fs::path& path, int hdu, const char* key) {
  fitsfile* f = nullptr;
  int status = 0;
  char card[FLEN_CARD] = {};
  fits_open_diskfile(&f, path.c_str(), READONLY, &status);
  fits_movabs_hdu(f, hdu + 1, nullptr, &status);
  fits_read_card(f, key, card, &status);
  int close_status = 0;
  fits_close_file(f, &close_status);
  fits_clear_errmsg();
  return status == 0 ? card : "";
}

// ---- reading every BITPIX ---------------------------------------------------

struct BitpixCase {
  int bitpix;
  int datatype;  // cfitsio type of the stored values
  double bzero;
  double bscale;
};

class FitsBitpix : public ::testing::TestWithParam<BitpixCase> {};

template <typename T>
void write_and_check(const BitpixCase& c, const std::vector<T>& stored) {
  TempDir dir;
  const auto path = dir / "in.fits";
  {
    RawFits raw(path);
    raw.image(c.bitpix, {static_cast<long>(stored.size()) / 2, 2});
    if (c.bzero != 0.0 || c.bscale != 1.0) {
      raw.key("BSCALE", c.bscale, TDOUBLE);
      raw.key("BZERO", c.bzero, TDOUBLE);
    }
    std::vector<T> copy = stored;
    raw.pixels(c.datatype, copy.data(), static_cast<long>(copy.size()));
  }
  const FitsImage in = read_image(path);
  ASSERT_EQ(in.image.width(), stored.size() / 2);
  ASSERT_EQ(in.image.height(), 2u);
  EXPECT_EQ(in.info.bitpix, c.bitpix);
  EXPECT_EQ(in.info.bzero, c.bzero);
  EXPECT_EQ(in.info.bscale, c.bscale);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    // Physical value computed in double, rounded once to float.
    const auto expected = static_cast<float>(c.bzero + c.bscale * static_cast<double>(stored[i]));
    EXPECT_EQ(in.image.data()[i], expected) << "pixel " << i;
  }
}

TEST_P(FitsBitpix, ScaledValuesAreExact) {
  const BitpixCase c = GetParam();
  switch (c.bitpix) {
    case 8: write_and_check<std::uint8_t>(c, {0, 1, 127, 128, 200, 255}); break;
    case 16: write_and_check<std::int16_t>(c, {-32768, -1, 0, 1, 12345, 32767}); break;
    case 32:
      write_and_check<std::int32_t>(c, {-2147483647 - 1, -5, 0, 7, 16777216, 2147483647});
      break;
    case 64: write_and_check<long long>(c, {-(1LL << 40), -3, 0, 3, 1LL << 53, 1234567}); break;
    case -32: write_and_check<float>(c, {-1.5f, 0.0f, 1e-30f, 3.25f, 1e30f, 7.0f}); break;
    case -64: write_and_check<double>(c, {-1.5, 0.0, 1e-300, 3.25, 1e30, 0.1}); break;
    default: FAIL();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fits, FitsBitpix,
    ::testing::Values(BitpixCase{8, TBYTE, 0, 1}, BitpixCase{8, TBYTE, -128, 1},
                      BitpixCase{16, TSHORT, 0, 1}, BitpixCase{16, TSHORT, 100, 0.5},
                      BitpixCase{16, TSHORT, -1000, 1}, BitpixCase{32, TINT, 0, 1},
                      BitpixCase{32, TINT, 2147483648.0, 1}, BitpixCase{32, TINT, -3.5, 0.001},
                      BitpixCase{64, TLONGLONG, 0, 1}, BitpixCase{64, TLONGLONG, 10, 2},
                      BitpixCase{-32, TFLOAT, 0, 1}, BitpixCase{-32, TFLOAT, 1, 2},
                      BitpixCase{-64, TDOUBLE, 0, 1}),
    [](const auto& param_info) {
      const BitpixCase& c = param_info.param;
      std::string name = c.bitpix < 0 ? "m" : "";
      name += std::to_string(std::abs(c.bitpix));
      if (c.bzero != 0 || c.bscale != 1) name += "_scaled" + std::to_string(param_info.index);
      return name;
    });

TEST(FitsRead, Unsigned16RoundTripsBitForBit) {
  TempDir dir;
  const auto path = dir / "u16.fits";
  std::vector<std::uint16_t> values(65536);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::uint16_t>(i);
  {
    RawFits raw(path);
    raw.image(USHORT_IMG, {256, 256});
    fits_write_img(raw.file, TUSHORT, 1, 65536, values.data(), &raw.status);
  }
  const FitsImage in = read_image(path);
  EXPECT_EQ(in.info.bitpix, 16);
  EXPECT_EQ(in.info.bzero, 32768.0);
  EXPECT_FALSE(in.header().has("BZERO"));  // structural: reported in info only
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(in.image.data()[i], static_cast<float>(values[i])) << i;
  }

  // And back: float32 output read again with cfitsio as uint16.
  const auto out = dir / "out.fits";
  write_image(out, in.image, in.header(), {path});
  fitsfile* f = nullptr;
  int status = 0, any = 0;
  std::vector<std::uint16_t> back(65536);
  fits_open_diskfile(&f, out.c_str(), READONLY, &status);
  fits_read_img(f, TUSHORT, 1, 65536, nullptr, back.data(), &any, &status);
  fits_close_file(f, &status);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(back, values);
}

TEST(FitsRead, PedestalIsAddedToTheData) {
  TempDir dir;
  const auto path = dir / "ped.fits";
  std::vector<std::uint16_t> values = {100, 1000, 65535, 0};
  {
    RawFits raw(path);
    raw.image(USHORT_IMG, {2, 2});
    raw.key("PEDESTAL", -100.0, TDOUBLE);
    fits_write_img(raw.file, TUSHORT, 1, 4, values.data(), &raw.status);
  }
  const FitsImage in = read_image(path);
  EXPECT_EQ(in.image.data()[0], 0.0f);
  EXPECT_EQ(in.image.data()[1], 900.0f);
  EXPECT_EQ(in.image.data()[2], 65435.0f);
  EXPECT_EQ(in.image.data()[3], -100.0f);
  EXPECT_EQ(in.header().get_double("PEDESTAL"), -100.0);  // kept for reference

  const FitsImage raw = read_image(path, {.hdu = "", .apply_pedestal = false});
  EXPECT_EQ(raw.image.data()[1], 1000.0f);

  // Written data are pedestal-corrected, so the keyword must not travel on.
  const auto out = dir / "out.fits";
  write_image(out, in.image, in.header());
  const FitsImage again = read_image(out);
  EXPECT_FALSE(again.header().has("PEDESTAL"));
  EXPECT_EQ(again.image.data()[1], 900.0f);
}

TEST(FitsRead, LargeImagesReadInParallelGiveTheSameResult) {
  TempDir dir;
  const auto path = dir / "large.fits";
  const long w = 1031, h = 1100;  // over a million pixels: read by several threads
  std::vector<std::uint16_t> values(static_cast<std::size_t>(w * h));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::uint16_t>(i * 40503);
  {
    RawFits raw(path);
    raw.image(USHORT_IMG, {w, h});
    raw.key("PEDESTAL", -7.0, TDOUBLE);
    fits_write_img(raw.file, TUSHORT, 1, w * h, values.data(), &raw.status);
  }
  for (const int threads : {1, 2, 3}) {
    set_threads(threads);
    const Image img = read_image(path).image;
    set_threads(0);
    ASSERT_EQ(img.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      ASSERT_EQ(img.data()[i], static_cast<float>(values[i]) - 7.0f) << threads << " " << i;
    }
  }
  // A cut in the second half is reported by whichever thread reads it.
  const std::string bytes = test::read_text(path);
  std::ofstream(dir / "cut.fits", std::ios::binary) << bytes.substr(0, bytes.size() - 100000);
  set_threads(2);
  expect_bad_input(dir / "cut.fits", "truncated file");
  set_threads(0);
}

TEST(FitsRead, BlankBecomesNanAndNanStaysNan) {
  TempDir dir;
  const auto ints = dir / "blank.fits";
  {
    RawFits raw(ints);
    raw.image(SHORT_IMG, {3, 1});
    raw.key("BLANK", -32768, TINT);
    std::vector<std::int16_t> v = {5, -32768, 7};
    raw.pixels(TSHORT, v.data(), 3);
  }
  const Image a = read_image(ints).image;
  EXPECT_EQ(a.data()[0], 5.0f);
  EXPECT_TRUE(std::isnan(a.data()[1]));
  EXPECT_EQ(a.data()[2], 7.0f);

  const auto floats = dir / "nan.fits";
  Image img(3, 1, 1.0f);
  img(1, 0) = std::numeric_limits<float>::quiet_NaN();
  write_image(floats, img, {});
  const Image b = read_image(floats).image;
  EXPECT_EQ(b.data()[0], 1.0f);
  EXPECT_TRUE(std::isnan(b.data()[1]));
}

TEST(FitsRead, TileCompressedInput) {
  TempDir dir;
  const auto path = dir / "img.fits.fz";
  std::vector<std::uint16_t> values(300 * 200);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::uint16_t>(i * 7919);
  {
    RawFits raw(path);
    fits_set_compression_type(raw.file, RICE_1, &raw.status);
    raw.image(USHORT_IMG, {300, 200});
    raw.key("EXPTIME", 30.0, TDOUBLE);
    fits_write_img(raw.file, TUSHORT, 1, static_cast<long>(values.size()), values.data(),
                   &raw.status);
  }
  const auto list = read_hdu_list(path);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_TRUE(list[0].shape.empty());
  EXPECT_TRUE(list[1].compressed);
  EXPECT_EQ(list[1].bitpix, 16);
  EXPECT_EQ(list[1].shape, (std::vector<long>{300, 200}));
  EXPECT_EQ(list[1].header.get_double("EXPTIME"), 30.0);
  EXPECT_FALSE(list[1].header.has("ZIMAGE"));
  EXPECT_FALSE(list[1].header.has("TTYPE1"));

  const FitsImage in = read_image(path);  // primary is empty: first image extension
  EXPECT_EQ(in.info.index, 1);
  ASSERT_EQ(in.image.width(), 300u);
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(in.image.data()[i], static_cast<float>(values[i])) << i;
  }
}

TEST(FitsRead, GzipCompressedInput) {
  TempDir dir;
  const auto path = dir / "img.fits.gz";
  const Image img = ramp(40, 30);
  {
    // cfitsio's extended name syntax gzips a file whose name ends in .gz.
    fitsfile* f = nullptr;
    int status = 0;
    long axes[2] = {40, 30};
    fits_create_file(&f, path.c_str(), &status);
    fits_create_img(f, FLOAT_IMG, 2, axes, &status);
    fits_write_img(f, TFLOAT, 1, 1200, const_cast<float*>(img.data()), &status);
    fits_close_file(f, &status);
    ASSERT_EQ(status, 0);
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_EQ(in.get(), 0x1f);  // really gzip
  const FitsImage read = read_image(path);
  ASSERT_TRUE(read.image.same_shape(img));
  for (std::size_t i = 0; i < img.size(); ++i) EXPECT_EQ(read.image.data()[i], img.data()[i]);
}

TEST(FitsRead, CubeWithOnePlaneIsAnImage) {
  TempDir dir;
  const auto path = dir / "cube1.fits";
  {
    RawFits raw(path);
    raw.image(FLOAT_IMG, {4, 3, 1});
    std::vector<float> v(12, 2.0f);
    raw.pixels(TFLOAT, v.data(), 12);
  }
  const FitsImage in = read_image(path);
  EXPECT_EQ(in.image.width(), 4u);
  EXPECT_EQ(in.image.height(), 3u);
  EXPECT_EQ(in.image(3, 2), 2.0f);
}

TEST(FitsRead, MemoryReaderMatchesFileReader) {
  TempDir dir;
  const auto path = dir / "a.fits";
  Header h;
  h.set("OBJECT", "M42");
  write_image(path, ramp(17, 9), h);
  const std::string bytes = test::read_text(path);
  const FitsImage a = read_image(path);
  const FitsImage b = read_image_memory(bytes.data(), bytes.size(), "a.fits");
  ASSERT_TRUE(a.image.same_shape(b.image));
  for (std::size_t i = 0; i < a.image.size(); ++i) EXPECT_EQ(a.image.data()[i], b.image.data()[i]);
  EXPECT_EQ(b.header().get_string("OBJECT"), "M42");
  EXPECT_EQ(read_hdu_list_memory(bytes.data(), bytes.size(), "a.fits").size(), 1u);
  const Error e = error_of([&] { read_image_memory(bytes.data(), 100, "cut.fits"); });
  EXPECT_EQ(e.code(), ExitCode::kBadInput);
  EXPECT_NE(std::string(e.what()).find("cut.fits: truncated"), std::string::npos) << e.what();
}

// ---- headers through files ---------------------------------------------------

TEST(FitsHeader, CardsOfEveryTypeRoundTrip) {
  TempDir dir;
  const auto path = dir / "h.fits";
  const std::string long_text =
      "a string value that is much longer than one card can hold, so it needs CONTINUE cards "
      "to survive the trip, with an 'apostrophe' inside and & in the middle";
  Header h;
  h.set("FLAG", true, "a logical");
  h.set("COUNT", std::int64_t{-9007199254740993}, "an integer beyond double precision");
  h.set("GAIN", 0.1, "shortest exact text");
  h.set("TINY", 1.5e-300);
  h.set("QUOTE", "it's");
  h.set("LONGSTR", long_text, "long comment");
  h.set("UNDEF", Header::Value{}, "no value");
  h.set("ESO DET DIT", 12.5, "hierarch");
  h.set("OBSTARGET", "NGC 7000");  // 9 characters: HIERARCH too
  h.set("HIERARCH ESO INS FILT1 NAME", long_text);
  h.add_history("first history");
  h.add_comment("a comment card");
  h.set("BZERO", 32768.0);  // structural: never written with float data
  h.set("NAXIS3", 7);
  write_image(path, ramp(3, 2), h);

  const Header r = read_image(path).header();
  EXPECT_EQ(r.get_bool("FLAG"), true);
  EXPECT_EQ(r.get_int("COUNT"), -9007199254740993);
  EXPECT_EQ(r.get_double("GAIN"), 0.1);
  EXPECT_EQ(r.get_double("TINY"), 1.5e-300);
  EXPECT_EQ(r.get_string("QUOTE"), "it's");
  EXPECT_EQ(r.get_string("LONGSTR"), long_text);
  ASSERT_NE(r.find("LONGSTR"), nullptr);
  EXPECT_EQ(r.find("LONGSTR")->comment, "long comment");
  ASSERT_NE(r.find("UNDEF"), nullptr);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r.find("UNDEF")->value));
  EXPECT_EQ(r.find("UNDEF")->comment, "no value");
  EXPECT_EQ(r.find("FLAG")->comment, "a logical");
  EXPECT_EQ(r.get_double("ESO DET DIT"), 12.5);
  EXPECT_EQ(r.get_string("OBSTARGET"), "NGC 7000");
  EXPECT_EQ(r.get_string("ESO INS FILT1 NAME"), long_text);
  EXPECT_EQ(r.history(), std::vector<std::string>{"first history"});
  EXPECT_FALSE(r.has("BZERO"));
  EXPECT_FALSE(r.has("NAXIS3"));
  EXPECT_FALSE(r.has("CONTINUE"));

  // The cards as stored.
  EXPECT_EQ(raw_card(path, 0, "BZERO"), "");
  const std::string hierarch = raw_card(path, 0, "HIERARCH ESO DET DIT");
  EXPECT_EQ(hierarch.rfind("HIERARCH ESO DET DIT = ", 0), 0u) << hierarch;
  EXPECT_NE(hierarch.find("12.5 / hierarch"), std::string::npos) << hierarch;
  EXPECT_NE(raw_card(path, 0, "HIERARCH ESO INS FILT1 NAME").find("&'"), std::string::npos);
  EXPECT_EQ(raw_card(path, 0, "GAIN").substr(0, 30), "GAIN    =                  0.1");

  // User cards keep their order.
  std::vector<std::string> keys;
  for (const auto& c : r.cards()) keys.push_back(c.key);
  const std::vector<std::string> expected = {
      "FLAG",    "COUNT",  "GAIN",        "TINY",      "QUOTE",
      "LONGSTR", "UNDEF",  "ESO DET DIT", "OBSTARGET", "ESO INS FILT1 NAME",
      "HISTORY", "COMMENT"};
  EXPECT_EQ(keys, expected);
}

TEST(FitsHeader, LongStringsOfEveryLengthAndQuotePlacement) {
  TempDir dir;
  const auto path = dir / "long.fits";
  Header h;
  std::vector<std::string> values;
  for (std::size_t n = 40; n < 160; n += 7) {
    std::string v;
    for (std::size_t i = 0; i < n; ++i) {
      v += (i % 5 == 3 || i % 11 == 0) ? '\'' : char('a' + i % 26);
    }
    values.push_back(v);
    const std::string comment(n % 3 == 0 ? 70 : 10, 'c');
    h.set(fmt::format("S{}", n), v, comment);
    h.set(fmt::format("ESO LONG KEY {}", n), v, comment);
  }
  write_image(path, Image(1, 1), h);
  const Header r = read_image(path).header();
  for (std::size_t k = 0; k < values.size(); ++k) {
    const std::size_t n = 40 + 7 * k;
    EXPECT_EQ(r.get_string(fmt::format("S{}", n)), values[k]) << n;
    EXPECT_EQ(r.get_string(fmt::format("ESO LONG KEY {}", n)), values[k]) << n;
    // Cut to fit a one-card value; on a continued value cut only at 65, on a card of its own.
    const std::string comment = r.find(fmt::format("S{}", n))->comment;
    EXPECT_EQ(comment.find_first_not_of('c'), std::string::npos);
    if (n >= 70) {
      EXPECT_EQ(comment.size(), n % 3 == 0 ? 65u : 10u) << n;
    }
  }
}

TEST(FitsHeader, StampAddsDateAndSplitHistory) {
  Header h;
  const std::string params(200, 'p');
  stamp(h, "imarith", "a.fits SUB b.fits " + params);
  const auto date = h.get_string("DATE");
  ASSERT_TRUE(date.has_value());
  EXPECT_TRUE(std::regex_match(*date, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)"))) << *date;
  const auto history = h.history();
  ASSERT_GE(history.size(), 4u);
  EXPECT_EQ(history[0], std::string("ap ") + kVersion + " imarith: a.fits SUB b.fits");
  std::string joined;
  for (const auto& line : history) {
    EXPECT_LE(line.size(), 72u);
    joined += line;
  }
  EXPECT_EQ(joined, std::string("ap ") + kVersion + " imarith: a.fits SUB b.fits" + params);

  TempDir dir;
  write_image(dir / "s.fits", Image(2, 2), h);
  EXPECT_EQ(read_image(dir / "s.fits").header().history(), history);
}

// ---- writing -----------------------------------------------------------------

TEST(FitsWrite, Float32AndFloat64RoundTrip) {
  TempDir dir;
  Image img = ramp(31, 7);
  img(3, 3) = 1.0e-38f;
  img(4, 4) = -3.4e38f;
  FitsWriter w(dir / "two.fits");
  w.add_image(img, {});
  w.add_image(img, {}, "DOUBLE", PixelType::kFloat64);
  w.commit();
  const auto list = read_hdu_list(dir / "two.fits");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].bitpix, -32);
  EXPECT_EQ(list[1].bitpix, -64);
  EXPECT_EQ(list[1].extname, "DOUBLE");
  for (const char* hdu : {"0", "1"}) {
    const Image back = read_image(dir / "two.fits", {.hdu = hdu}).image;
    ASSERT_TRUE(back.same_shape(img));
    for (std::size_t i = 0; i < img.size(); ++i) ASSERT_EQ(back.data()[i], img.data()[i]) << i;
  }
}

TEST(FitsWrite, MaskIsUint8WithoutScaling) {
  TempDir dir;
  Mask mask(5, 4);
  for (std::size_t i = 0; i < mask.size(); ++i) mask.data()[i] = static_cast<std::uint8_t>(i * 13);
  FitsWriter w(dir / "m.fits");
  w.add_image(Image(5, 4, 1.0f), {});
  w.add_mask(mask, {});
  w.commit();
  const auto list = read_hdu_list(dir / "m.fits");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].extname, "MASK");
  EXPECT_EQ(list[1].bitpix, 8);
  EXPECT_EQ(list[1].bzero, 0.0);
  EXPECT_EQ(raw_card(dir / "m.fits", 1, "BZERO"), "");
  const Mask back = read_mask(dir / "m.fits", "mask");
  ASSERT_TRUE(back.same_shape(mask));
  for (std::size_t i = 0; i < mask.size(); ++i) EXPECT_EQ(back.data()[i], mask.data()[i]);
}

Table every_type_table() {
  Table t;
  t.columns.push_back({"D", "deg", std::vector<double>{0.1, -1e300, 3.0}});
  t.columns.push_back({"F", "", std::vector<float>{1.5f, -0.0f, 3.4e38f}});
  t.columns.push_back({"I32", "pix", std::vector<std::int32_t>{-2147483647 - 1, 0, 2147483647}});
  t.columns.push_back({"I64", "", std::vector<std::int64_t>{-(1LL << 62), 1, (1LL << 62) + 1}});
  t.columns.push_back({"U8", "", std::vector<std::uint8_t>{0, 128, 255}});
  t.columns.push_back({"NAME", "", std::vector<std::string>{"alpha", "", "a much longer name"}});
  return t;
}

void expect_same_table(const Table& a, const Table& b) {
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (std::size_t i = 0; i < a.columns.size(); ++i) {
    EXPECT_EQ(a.columns[i].name, b.columns[i].name);
    EXPECT_EQ(a.columns[i].unit, b.columns[i].unit);
    EXPECT_EQ(a.columns[i].data, b.columns[i].data) << a.columns[i].name;
  }
}

TEST(FitsWrite, TableOfEveryColumnTypeFirstGetsEmptyPrimary) {
  TempDir dir;
  const auto path = dir / "t.fits";
  const Table t = every_type_table();
  Header h;
  h.set("SOURCES", 3);
  FitsWriter w(path);
  w.add_table(t, h, "SOURCES");
  w.add_image(ramp(4, 4), {}, "IMAGE");  // an image after a table
  w.commit();

  const auto list = read_hdu_list(path);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_TRUE(list[0].shape.empty());
  EXPECT_EQ(list[1].type, HduType::kBinaryTable);
  EXPECT_EQ(list[1].shape, (std::vector<long>{3, 6}));
  EXPECT_EQ(list[2].extname, "IMAGE");

  Header back_header;
  const Table back = read_table(path, "sources", &back_header);
  expect_same_table(t, back);
  EXPECT_EQ(back_header.get_int("SOURCES"), 3);
  EXPECT_FALSE(back_header.has("TTYPE1"));
  EXPECT_EQ(read_table(path, "").rows(), 3u);  // first table
  EXPECT_EQ(back.numbers("i32")[2], 2147483647.0);
  EXPECT_EQ(error_of([&] { back.numbers("NAME"); }).code(), ExitCode::kBadInput);
  EXPECT_EQ(error_of([&] { back.numbers("NOPE"); }).code(), ExitCode::kBadInput);
}

TEST(FitsWrite, EmptyTableAndLogicalColumns) {
  TempDir dir;
  const auto path = dir / "e.fits";
  Table empty;
  empty.columns.push_back({"X", "", std::vector<double>{}});
  FitsWriter w(path);
  w.add_table(empty, {}, "EMPTY");
  w.commit();
  const Table back = read_table(path, "EMPTY");
  ASSERT_EQ(back.columns.size(), 1u);
  EXPECT_EQ(back.rows(), 0u);

  // Logical columns (written by other programs) come back as 0/1 bytes.
  const auto logical = dir / "l.fits";
  {
    RawFits raw(logical);
    char name[] = "OK";
    char form[] = "1L";
    char* names[] = {name};
    char* forms[] = {form};
    fits_create_tbl(raw.file, BINARY_TBL, 3, 1, names, forms, nullptr, "FLAGS", &raw.status);
    char values[] = {1, 0, 1};
    fits_write_col(raw.file, TLOGICAL, 1, 1, 1, 3, values, &raw.status);
  }
  const Table flags = read_table(logical, "FLAGS");
  EXPECT_EQ(flags.columns[0].data, Column::Data(std::vector<std::uint8_t>{1, 0, 1}));
}

// cfitsio's own verification of DATASUM and CHECKSUM in HDUs 1..n.
void expect_valid_checksums(const fs::path& path, int n) {
  fitsfile* f = nullptr;
  int status = 0;
  fits_open_diskfile(&f, path.c_str(), READONLY, &status);
  for (int hdu = 1; hdu <= n; ++hdu) {
    int data_ok = 0, header_ok = 0;
    fits_movabs_hdu(f, hdu, nullptr, &status);
    fits_verify_chksum(f, &data_ok, &header_ok, &status);
    EXPECT_EQ(data_ok, 1) << hdu;
    EXPECT_EQ(header_ok, 1) << hdu;
  }
  fits_close_file(f, &status);
  EXPECT_EQ(status, 0);
}

TEST(FitsWrite, ChecksumsOnEveryHduAreValid) {
  TempDir dir;
  const auto path = dir / "c.fits";
  FitsWriter w(path);
  w.add_image(ramp(10, 10), {});
  w.add_mask(Mask(10, 10, 3), {});
  w.add_table(every_type_table(), {}, "T");
  w.add_empty({});
  w.commit();
  expect_valid_checksums(path, 4);
  EXPECT_NE(raw_card(path, 2, "DATASUM"), "");
}

// Data units are converted and summed in parallel chunks of 2^21 values: sizes
// across chunk boundaries and masks whose size is not a multiple of 4 bytes.
TEST(FitsWrite, LargeAndOddSizedDataUnitsKeepValuesAndChecksums) {
  TempDir dir;
  const auto path = dir / "big.fits";
  Image big(3001, 1500);  // 4.5 M values: three chunks, the last partial
  for (std::size_t i = 0; i < big.size(); ++i) big.data()[i] = static_cast<float>(i) * 0.37f - 1e5f;
  Mask odd(1001, 3);
  for (std::size_t i = 0; i < odd.size(); ++i) odd.data()[i] = static_cast<std::uint8_t>(i * 7);
  FitsWriter w(path);
  w.add_image(big, {});
  w.add_mask(odd, {});
  w.add_image(big, {}, "DOUBLE", PixelType::kFloat64);
  w.commit();
  expect_valid_checksums(path, 3);
  const Image back = read_image(path).image;
  EXPECT_TRUE(std::equal(back.pixels().begin(), back.pixels().end(), big.pixels().begin()));
  const Mask mask = read_mask(path, "1");
  EXPECT_TRUE(std::equal(mask.pixels().begin(), mask.pixels().end(), odd.pixels().begin()));
  const auto list = read_hdu_list(path);
  EXPECT_EQ(list[2].bitpix, -64);
  const Image twice = read_image(path, {.hdu = "DOUBLE"}).image;
  EXPECT_TRUE(std::equal(twice.pixels().begin(), twice.pixels().end(), big.pixels().begin()));
}

TEST(FitsWrite, CopiedHeaderLosesScalingForFloatData) {
  TempDir dir;
  const auto in = dir / "raw.fits";
  {
    RawFits raw(in);
    raw.image(USHORT_IMG, {2, 2});
    raw.key("EXPTIME", 60.0, TDOUBLE);
    std::vector<std::uint16_t> v = {1, 2, 3, 4};
    fits_write_img(raw.file, TUSHORT, 1, 4, v.data(), &raw.status);
  }
  const FitsImage img = read_image(in);
  write_image(dir / "out.fits", img.image, img.header(), {in});
  const auto out = read_hdu_list(dir / "out.fits")[0];
  EXPECT_EQ(out.bitpix, -32);
  EXPECT_EQ(out.bzero, 0.0);
  EXPECT_EQ(raw_card(dir / "out.fits", 0, "BZERO"), "");
  EXPECT_EQ(raw_card(dir / "out.fits", 0, "BSCALE"), "");
  EXPECT_EQ(out.header.get_double("EXPTIME"), 60.0);
}

TEST(FitsWrite, NothingIsLeftWhenNotCommitted) {
  TempDir dir;
  try {
    FitsWriter w(dir / "out.fits");
    w.add_image(ramp(8, 8), {});
    EXPECT_EQ(files_in(dir.path()).size(), 1u);  // the hidden temporary file
    EXPECT_EQ(files_in(dir.path())[0].rfind(".out.fits.tmp-", 0), 0u);
    throw std::runtime_error("stage failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_TRUE(files_in(dir.path()).empty());

  Table bad;
  bad.columns.push_back({"A", "", std::vector<double>{1, 2}});
  bad.columns.push_back({"B", "", std::vector<double>{1}});
  const Error e = error_of([&] {
    FitsWriter w(dir / "t.fits");
    w.add_table(bad, {}, "T");
  });
  EXPECT_NE(std::string(e.what()).find("'B' has 1 rows"), std::string::npos) << e.what();
  EXPECT_TRUE(files_in(dir.path()).empty());
}

TEST(FitsWrite, CommitReplacesAnExistingOutput) {
  TempDir dir;
  write_image(dir / "o.fits", Image(2, 2, 1.0f), {});
  write_image(dir / "o.fits", Image(3, 3, 2.0f), {});
  const Image back = read_image(dir / "o.fits").image;
  EXPECT_EQ(back.width(), 3u);
  EXPECT_EQ(files_in(dir.path()).size(), 1u);
}

TEST(FitsWrite, RefusesToOverwriteAnInput) {
  TempDir dir;
  const auto in = dir / "raw.fits";
  write_image(in, Image(2, 2, 5.0f), {});
  const auto other = dir / "x" / ".." / "raw.fits";
  fs::create_directory(dir / "x");
  for (const auto& out : {in, other, fs::relative(in)}) {
    const Error e = error_of([&] { FitsWriter w(out, {dir / "other.fits", in}); });
    EXPECT_EQ(e.code(), ExitCode::kOutputError);
    EXPECT_EQ(std::string(e.what()), out.string() + ": output path is the same as an input");
  }
  EXPECT_EQ(read_image(in).image(0, 0), 5.0f);  // untouched
}

TEST(FitsWrite, MissingDirectoryIsAnOutputError) {
  TempDir dir;
  const auto out = dir / "missing" / "o.fits";
  const Error e = error_of([&] { write_image(out, Image(2, 2), {}); });
  EXPECT_EQ(e.code(), ExitCode::kOutputError);
  EXPECT_EQ(std::string(e.what()).rfind(out.string() + ": ", 0), 0u) << e.what();
  EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  EXPECT_TRUE(files_in(dir.path()).empty());
}

TEST(FitsWrite, ReadOnlyDirectoryIsAnOutputError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write anywhere";
  TempDir dir;
  fs::create_directory(dir / "ro");
  fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  const Error ro = error_of([&] { write_image(dir / "ro" / "o.fits", Image(2, 2), {}); });
  EXPECT_EQ(ro.code(), ExitCode::kOutputError);
  EXPECT_NE(std::string(ro.what()).find("not writable"), std::string::npos) << ro.what();
  fs::permissions(dir / "ro", fs::perms::owner_all);
}

// ---- HDU selection -----------------------------------------------------------

TEST(FitsSelect, ByNumberOrCaseInsensitiveExtname) {
  TempDir dir;
  const auto path = dir / "multi.fits";
  FitsWriter w(path);
  Header primary;
  primary.set("TELESCOP", "T1");
  w.add_empty(primary);
  w.add_image(Image(2, 2, 1.0f), {}, "SCI");
  w.add_image(Image(3, 3, 2.0f), {}, "VAR");
  w.commit();
  EXPECT_EQ(read_image(path).image(0, 0), 1.0f);  // empty primary: first image extension
  EXPECT_EQ(read_image(path, {.hdu = "var"}).image(0, 0), 2.0f);
  EXPECT_EQ(read_image(path, {.hdu = "2"}).info.extname, "VAR");
  EXPECT_EQ(read_hdu_list(path)[0].header.get_string("TELESCOP"), "T1");
  expect_bad_input(path, "HDU 7 does not exist (the file has 3 HDUs)", {.hdu = "7"});
  expect_bad_input(path, "no HDU with EXTNAME 'DQ' (the file has SCI, VAR)", {.hdu = "DQ"});
  expect_bad_input(path, "HDU 0 has no image data", {.hdu = "0"});
}

// ---- bad input ---------------------------------------------------------------

TEST(FitsBadInput, EachProblemIsOneLineNamingTheFile) {
  TempDir dir;
  const auto good = dir / "good.fits";
  write_image(good, ramp(100, 80), {});
  const std::string bytes = test::read_text(good);
  const auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
    return dir / name;
  };

  expect_bad_input(dir / "missing.fits", "no such file");
  expect_bad_input(dir.path(), "is a directory");
  expect_bad_input(write("text.fits", std::string(5000, 'x')), "not a FITS file");
  expect_bad_input(write("empty.fits", ""), "empty file");
  expect_bad_input(write("head.fits", bytes.substr(0, 1000)), "truncated file (header cut short)");
  const auto cut = write("cut.fits", bytes.substr(0, 2880 + 5000));
  expect_bad_input(cut, "truncated file (HDU 0 needs 32000 bytes of data, 5000 present)");
  EXPECT_EQ(error_of([&] { read_hdu_list(cut); }).code(), ExitCode::kBadInput);

  const auto cube = dir / "cube.fits";
  {
    RawFits raw(cube);
    raw.image(FLOAT_IMG, {4, 3, 2});
    std::vector<float> v(24, 1.0f);
    raw.pixels(TFLOAT, v.data(), 24);
  }
  expect_bad_input(cube, "3-D cube (4x3x2) where a 2-D image is needed");

  const auto table_only = dir / "table.fits";
  {
    FitsWriter w(table_only);
    w.add_table(every_type_table(), {}, "CAT");
    w.commit();
  }
  expect_bad_input(table_only, "no image data in any HDU");
  expect_bad_input(table_only, "HDU 1 is a binary table, not an image", {.hdu = "CAT"});

  if (::geteuid() != 0) {
    const auto locked = write("locked.fits", bytes);
    fs::permissions(locked, fs::perms::none);
    expect_bad_input(locked, "cannot open: Permission denied");
  }
}

TEST(FitsBadInput, TruncatedExtensionHeaderAndData) {
  TempDir dir;
  const auto path = dir / "two.fits";
  FitsWriter w(path);
  w.add_image(Image(10, 10, 1.0f), {});
  w.add_image(Image(100, 100, 2.0f), {}, "SECOND");
  w.commit();
  const std::string bytes = test::read_text(path);
  const auto first_hdu = 2 * 2880u;  // header + 400 bytes of data, padded
  const auto write = [&](const std::string& name, std::size_t size) {
    std::ofstream(dir / name, std::ios::binary) << bytes.substr(0, size);
    return dir / name;
  };
  // The first HDU stays readable; the damaged one is reported when reached.
  const auto short_header = write("h.fits", first_hdu + 1000);
  EXPECT_EQ(read_image(short_header).image(0, 0), 1.0f);
  expect_bad_input(short_header, "truncated file (header of HDU 1 cut short)", {.hdu = "1"});
  const auto short_data = write("d.fits", first_hdu + 2880 + 100);
  expect_bad_input(short_data, "truncated file (HDU 1 needs 40000 bytes of data, 100 present)",
                   {.hdu = "SECOND"});
  // Missing padding after complete data is tolerated, as other readers do.
  const auto unpadded = write("p.fits", first_hdu + 2880 + 40000);
  EXPECT_EQ(read_image(unpadded, {.hdu = "1"}).image(99, 99), 2.0f);
}

// cfitsio divides by ZTILEn while moving onto a compressed HDU (found by the fuzzer).
TEST(FitsBadInput, CompressedHeaderWithZeroTileIsRefusedBeforeCfitsioSeesIt) {
  TempDir dir;
  const auto path = dir / "img.fits.fz";
  {
    RawFits raw(path);
    fits_set_compression_type(raw.file, GZIP_2, &raw.status);
    raw.image(FLOAT_IMG, {8, 6});
    std::vector<float> values(48, 1.0f);
    fits_write_img(raw.file, TFLOAT, 1, 48, values.data(), &raw.status);
  }
  std::string bytes = test::read_text(path);
  const auto at = bytes.find("ZTILE2  =");
  ASSERT_NE(at, std::string::npos);
  const auto with_value = [&](const std::string& name, const std::string& value) {
    std::string b = bytes;
    b.replace(at + 10, 20, fmt::format("{:>20}", value));  // columns 11-30
    std::ofstream(dir / name, std::ios::binary) << b;
    return dir / name;
  };
  expect_bad_input(with_value("zero.fits", "0"), "corrupt compressed image in HDU 1 (ZTILE2 = 0)");
  // cfitsio would read these as 0 too: its first token, a float, a quoted string.
  expect_bad_input(with_value("token.fits", "0        1"),
                   "(ZTILE2 = 0        1 is not an integer)");
  expect_bad_input(with_value("float.fits", "0.5"), "(ZTILE2 = 0.5 is not an integer)");
  expect_bad_input(with_value("quoted.fits", "'0'"), "(ZTILE2 = '0' is not an integer)");
}

// cfitsio copies a value written right after '=' (71 characters), or an
// unquoted one of 70, into a 70-character buffer while it opens a table
// (both found by the fuzzer).
TEST(FitsBadInput, TableCardWithoutTheValueSpaceIsRefusedBeforeCfitsioSeesIt) {
  TempDir dir;
  const auto path = dir / "t.fits";
  Table t;
  t.columns.push_back({"X", "", std::vector<double>{1.0, 2.0}});
  FitsWriter w(path);
  w.add_table(t, {}, "T");
  w.commit();
  std::string bytes = test::read_text(path);
  const auto at = bytes.find("TTYPE1  = ");
  ASSERT_NE(at, std::string::npos);
  // And an unquoted value filling the 70 columns after "= " (found by the fuzzer as well).
  for (const std::string& card : {"TTYPE1  =" + std::string(71, 'x'), "TTYPE1  = " + std::string(70, ':')}) {
    std::string bad = bytes;
    bad.replace(at, 80, card);
    std::ofstream(dir / "bad.fits", std::ios::binary | std::ios::trunc) << bad;
    const Error e = error_of([&] { read_hdu_list(dir / "bad.fits"); });
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("corrupt header in HDU 1 (card "), std::string::npos)
        << e.what();
  }
}

TEST(FitsBadInput, MaskAndTableErrors) {
  TempDir dir;
  const auto path = dir / "i.fits";
  Image img(2, 2, 300.0f);
  write_image(path, img, {});
  const Error e = error_of([&] { read_mask(path, "0"); });
  EXPECT_EQ(e.code(), ExitCode::kBadInput);
  EXPECT_NE(std::string(e.what()).find("mask values outside 0..255"), std::string::npos);
  const Error t = error_of([&] { read_table(path, ""); });
  EXPECT_NE(std::string(t.what()).find("no table in any HDU"), std::string::npos) << t.what();
  const Error i = error_of([&] { read_table(path, "0"); });
  EXPECT_NE(std::string(i.what()).find("HDU 0 is an image, not a table"), std::string::npos);
}

}  // namespace
}  // namespace ap
