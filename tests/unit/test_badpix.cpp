// ap badpix on a simulated master dark against the simulator's hot pixels,
// and the user YAML.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "calib/badcols.h"
#include "calib/badpix.h"
#include "core/error.h"
#include "core/fits.h"
#include "sim/simulate.h"
#include "unit/support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;

TEST(Badpix, FindsTheSimulatedHotPixelsWithFewFalsePositives) {
  test::TempDir dir;
  sim::SimulateOptions o = test::small_night(dir.path(), 512);
  o.bias_frames = o.dark_frames = 10;
  sim::simulate(o);
  const fs::path dark = test::files_under(dir / "cal/T20/Masters/Darks/2020-07-04").back();
  const auto r = test::run_ap(fmt::format("badpix '{}' '{}' --ds9 '{}'", dark.string(),
                                          (dir / "bp.fits").string(), (dir / "bp.reg").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Mask mask = read_mask(dir / "bp.fits", "");
  std::ifstream in(dir / "truth.json");
  const auto truth = nlohmann::json::parse(in)["detector"];
  std::set<std::pair<long, long>> known;  // 0-based (x, y) of every simulated defect
  std::size_t found = 0;
  for (const auto& p : truth["hot_pixels"]) {
    const long x = p[0].get<long>() - 1, y = p[1].get<long>() - 1;
    known.insert({x, y});
    found += (mask(static_cast<std::size_t>(x), static_cast<std::size_t>(y)) & kMaskHot) != 0;
  }
  for (const auto& p : truth["dead_pixels"]) {
    known.insert({p[0].get<long>() - 1, p[1].get<long>() - 1});
  }
  // The bad row's readout offset is in every dark, so in the master too.
  for (const auto& row : truth["bad_rows"]) {
    for (long x = 0; x < o.width; ++x) known.insert({x, row["y"].get<long>() - 1});
  }
  for (const auto& c : truth["bad_columns"]) {
    if (c["kind"] != "hot") continue;
    for (long y = c["y_first"].get<long>(); y <= c["y_last"].get<long>(); ++y) {
      known.insert({c["x"].get<long>() - 1, y - 1});
    }
  }
  const std::size_t hot = truth["hot_pixels"].size();
  ASSERT_GT(hot, 10u);
  EXPECT_GE(static_cast<double>(found), 0.99 * static_cast<double>(hot)) << found << "/" << hot;
  std::size_t false_positives = 0;
  for (std::size_t y = 0; y < mask.height(); ++y) {
    for (std::size_t x = 0; x < mask.width(); ++x) {
      if (mask(x, y) != 0 && !known.contains({static_cast<long>(x), static_cast<long>(y)})) {
        ++false_positives;
      }
    }
  }
  EXPECT_LE(static_cast<double>(false_positives), 0.001 * static_cast<double>(mask.size()))
      << false_positives;
  EXPECT_NE(test::read_text(dir / "bp.reg").find("point("), std::string::npos);
}

TEST(Badpix, UserYamlIsOredInAndMalformedEntriesAreNamed) {
  test::TempDir dir;
  std::ofstream(dir / "user.yml") << "bad_columns: [2]\nbad_rectangles:\n  - [1, 2, 4, 5]\n";
  const UserBadpix user = read_user_badpix(dir / "user.yml");
  EXPECT_TRUE(user.rows.empty());  // a missing section is empty
  Image dark(6, 4, 100.0f);
  dark(1, 0) = 1000.0f;  // hot, and in the user column: both bits
  const BadpixResult r = find_bad_pixels(dark, {}, &user);
  EXPECT_EQ(r.mask(1, 0), kMaskHot | kMaskUser);
  EXPECT_EQ(r.mask(1, 3), kMaskUser);
  EXPECT_EQ(r.mask(3, 1), kMaskUser);  // rectangle rows 1-2, columns 4-5
  EXPECT_EQ(r.mask(3, 2), 0);
  EXPECT_EQ(r.user, 4u + 4u);

  const auto error_for = [&](const std::string& text) {
    std::ofstream(dir / "bad.yml") << text;
    try {
      read_user_badpix(dir / "bad.yml");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kBadInput);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_for("bad_columns: [3, x]\n").find("bad.yml: line 1: bad_columns entry 'x' is "
                                                    "not an integer"),
            std::string::npos);
  EXPECT_NE(error_for("bad_rows: []\nbad_rectangles:\n  - [1, 2, 3]\n").find("line 3"),
            std::string::npos);
  EXPECT_NE(error_for("bad_colums: [1]\n").find("unknown key 'bad_colums'"), std::string::npos);
  // A key that is itself a mapping (found by fuzz_yaml_read; it used to escape as a yaml-cpp exception).
  EXPECT_NE(error_for("? {a: 1}\n: [1]\n").find("line 1: a key must be a plain name"), std::string::npos);
  EXPECT_EQ(read_user_badpix(dir / "user.yml").columns.size(), 1u);
}

// Every simulated bad column (hot, charge trap from part way down, low
// response for part of the frame) and the bad row, found in a raw light, and
// the YAML read back by badpix.
TEST(Badcols, FindsTheSimulatedBadColumnsAndRowAndBadpixReadsTheYaml) {
  test::TempDir dir;
  sim::SimulateOptions o = test::small_night(dir.path(), 512);
  o.calibration = false;
  sim::simulate(o);
  const fs::path light = test::files_under(dir / "data").back();
  const auto r = test::run_ap(
      fmt::format("badcols '{}' --yaml '{}'", light.string(), (dir / "cols.yml").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const UserBadpix found = read_user_badpix(dir / "cols.yml");
  std::ifstream in(dir / "truth.json");
  const auto truth = nlohmann::json::parse(in)["detector"];
  ASSERT_EQ(truth["bad_columns"].size(), 3u);
  for (const auto& c : truth["bad_columns"]) {
    EXPECT_NE(std::find(found.columns.begin(), found.columns.end(), c["x"].get<long>()),
              found.columns.end())
        << c.dump();
  }
  for (const auto& row : truth["bad_rows"]) {
    EXPECT_NE(std::find(found.rows.begin(), found.rows.end(), row["y"].get<long>()),
              found.rows.end());
  }
  EXPECT_LE(found.columns.size(), 3u + 5u);  // a few star-crossed columns at most
  EXPECT_LE(found.rows.size(), 1u + 5u);

  // No defect at all: both keys still written, and read back as empty.
  const BadcolsResult none = find_bad_columns(Image(64, 64, 7.0f));
  EXPECT_EQ(badcols_yaml(none, "x"), "# x\nbad_columns: []\nbad_rows: []\n");
}

}  // namespace
}  // namespace ap
