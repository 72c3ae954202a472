// The run machinery: discovering lights, the incremental manifest, the lock.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>

#include "core/error.h"
#include "pipeline/config.h"
#include "pipeline/discover.h"
#include "pipeline/executor.h"
#include "pipeline/lock.h"
#include "pipeline/manifest.h"
#include "sim/simulate.h"
#include "unit/support.h"

namespace ap::pipeline {
namespace {

namespace fs = std::filesystem;

TEST(Discover, GroupsSimulatedLightsAndSkipsOtherFrames) {
  test::TempDir dir;
  sim::simulate(test::small_night(dir.path(), 64, {"Red", "Ha"}, 3));
  // A master bias under a raw light's name: skipped for its IMAGETYP.
  const fs::path bias = test::files_under(dir / "cal/T20/Masters/Bias").back();
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

struct StarsLike {
  double fwhm = 3.0;
  int max_stars = 0;
  bool plots = true;
  std::string method = "daofind";
  std::vector<std::string> filters{"Red", "Ha"};
};

void bind(ConfigSection& s, StarsLike& o) {
  s.value("search_fwhm", o.fwhm, "detection kernel FWHM, pixels");
  s.value("max_stars", o.max_stars, "0 = all");
  s.value("plots", o.plots, "write PNG plots");
  s.value("method", o.method, "detector");
  s.value("filters", o.filters, "filters to process");
}

// Binds the "stars" section of a configuration text; the error text if it fails.
std::string load(const std::string& text, StarsLike& o) {
  test::TempDir dir;
  std::ofstream(dir / "run.yaml") << text;
  try {
    const Config config(dir / "run.yaml", {"stars", "calibrate"});
    ConfigSection s = config.section("stars");
    bind(s, o);
    s.reject_unknown();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    const std::string what = e.what();
    return what.substr(what.find("run.yaml: ") + 10);
  }
  return {};
}

TEST(Config, KeysOverrideDefaultsAndTyposAreErrors) {
  StarsLike o;
  EXPECT_EQ(load("stars:\n  search_fwhm: 4.5\n  filters: [Ha]\ncalibrate: {}\n", o), "");
  EXPECT_EQ(o.fwhm, 4.5);
  EXPECT_EQ(o.filters, std::vector<std::string>{"Ha"});
  EXPECT_EQ(o.max_stars, 0);  // default kept
  StarsLike d;
  EXPECT_EQ(load("", d), "");  // an empty file: all defaults
  EXPECT_EQ(d.fwhm, 3.0);

  StarsLike e;
  EXPECT_EQ(load("stars:\n  search_fwhm: 4\n  serch_nsigma: 7\n", e),
            "line 3: unknown key 'stars.serch_nsigma' (known: search_fwhm, max_stars, plots, "
            "method, filters)");
  EXPECT_EQ(load("stras:\n  x: 1\n", e),
            "line 1: unknown section 'stras' (known: stars, calibrate)");
  EXPECT_EQ(load("stars:\n  max_stars: many\n", e), "line 2: stars.max_stars must be an integer");
  EXPECT_EQ(load("stars:\n  plots: [1, 2\n", e).substr(0, 7), "line 3:");  // malformed YAML
  EXPECT_EQ(load("stars: 5\n", e), "line 1: section 'stars' must be a mapping of keys");
}

TEST(Config, DumpPrintsDocumentedDefaultsThatReadBack) {
  StarsLike o;
  const Config none({}, {"stars"});
  ConfigSection s = none.section("stars");
  bind(s, o);
  const std::string text = s.dump();
  EXPECT_EQ(text,
            "stars:\n"
            "  search_fwhm: 3  # detection kernel FWHM, pixels\n"
            "  max_stars: 0  # 0 = all\n"
            "  plots: true  # write PNG plots\n"
            "  method: daofind  # detector\n"
            "  filters: [Red, Ha]  # filters to process\n");
  StarsLike back;
  back.fwhm = 9;
  back.filters.clear();
  EXPECT_EQ(load(text, back), "");
  EXPECT_EQ(back.fwhm, 3.0);
  EXPECT_EQ(back.filters, o.filters);
}

// A night in miniature: two frames, each calibrate -> stars, then a stack of both.
std::vector<Task> night(const fs::path& dir, std::atomic<int>& runs, const std::string& bad = "") {
  std::vector<Task> tasks;
  const auto writer = [&runs, bad](fs::path out) {
    return [&runs, bad, out] {
      ++runs;
      if (out.filename() == bad) throw input_error(out.string(), "broken on purpose");
      std::ofstream(out) << "done";
    };
  };
  for (const std::string frame : {"a", "b"}) {
    if (!fs::exists(dir / (frame + ".fit"))) touch(dir / (frame + ".fit"), "raw " + frame);
    const fs::path cal = dir / ("cal-" + frame + ".fits");
    const fs::path src = dir / ("srclist_" + frame + ".fits");
    const fs::path raw = dir / (frame + ".fit");
    tasks.push_back(
        {"calibrate", frame, {"calibrate/" + frame, {raw}, "", {cal}}, writer(cal), {}});
    tasks.push_back({"stars", frame, {"stars/" + frame, {cal}, "fwhm=3", {src}}, writer(src),
                     {tasks.size() - 1}});
  }
  const fs::path stack = dir / "stack.fits";
  tasks.push_back({"coadd", "group", {"coadd/group", {dir / "cal-a.fits", dir / "cal-b.fits"}, "",
                                      {stack}},
                   writer(stack), {1, 3}});
  return tasks;
}

TEST(Executor, RunsInOrderSkipsWhatIsDoneAndIsolatesFailures) {
  test::TempDir dir;
  Manifest manifest(dir / ".ap/manifest.json");
  std::atomic<int> runs{0};
  auto tasks = night(dir.path(), runs, "srclist_b.fits");
  auto results = execute(tasks, manifest, {.jobs = 2});
  EXPECT_EQ(runs, 4);  // the stack never ran
  EXPECT_EQ(results[0].outcome, Outcome::kOk);
  EXPECT_EQ(results[1].outcome, Outcome::kOk);
  EXPECT_EQ(results[2].outcome, Outcome::kOk);
  EXPECT_EQ(results[3].outcome, Outcome::kFail);
  EXPECT_NE(results[3].reason.find("broken on purpose"), std::string::npos);
  EXPECT_EQ(results[4].outcome, Outcome::kBlocked);
  EXPECT_EQ(results[4].reason, "stars of b did not succeed");
  const std::string table = summary_table(tasks, results);
  EXPECT_NE(table.find("3 ok, 0 skipped, 1 failed, 1 blocked"), std::string::npos) << table;

  // Fixed: only the failed step and what depends on it run again.
  runs = 0;
  tasks = night(dir.path(), runs);
  const auto planned = execute(tasks, manifest, {.dry_run = true});
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(planned[0].outcome, Outcome::kSkip);
  EXPECT_EQ(planned[3].outcome, Outcome::kPlanned);
  EXPECT_EQ(planned[3].reason, "never run");
  results = execute(tasks, manifest, {.jobs = 2});
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(results[3].outcome, Outcome::kOk);
  EXPECT_EQ(results[4].outcome, Outcome::kOk);

  // Nothing changed: nothing runs; --force runs everything.
  runs = 0;
  results = execute(tasks, manifest, {.jobs = 2});
  EXPECT_EQ(runs, 0);
  results = execute(tasks, manifest, {.jobs = 1, .force = true});
  EXPECT_EQ(runs, 5);

  // A changed raw frame reruns its chain and the stack, not the other frame.
  runs = 0;
  fs::last_write_time(dir / "a.fit", fs::last_write_time(dir / "a.fit") + std::chrono::seconds(5));
  results = execute(tasks, manifest, {.jobs = 2});
  EXPECT_EQ(runs, 3);  // calibrate a, then stars a and the stack, which read its new output
  EXPECT_EQ(results[0].outcome, Outcome::kOk);
  EXPECT_EQ(results[2].outcome, Outcome::kSkip);
  EXPECT_EQ(results[3].outcome, Outcome::kSkip);
  EXPECT_EQ(results[4].outcome, Outcome::kOk);
}

TEST(Executor, DependencyOnALaterTaskIsRefused) {
  test::TempDir dir;
  Manifest manifest(dir / ".ap/manifest.json");
  std::vector<Task> tasks(2);
  tasks[0].after = {1};
  EXPECT_THROW(execute(tasks, manifest, {}), Error);
}

}  // namespace
}  // namespace ap::pipeline
