// ap run end to end on a small simulated night: stages, incremental reruns,
// failures isolated, configuration errors, the report.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/fits.h"
#include "core/stats.h"
#include "core/wcs.h"
#include "pipeline/config.h"
#include "pipeline/run.h"
#include "sim/simulate.h"
#include "unit/support.h"

namespace ap::pipeline {
namespace {

namespace fs = std::filesystem;

class RunNight : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::SimulateOptions o;
    o.output_dir = dir.path();
    o.width = o.height = 128;
    o.filters = {"Red", "Ha"};
    o.frames = 2;
    o.calibration = false;
    o.max_stars = 200;
    sim::simulate(o);
    config("calibrate:\n  enabled: false\n"
           "sky:\n  enabled: true\n  nbg_cols: 4\n  nbg_rows: 4\n  min_bgwidth: 16\n"
           "  min_bgheight: 16\n");
  }

  // 128-pixel frames are too small to plate-solve with the Tycho-2 indexes.
  void config(const std::string& text) {
    std::ofstream(dir / "run.yaml") << "run:\n  stages: [metadata, sky, stars, quality]\n" << text;
  }


  RunSummary run(bool dry_run = false) {
    RunOptions o;
    o.config = dir / "run.yaml";
    o.data_dir = dir / "data";
    o.out_dir = dir / "out";
    o.jobs = 2;
    o.dry_run = dry_run;
    return run_night(o);
  }

  static std::size_t count(const RunSummary& s, Outcome outcome) {
    return static_cast<std::size_t>(
        std::count_if(s.results.begin(), s.results.end(),
                      [&](const TaskResult& r) { return r.outcome == outcome; }));
  }

  test::TempDir dir;
};

TEST_F(RunNight, SkyStepRunsOnceAndRerunsOnlyWhenAsked) {
  // 4 frames: metadata, sky and stars each, then quality for each of the 2 groups.
  const RunSummary dry = run(true);
  EXPECT_EQ(count(dry, Outcome::kPlanned), 14u);
  EXPECT_FALSE(fs::exists(dir / "out/Calibrated"));  // a dry run writes nothing

  const RunSummary first = run();
  ASSERT_EQ(count(first, Outcome::kOk), 14u) << first.table;
  EXPECT_EQ(test::files_under(dir / "out/SourceLists", "srclist_").size(), 4u);
  EXPECT_EQ(test::files_under(dir / "out/MetaData", "qual_").size(), 4u);
  EXPECT_EQ(test::files_under(dir / "out/MetaData", ".csv").size(), 2u);
  EXPECT_FALSE(first.failed());
  EXPECT_TRUE(fs::exists(first.report));
  const fs::path sub = dir / "out/Calibrated" /
                       ("skysub-" + fs::path(first.tasks[0].subject).stem().string() + ".fits");
  ASSERT_TRUE(fs::exists(sub)) << sub;
  const FitsImage img = read_image(sub);
  EXPECT_TRUE(img.header().has("BG_MED"));
  EXPECT_NEAR(median(img.image.pixels()), 0.0, 5.0);  // the sky is gone

  const RunSummary again = run();
  EXPECT_EQ(count(again, Outcome::kSkip), 14u) << again.table;

  // A changed stars parameter reruns stars and quality, not metadata and sky.
  config("calibrate:\n  enabled: false\n"
         "sky:\n  enabled: true\n  nbg_cols: 4\n  nbg_rows: 4\n  min_bgwidth: 16\n"
         "  min_bgheight: 16\nstars:\n  search_nsigma: 6\n");
  const RunSummary changed = run();
  EXPECT_EQ(count(changed, Outcome::kOk), 6u) << changed.table;
  EXPECT_EQ(count(changed, Outcome::kSkip), 8u) << changed.table;
  // A changed sky parameter reruns everything after it.
  config("calibrate:\n  enabled: false\n"
         "sky:\n  enabled: true\n  nbg_cols: 8\n  min_bgwidth: 16\n  min_bgheight: 16\n"
         "stars:\n  search_nsigma: 6\n");
  EXPECT_EQ(count(run(), Outcome::kOk), 10u);
}

// Killed (SIGKILL) at several moments, the run is finished by the next one:
// every output then reads back, no temporary file is left, and the outputs
// are the files of an uninterrupted run.
TEST_F(RunNight, AKilledRunIsFinishedByTheNext) {
  const std::string base = fmt::format("run '{0}/run.yaml' --data '{0}/data' -j 2 --out ", dir.path().string());
  ASSERT_EQ(test::run_ap(base + fmt::format("'{}/clean'", dir.path().string())).exit_code, 0);
  const auto names = [](const fs::path& root) {
    std::vector<std::string> v;
    for (const fs::path& f : test::files_under(root)) v.push_back(fs::relative(f, root).string());
    return v;
  };
  for (const char* delay : {"0.05", "0.1", "0.2", "0.3"}) {
    const std::string cmd = fmt::format("{} {} '{}/out' >/dev/null 2>&1 & sleep {}; kill -9 $! 2>/dev/null; wait",
                                        AP_BINARY, base, dir.path().string(), delay);
    test::run("/bin/sh", fmt::format("-c \"{}\"", cmd));
  }
  const auto r = test::run_ap(base + fmt::format("'{}/out'", dir.path().string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(names(dir / "out"), names(dir / "clean"));
  for (const fs::path& f : test::files_under(dir / "out", ".fits")) EXPECT_NO_THROW(read_hdu_list(f)) << f;
  EXPECT_TRUE(test::files_under(dir / "out", ".tmp-").empty());
}

// A run of the simulated night in `dir` (data/ into out/, 2 jobs) with these stages.
RunOptions run_options(const test::TempDir& dir, const std::string& stages) {
  std::ofstream(dir / "run.yaml") << "run:\n  stages: [" << stages << "]\n";
  RunOptions ro;
  ro.config = dir / "run.yaml";
  ro.data_dir = dir / "data";
  ro.out_dir = dir / "out";
  ro.jobs = 2;
  return ro;
}

// The bar: a rerun of a 100-frame night with nothing changed takes under 2 s.
TEST(RunRerun, HundredFramesUpToDateInUnderTwoSeconds) {
  test::TempDir dir;
  sim::SimulateOptions o;
  o.output_dir = dir.path();
  o.width = o.height = 64;
  o.filters = {"Red", "Green", "Blue", "Ha"};
  o.frames = 25;
  o.calibration = false;
  o.max_stars = 30;
  o.poor_frames = 0;
  sim::simulate(o);
  const RunOptions ro = run_options(dir, "metadata, stars, quality");
  const RunSummary first = run_night(ro);
  ASSERT_EQ(first.tasks.size(), 204u) << first.table;  // 100 x (metadata, stars) + 4 groups
  ASSERT_FALSE(first.failed()) << first.table;
  const auto t0 = std::chrono::steady_clock::now();
  const RunSummary again = run_night(ro);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(std::all_of(again.results.begin(), again.results.end(),
                          [](const TaskResult& r) { return r.outcome == Outcome::kSkip; }));
  EXPECT_LT(seconds, 2.0);
  std::printf("100-frame rerun: %.3f s\n", seconds);
}

TEST_F(RunNight, ABrokenFrameFailsAloneAndTheRestIsProcessed) {
  fs::path victim;
  for (const auto& e : fs::recursive_directory_iterator(dir / "data")) {
    if (e.is_regular_file()) victim = e.path();
  }
  fs::resize_file(victim, 2880 * 2);  // data cut short
  const RunSummary s = run();
  EXPECT_EQ(count(s, Outcome::kFail), 1u) << s.table;     // its metadata step
  EXPECT_EQ(count(s, Outcome::kBlocked), 2u) << s.table;  // its sky and stars steps
  EXPECT_EQ(count(s, Outcome::kOk), 11u) << s.table;      // quality grades the frames it has
  EXPECT_TRUE(s.failed());
  EXPECT_NE(s.table.find("truncated"), std::string::npos) << s.table;
  const auto r = test::run_ap(fmt::format("run '{}' --data '{}' --out '{}'",
                                          (dir / "run.yaml").string(), (dir / "data").string(),
                                          (dir / "out").string()));
  EXPECT_EQ(r.exit_code, 1) << r.err;  // the failure is retried, and reported again
}

TEST_F(RunNight, ConfigurationErrorsNameFileLineAndKey) {
  config("sky:\n  enabled: true\n  nbg_colls: 4\n");
  try {
    run();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("run.yaml: line 5: unknown key 'sky.nbg_colls'"),
              std::string::npos)
        << e.what();
  }
  // A key that is itself a mapping (found by fuzz_yaml_read).
  std::ofstream(dir / "run.yaml") << "run:\n? jobs: 2\n  data: data\n";
  try {
    run();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("a key must be a plain name"), std::string::npos) << e.what();
  }
  config("");
  RunOptions o;
  o.config = dir / "run.yaml";
  o.data_dir = dir / "out";  // no lights there
  o.out_dir = dir / "out2";
  fs::create_directories(dir / "out");
  EXPECT_THROW(run_night(o), Error);
  o.data_dir = dir / "data";
  o.stages = {"skyy"};
  try {
    run_night(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
  }
}

// Calibration from the simulated library: the masters each light gets, and
// a filter without flats failing alone with the reasons.
TEST(RunCalibrate, LightsGetTheirMastersAndAMissingFlatFailsOnlyItsFrames) {
  test::TempDir dir;
  sim::simulate(test::small_night(dir.path(), 96, {"Red", "Ha"}));
  for (const fs::path& flat : test::files_under(dir / "cal", "Master_Flat_Ha")) fs::remove(flat);
  std::ofstream(dir / "run.yaml") << fmt::format("calibrate:\n  library: '{}'\n",
                                                 (dir / "cal").string());
  RunOptions ro;
  ro.config = dir / "run.yaml";
  ro.data_dir = dir / "data";
  ro.out_dir = dir / "out";
  ro.stages = {"calibrate"};
  const RunSummary s = run_night(ro);
  ASSERT_EQ(s.tasks.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const bool ha = s.tasks[i].subject.find("-Ha-") != std::string::npos;
    EXPECT_EQ(s.results[i].outcome, ha ? Outcome::kFail : Outcome::kOk) << s.table;
    if (ha) {
      EXPECT_NE(s.results[i].reason.find("no flat (2020-03/Master_Flat_Red"), std::string::npos)
          << s.results[i].reason;
      continue;
    }
    const FitsImage cal = read_image(s.tasks[i].step.outputs[0]);
    EXPECT_TRUE(cal.header().get_bool("FLATCORR").value_or(false));
    // The newest masters not after the night (2020-07-04), not the older set.
    EXPECT_NE(s.tasks[i].step.inputs[1].string().find("2020-07-04"), std::string::npos);
  }
}

// The README's main job in miniature: simulate, rebuild masters, run, report.
TEST(Demo, ProcessesItsNightAndIsUpToDateTheSecondTime) {
  test::TempDir dir;
  const std::string args = fmt::format("demo '{}' --frames 1 --size 128 -j 2", dir.path().string());
  auto r = test::run_ap(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Calibration generation: bias, dark and 4 flat masters, read noise, bad columns, bad
  // pixels; then 4 frames: calibrate, metadata, sky, stars (too small to solve); quality
  // for each filter.
  EXPECT_NE(r.out.find("29 ok, 0 skipped, 0 failed"), std::string::npos) << r.out;
  const auto truth = nlohmann::json::parse(test::read_text(dir / "night/truth.json"));
  const auto noise = test::files_under(dir / "out/MetaData", "readnoise_");
  ASSERT_EQ(noise.size(), 2u);  // the histogram and the values
  const auto values = nlohmann::json::parse(test::read_text(noise[0].extension() == ".json" ? noise[0] : noise[1]));
  EXPECT_NEAR(values["read_noise_e"].get<double>() / truth["detector"]["read_noise_e"].get<double>(), 1.0, 0.03);
  const auto masks = test::files_under(dir / "night/cal", "Master_Badpix_");
  ASSERT_FALSE(masks.empty());
  bool from_this_run = false;
  for (const auto& m : masks) from_this_run |= read_hdu_list(m).front().header.get("NBADUSER", 0) > 0;
  EXPECT_TRUE(from_this_run) << "the bad columns found went into the mask";
  EXPECT_NE(test::read_text(dir / "out/report/index.html").find("readnoise_Master_Bias"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "out/report/index.html"));
  EXPECT_TRUE(fs::exists(dir / "demo.yaml"));
  const FitsImage cal = read_image(*fs::directory_iterator(dir / "out/Calibrated"));
  EXPECT_TRUE(cal.header().has("BIASCORR"));
  r = test::run_ap(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 ok, 29 skipped"), std::string::npos) << r.out;
}

// The late stages on frames that already have their WCS (the simulator's
// truth copied in: frames this small are too small to plate-solve): stacks
// per filter on one grid, Ha minus Red, and the composites whose filters
// exist, LRGB among them.
TEST(RunProducts, StacksContinuumAndCompositesFromSolvedFrames) {
  test::TempDir dir;
  sim::SimulateOptions o;
  o.output_dir = dir.path();
  o.width = o.height = 192;
  o.filters = {"Red", "Green", "Blue", "Ha", "Luminance"};
  o.frames = 2;
  o.calibration = false;
  o.max_stars = 300;
  o.poor_frames = 0;
  sim::simulate(o);
  const auto truth = nlohmann::json::parse(test::read_text(dir / "truth.json"));
  for (const auto& f : truth["frames"]) {
    const fs::path raw = dir / f["file"].get<std::string>();
    Header cards;
    Wcs::from_header(read_hdu_list(dir / f["truth_file"].get<std::string>()).front().header)->to_header(cards);
    update_header(raw, dir / "solved.fit", cards, {});
    fs::rename(dir / "solved.fit", raw);
  }
  const RunSummary s = run_night(run_options(dir, "metadata, stars, quality, stack, continuum, colour"));
  ASSERT_FALSE(s.failed()) << s.table;
  std::optional<std::pair<std::int64_t, std::int64_t>> shape;
  for (const char* filter : {"Red", "Green", "Blue", "Ha", "Luminance"}) {
    const auto hdus = read_hdu_list(dir / "out/Stacks" / fmt::format("stack_NGC_6888_{}.fits", filter));
    EXPECT_EQ(hdus.front().header.get("NCOMBINE", 0), 2) << filter;
    const auto here = std::pair{hdus.front().shape[0], hdus.front().shape[1]};
    if (shape) {
      EXPECT_EQ(here, *shape) << filter << ": all filters on one grid";
    }
    shape = here;
  }
  const Header cont = read_hdu_list(dir / "out/Stacks/cont_NGC_6888_Ha-Red.fits").front().header;
  EXPECT_GT(cont.get("CONTSCAL", 0.0), 0.0);
  for (const char* preset : {"rgb", "lrgb", "hgb"})
    EXPECT_TRUE(fs::exists(dir / "out/Colour" / fmt::format("{}_NGC_6888.png", preset))) << preset;
  EXPECT_FALSE(fs::exists(dir / "out/Colour/sho_NGC_6888.png"));  // no SII, no OIII
  EXPECT_NE(test::read_text(dir / "out/Colour/lrgb_NGC_6888.png"), test::read_text(dir / "out/Colour/rgb_NGC_6888.png"));
  EXPECT_NE(test::read_text(s.report).find("lrgb_NGC_6888_preview.png"), std::string::npos);
}

TEST(RunConfig, PrintedDefaultsReadBack) {
  test::TempDir dir;
  std::ofstream(dir / "defaults.yaml") << default_config();
  const auto r = test::run_ap("run --print-config");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, default_config());
  // Parsed and checked as a real configuration (no unknown key, every type right).
  sim::SimulateOptions o;
  o.output_dir = dir / "night";
  o.width = o.height = 64;
  o.filters = {"Ha"};
  o.frames = 1;
  o.calibration = false;
  o.max_stars = 50;
  sim::simulate(o);
  RunOptions ro;
  ro.config = dir / "defaults.yaml";
  ro.data_dir = dir / "night/data";
  ro.out_dir = dir / "out";
  ro.dry_run = true;
  ro.stages = {"sky"};  // calibrate needs a library
  EXPECT_FALSE(run_night(ro).failed());
}

}  // namespace
}  // namespace ap::pipeline
