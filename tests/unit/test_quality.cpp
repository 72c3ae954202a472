// Quality grading: a simulated night with deliberately poor frames (doubled
// seeing, trailing, thick cloud) measured by the stars stage, reports with
// missing sections, and `ap quality` outputs and bad input.
#include <set>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/fits.h"
#include "measure/quality.h"
#include "measure/source_list.h"
#include "measure/stars.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;

TEST(QualityNight, FlagsEveryPoorFrameAndNoGoodOne) {
  test::TempDir dir;
  sim::SimulateOptions o = test::small_night(dir / "sim", 768, {"Red"}, 12);  // poor: at most a quarter
  o.calibration = false;
  o.max_stars = 20000;
  o.poor_frames = 3;
  sim::simulate(o);
  const auto truth = nlohmann::json::parse(test::read_text(dir / "sim" / "truth.json"));
  std::set<std::string> poor_truth, poor_found;
  fs::create_directory(dir / "q");
  for (const auto& frame : truth["frames"]) {
    const fs::path file = dir / "sim" / frame["file"].get<std::string>();
    if (!frame["poor"].get<std::string>().empty()) poor_truth.insert(file.filename().string());
    const FitsImage in = read_image(file);
    const StarsOptions so;
    const StarsResult r = find_stars(in.image, in.header(), so);
    const Header list = source_list_header(r, in.header(), file.string(), so);
    write_file_atomically(dir / "q" / ("qual_" + file.stem().string() + ".yaml"),
                          quality_report_yaml(r, list));
  }
  ASSERT_EQ(poor_truth.size(), 3u);
  const QualityOptions qo;
  const QualitySummary s = grade_quality(find_quality_reports(dir / "q", qo), qo);
  ASSERT_EQ(s.frames.size(), 12u);
  double best = 0.0;
  for (const QualityFrame& f : s.frames) {
    EXPECT_EQ(f.group, "NGC_6888:T20:Red");  // from the file name: the raw headers are empty
    if (f.poor) poor_found.insert(fs::path(f.values.at("image_info.file")).filename().string());
    EXPECT_EQ(f.poor, f.weight == 0.0);
    best = std::max(best, f.weight);
  }
  EXPECT_EQ(poor_found, poor_truth);
  EXPECT_DOUBLE_EQ(best, 1.0);
  for (std::size_t i = 1; i < s.frames.size(); ++i) EXPECT_LE(*s.frames[i - 1].mjd, *s.frames[i].mjd);
}

TEST(QualityReports, MissingKeysAreEmptyNotErrors) {
  test::TempDir dir;
  for (int i = 0; i < 4; ++i) {
    write_file_atomically(dir / fmt::format("qual_{}.yaml", i),
                          fmt::format("image_info:\n  object: M 82\n  telescope: T05\n  filter: Ha\n"
                                      "  date-obs: 2021-03-0{}T03:00:00\n"
                                      "background_info:\n  median: {}\n  stddev: 5\n"
                                      "psf_info:\n  fwhm_val_pix: {}\n  ellipticity: 0.05\n"
                                      "quality_info:\n  star_count: {}\n",
                                      i + 1, 100 + i, i == 3 ? 6.0 : 3.0 + 0.01 * i, 500 + i));
  }
  write_file_atomically(dir / "qual_9.yaml", "image_info:\n  object: M 82\n  telescope: T05\n  filter: Ha\n");
  write_file_atomically(dir / "other.yaml", "not: a report\n");
  const QualityOptions o;
  const auto reports = find_quality_reports(dir.path(), o);
  ASSERT_EQ(reports.size(), 5u);
  const QualitySummary s = grade_quality(reports, o);
  const std::string csv = quality_csv(s);
  EXPECT_NE(csv.find("M_82:T05:Ha"), std::string::npos);
  std::size_t poor = 0;
  for (const QualityFrame& f : s.frames) {
    if (f.report.filename() == "qual_3.yaml") {
      EXPECT_EQ(f.flags, std::vector<std::string>{"fwhm"});
    } else if (f.report.filename() == "qual_9.yaml") {
      EXPECT_EQ(f.flags, std::vector<std::string>{"unmeasured"});
    }
    poor += f.poor;
  }
  EXPECT_EQ(poor, 2u);
  const auto json = nlohmann::json::parse(quality_json(s));
  EXPECT_EQ(json["frames"].size(), 5u);
}

TEST(QualityCli, WritesCsvJsonPlotAndRefusesBadInput) {
  test::TempDir dir;
  fs::create_directory(dir / "q");
  for (int i = 0; i < 3; ++i)
    write_file_atomically(dir / "q" / fmt::format("qual_{}.yaml", i),
                          fmt::format("image_info:\n  object: X\n  telescope: T20\n  filter: Red\n"
                                      "  date-obs: 2021-03-01T0{}:00:00\n  airmass: 1.{}\n"
                                      "psf_info:\n  fwhm_val_pix: 2.0\n"
                                      "quality_info:\n  star_count: 100\n",
                                      i, i));
  const std::string d = dir.path().string();
  auto r = test::run_ap(fmt::format("quality {0}/q {0}/q.csv --json {0}/q.json --plot {0}/q.png", d));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::read_text(dir / "q.csv").rfind("targ:tel:filter,report,mjd", 0), 0u);
  EXPECT_EQ(test::read_text(dir / "q.png").substr(1, 3), "PNG");
  EXPECT_TRUE(fs::exists(dir / "q.json"));

  write_file_atomically(dir / "q" / "qual_bad.yaml", "image_info: [unclosed\n");
  r = test::run_ap(fmt::format("quality {0}/q {0}/bad.csv", d));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("qual_bad.yaml"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "bad.csv"));
  r = test::run_ap(fmt::format("quality {0}/empty {0}/bad.csv", d));
  EXPECT_EQ(r.exit_code, 3);
}

}  // namespace
}  // namespace ap
