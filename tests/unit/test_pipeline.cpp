// The run machinery: discovering lights, the incremental manifest, the lock.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "core/error.h"
#include "pipeline/discover.h"
#include "pipeline/lock.h"
#include "pipeline/manifest.h"
#include "sim/simulate.h"
#include "unit/support.h"

namespace ap::pipeline {
namespace {

namespace fs = std::filesystem;

TEST(Discover, GroupsSimulatedLightsAndSkipsOtherFrames) {
  test::TempDir dir;
  sim::SimulateOptions o;
  o.output_dir = dir.path();
  o.width = o.height = 64;
  o.filters = {"Red", "Ha"};
  o.frames = 3;
  o.bias_frames = o.dark_frames = o.flat_frames = 2;
  o.max_stars = 100;
  sim::simulate(o);
  // A master bias under a raw light's name: skipped for its IMAGETYP.
  fs::path bias;
  for (const auto& e : fs::recursive_directory_iterator(dir / "cal/T20/Masters/Bias")) {
    if (e.is_regular_file()) bias = e.path();
  }
  const fs::path odd = dir / "data/T20/NGC_6888/20200716" /
                       "raw-T20-apsim-NGC_6888-20200716-235959-Ha-BIN1-E-300-099.fit";
  fs::copy_file(bias, odd);

  const Discovery found = discover_lights(dir / "data");
  ASSERT_EQ(found.groups.size(), 2u);
  EXPECT_EQ(found.groups[0].key(), "NGC_6888:T20:Ha:20200716");
  EXPECT_EQ(found.groups[1].key(), "NGC_6888:T20:Red:20200716");
  for (const auto& g : found.groups) {
    ASSERT_EQ(g.frames.size(), 3u);
    EXPECT_LT(g.frames[0].path.filename(), g.frames[1].path.filename());
    EXPECT_EQ(g.frames[0].name.filter, g.filter);
  }
  ASSERT_EQ(found.skipped.size(), 1u);
  EXPECT_EQ(found.skipped[0], odd);

  try {
    discover_lights(dir / "cal");
    FAIL() << "no error for a directory without lights";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("no raw light frames"), std::string::npos);
  }
}

void touch(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

TEST(Manifest, StepsRerunOnlyWhenSomethingChanged) {
  test::TempDir dir;
  touch(dir / "in.fit", "raw");
  const Step step{"calibrate/in.fit", {dir / "in.fit"}, "deltapix=2", {dir / "cal-in.fits"}};
  {
    Manifest m(dir / ".ap/manifest.json");
    EXPECT_EQ(m.reason_to_run(step), "never run");
    touch(dir / "cal-in.fits", "calibrated");
    m.record(step);
    EXPECT_EQ(m.reason_to_run(step), std::nullopt);
  }
  Manifest m(dir / ".ap/manifest.json");  // as the next run sees it
  EXPECT_EQ(m.reason_to_run(step), std::nullopt);

  Step other = step;
  other.parameters = "deltapix=3";
  EXPECT_EQ(m.reason_to_run(other), "parameters or inputs changed");

  // Another modification time (file systems keep at least 1 s; set it explicitly).
  const auto later = fs::last_write_time(dir / "in.fit") + std::chrono::seconds(5);
  fs::last_write_time(dir / "in.fit", later);
  EXPECT_EQ(m.reason_to_run(step), "parameters or inputs changed");
  m.record(step);
  EXPECT_EQ(m.reason_to_run(step), std::nullopt);

  fs::remove(dir / "cal-in.fits");
  EXPECT_EQ(m.reason_to_run(step), "output missing: cal-in.fits");
  touch(dir / "cal-in.fits", "calibrated again, other size");
  EXPECT_EQ(m.reason_to_run(step), "output changed since written: cal-in.fits");

  m.forget(step.id);
  EXPECT_EQ(Manifest(dir / ".ap/manifest.json").reason_to_run(step), "never run");

  touch(dir / ".ap/manifest.json", "{ not json");
  EXPECT_EQ(Manifest(dir / ".ap/manifest.json").reason_to_run(step), "never run");
}

TEST(RunLock, SecondRunOnTheSameOutputIsRefused) {
  test::TempDir dir;
  {
    RunLock first(dir.path());
    // flock locks belong to the open file description: a second open in the
    // same process conflicts just as another process would.
    try {
      RunLock second(dir.path());
      FAIL() << "second lock acquired";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kOutputError);
      EXPECT_NE(std::string(e.what()).find("another ap run is using this output directory (pid "),
                std::string::npos)
          << e.what();
    }
  }
  RunLock again(dir.path());  // released with the first
}

}  // namespace
}  // namespace ap::pipeline
