// End-to-end tests of the ap command line: the platform commands and every
// bad input of the platform issue (one-line error, documented exit code, no
// output file).
#include <fitsio.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fits.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;
using test::run_ap;
using test::TempDir;

void write_constant(const fs::path& path, std::size_t w, std::size_t h, float value) {
  Header header;
  header.set("EXPTIME", 300.0, "Exposure");
  header.set("FILTER", "Red");
  write_image(path, Image(w, h, value), header);
}

void write_cube(const fs::path& path) {
  int status = 0;
  fitsfile* f = nullptr;
  long naxes[3] = {4, 3, 2};
  std::vector<float> data(24, 1.0f);
  fits_create_file(&f, path.c_str(), &status);
  fits_create_img(f, FLOAT_IMG, 3, naxes, &status);
  fits_write_img(f, TFLOAT, 1, 24, data.data(), &status);
  fits_close_file(f, &status);
  ASSERT_EQ(status, 0);
}

void write_empty_primary(const fs::path& path) {
  int status = 0;
  fitsfile* f = nullptr;
  fits_create_file(&f, path.c_str(), &status);
  fits_create_img(f, FLOAT_IMG, 0, nullptr, &status);
  fits_close_file(f, &status);
  ASSERT_EQ(status, 0);
}

// The error is a single line on stderr, mentions `needle`, and nothing else was written.
void expect_one_line_error(const test::CommandResult& r, int code, const std::string& needle) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

void expect_no_output(const TempDir& dir, const std::vector<std::string>& allowed) {
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_NE(std::find(allowed.begin(), allowed.end(), name), allowed.end())
        << "unexpected file " << name;
  }
}

TEST(Cli, HelpListsImplementedCommandsAndVersion) {
  const auto help = run_ap("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("imarith"), std::string::npos);
  EXPECT_NE(help.out.find("info"), std::string::npos);
  for (const char* command : {"calibrate", "metadata", "stars", "solve", "quality", "resample", "coadd",
                              "stack", "continuum", "rgb", "run", "demo"})
    EXPECT_NE(help.out.find(std::string("\n  ") + command), std::string::npos) << command;
  const auto version = run_ap("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("ap 0."), std::string::npos);
  const auto sub = run_ap("imarith --help");
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.out.find("--units"), std::string::npos);
}

TEST(Cli, UnknownCommandOrOptionIsUsageError) {
  EXPECT_EQ(run_ap("frobnicate").exit_code, 2);
  EXPECT_EQ(run_ap("info --no-such-option x.fits").exit_code, 2);
  EXPECT_EQ(run_ap("--loglevel LOUD info x.fits").exit_code, 2);
}

TEST(Cli, ImarithWithNumberAndImage) {
  TempDir dir;
  write_constant(dir / "a.fits", 8, 5, 10.0f);
  write_constant(dir / "b.fits", 8, 5, 4.0f);
  auto r = run_ap(fmt::format("imarith {} sub 2.5 {} --units adu", (dir / "a.fits").string(),
                              (dir / "c.fits").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  FitsImage c = read_image(dir / "c.fits");
  EXPECT_FLOAT_EQ(c.image(7, 4), 7.5f);
  EXPECT_EQ(c.header().get_string("BUNIT").value_or(""), "adu");
  EXPECT_EQ(c.header().get_string("FILTER").value_or(""), "Red");
  std::string history;
  for (const std::string& line : c.header().history()) history += line;
  EXPECT_NE(history.find("imarith"), std::string::npos) << history;
  EXPECT_NE(history.find("sub 2.5"), std::string::npos) << history;

  r = run_ap(fmt::format("imarith {} DIV {} {}", (dir / "a.fits").string(),
                         (dir / "b.fits").string(), (dir / "d.fits").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FLOAT_EQ(read_image(dir / "d.fits").image(0, 0), 2.5f);
}

TEST(Cli, CompatibilityNameDispatchesToSubcommand) {
  TempDir dir;
  write_constant(dir / "a.fits", 4, 4, 3.0f);
  fs::create_symlink(AP_BINARY, dir / "ap_imarith");
  const auto r = test::run((dir / "ap_imarith").string(),
                           fmt::format("{} MUL 2 {}", (dir / "a.fits").string(),
                                       (dir / "b.fits").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FLOAT_EQ(read_image(dir / "b.fits").image(1, 1), 6.0f);
}

TEST(Cli, UnderscoreSpellingsAreAccepted) {
  TempDir dir;
  write_constant(dir / "a.fits", 4, 4, 3.0f);
  const auto r = run_ap(fmt::format("imarith {} ADD 1 {} --units adu", (dir / "a.fits").string(),
                                    (dir / "b.fits").string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string file = (dir / "a.fits").string();
  EXPECT_EQ(run_ap(fmt::format("--loglevel debug info {}", file)).exit_code, 0);
}

TEST(Cli, InfoReportsShapeKeywordsAndStatistics) {
  TempDir dir;
  write_constant(dir / "a.fits", 6, 4, 2.0f);
  const auto r = run_ap("info --json " + (dir / "a.fits").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& hdu = j[0]["hdus"][0];
  EXPECT_EQ(hdu["shape"], nlohmann::json({6, 4}));
  EXPECT_EQ(hdu["bitpix"], -32);
  EXPECT_EQ(hdu["keywords"]["FILTER"], "Red");
  EXPECT_EQ(hdu["wcs"], false);
  EXPECT_DOUBLE_EQ(hdu["stats"]["median"].get<double>(), 2.0);
  EXPECT_EQ(hdu["stats"]["nan_count"], 0);
  const auto text = run_ap("info --header " + (dir / "a.fits").string());
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("EXPTIME"), std::string::npos);
}

TEST(CliBadInput, NotAFitsFile) {
  TempDir dir;
  std::ofstream(dir / "notes.fits") << "this is not FITS\n";
  const auto r = run_ap(fmt::format("imarith {} ADD 1 {}", (dir / "notes.fits").string(),
                                    (dir / "out.fits").string()));
  expect_one_line_error(r, 3, "notes.fits");
  expect_no_output(dir, {"notes.fits"});
}

TEST(CliBadInput, TruncatedFile) {
  TempDir dir;
  write_constant(dir / "full.fits", 200, 200, 1.0f);
  fs::copy_file(dir / "full.fits", dir / "cut.fits");
  fs::resize_file(dir / "cut.fits", 2880 + 1000);  // header kept, data cut short
  fs::copy_file(dir / "full.fits", dir / "cuthdr.fits");
  fs::resize_file(dir / "cuthdr.fits", 500);  // header cut short
  for (const char* name : {"cut.fits", "cuthdr.fits"}) {
    const auto r = run_ap(fmt::format("imarith {} ADD 1 {}", (dir / name).string(),
                                      (dir / "out.fits").string()));
    expect_one_line_error(r, 3, name);
  }
  expect_no_output(dir, {"full.fits", "cut.fits", "cuthdr.fits"});
}

TEST(CliBadInput, CubeAndEmptyPrimary) {
  TempDir dir;
  write_cube(dir / "cube.fits");
  write_empty_primary(dir / "empty.fits");
  for (const char* name : {"cube.fits", "empty.fits"}) {
    const auto r = run_ap(fmt::format("imarith {} ADD 1 {}", (dir / name).string(),
                                      (dir / "out.fits").string()));
    expect_one_line_error(r, 3, name);
  }
  expect_no_output(dir, {"cube.fits", "empty.fits"});
}

TEST(CliBadInput, MissingOrUnreadableInput) {
  TempDir dir;
  fs::create_directory(dir / "adir.fits");
  for (const char* name : {"missing.fits", "adir.fits"}) {
    const auto r = run_ap(fmt::format("info {}", (dir / name).string()));
    expect_one_line_error(r, 3, name);
  }
}

TEST(CliBadInput, OutputDirectoryMissingOrOutputIsInput) {
  TempDir dir;
  write_constant(dir / "a.fits", 4, 4, 1.0f);
  const std::string before = test::read_text(dir / "a.fits");
  auto r = run_ap(fmt::format("imarith {} ADD 1 {}", (dir / "a.fits").string(),
                              (dir / "nodir" / "out.fits").string()));
  expect_one_line_error(r, 4, "nodir");
  r = run_ap(fmt::format("imarith {} ADD 1 {}", (dir / "a.fits").string(),
                         (dir / "a.fits").string()));
  expect_one_line_error(r, 4, "a.fits");
  EXPECT_EQ(test::read_text(dir / "a.fits"), before) << "input modified";
  expect_no_output(dir, {"a.fits"});
}

TEST(CliBadInput, ShapeMismatchAndBadOperand) {
  TempDir dir;
  write_constant(dir / "a.fits", 4, 3, 1.0f);
  write_constant(dir / "b.fits", 3, 4, 1.0f);
  auto r = run_ap(fmt::format("imarith {} ADD {} {}", (dir / "a.fits").string(),
                              (dir / "b.fits").string(), (dir / "out.fits").string()));
  expect_one_line_error(r, 3, "4x3");
  EXPECT_NE(r.err.find("3x4"), std::string::npos);
  r = run_ap(fmt::format("imarith {} ADD banana {}", (dir / "a.fits").string(),
                         (dir / "out.fits").string()));
  expect_one_line_error(r, 2, "banana");
  r = run_ap(fmt::format("imarith {} POW 2 {}", (dir / "a.fits").string(),
                         (dir / "out.fits").string()));
  expect_one_line_error(r, 2, "POW");
  expect_no_output(dir, {"a.fits", "b.fits"});
}

}  // namespace
}  // namespace ap
