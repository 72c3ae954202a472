// ap ingest: a simulated zip delivery becomes the tree a plain simulation
// writes; reruns, dry runs, damaged and unsafe archives, name clashes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/fits.h"
#include "itelescope/ingest.h"
#include "sim/simulate.h"
#include "sim/zip.h"
#include "unit/support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;
using itelescope::ingest;
using Kind = itelescope::IngestAction::Kind;

sim::SimulateOptions delivery(const fs::path& dir, bool zip) {
  sim::SimulateOptions o;
  o.output_dir = dir;
  o.width = o.height = 64;
  o.filters = {"Red", "Ha"};
  o.frames = 2;
  o.calibration = false;
  o.max_stars = 200;
  o.zip = zip;
  return o;
}

// Every path under `dir`, relative, with its permission bits.
std::vector<std::string> tree(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const auto mode = static_cast<unsigned>(e.status().permissions() & fs::perms::mask);
    out.push_back(fs::relative(e.path(), dir).string() + " " + std::to_string(mode));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

ExitCode code_of(const fs::path& dir) {
  try {
    ingest(dir);
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.code();
  }
  return ExitCode::kOk;
}

TEST(Ingest, ZipDeliveryBecomesThePlainTree) {
  test::TempDir zipped, plain;
  sim::simulate(delivery(zipped.path(), true));
  sim::simulate(delivery(plain.path(), false));
  const fs::path night = zipped / "data/T20/NGC 6888/20200716";
  fs::permissions(zipped / "data/T20", fs::perms::owner_all);  // as iTelescope's FTP leaves it

  const auto before = tree(zipped.path());
  const auto plan = ingest(zipped.path(), {.dry_run = true});
  EXPECT_EQ(tree(zipped.path()), before);  // a dry run changes nothing
  const auto done = ingest(zipped.path());
  EXPECT_EQ(done.count(Kind::kExtract), 4u);
  EXPECT_EQ(done.count(Kind::kRemoveZip), 4u);
  EXPECT_EQ(done.count(Kind::kChmod), 1u);
  EXPECT_EQ(plan.actions.size(), done.actions.size());
  EXPECT_FALSE(fs::exists(night.parent_path()));

  // Same files, same names and the same pixels and cards as the plain simulation.
  for (const auto& e : fs::recursive_directory_iterator(plain / "data")) {
    const fs::path relative = fs::relative(e.path(), plain.path());
    const fs::path ours = zipped.path() / relative;
    ASSERT_TRUE(fs::exists(ours)) << relative;
    EXPECT_EQ(fs::status(ours).permissions() & fs::perms::mask,
              e.is_directory() ? fs::perms(0755) : fs::status(ours).permissions())
        << relative;
    if (!e.is_regular_file()) continue;
    const FitsImage a = read_image(ours), b = read_image(e.path());
    EXPECT_TRUE(std::equal(a.image.pixels().begin(), a.image.pixels().end(),
                           b.image.pixels().begin()))
        << relative;
    EXPECT_EQ(a.header().get_string("DATE-OBS"), b.header().get_string("DATE-OBS"));
  }
  EXPECT_EQ(tree(zipped / "data").size(), tree(plain / "data").size());

  // A rerun has nothing to do.
  EXPECT_TRUE(ingest(zipped.path()).actions.empty());
}

TEST(Ingest, DamagedArchiveIsReportedAndKept) {
  test::TempDir dir;
  const fs::path zip = dir / "frame.zip";
  sim::write_zip(zip, "frame.fit", bytes_of(std::string(5000, 'x')), 1600000000);
  std::string bytes = test::read_text(zip);
  bytes[100] = 'y';  // inside the stored data: the CRC no longer matches
  std::ofstream(zip, std::ios::binary) << bytes;
  try {
    ingest(dir.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find(zip.string() + ": entry 'frame.fit'"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(fs::exists(zip));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);

  std::ofstream(dir / "frame.zip", std::ios::binary) << "not a zip";
  EXPECT_EQ(code_of(dir.path()), ExitCode::kBadInput);
}

TEST(Ingest, UnsafeEntryNamesAreRefused) {
  test::TempDir dir;
  fs::create_directories(dir / "in");
  sim::write_zip(dir / "in/evil.zip", "../evil.fit", bytes_of("x"), 1600000000);
  EXPECT_EQ(code_of(dir / "in"), ExitCode::kBadInput);
  EXPECT_FALSE(fs::exists(dir / "evil.fit"));
  fs::remove(dir / "in/evil.zip");
  sim::write_zip(dir / "in/abs.zip", "/tmp/evil.fit", bytes_of("x"), 1600000000);
  EXPECT_EQ(code_of(dir / "in"), ExitCode::kBadInput);
}

TEST(Ingest, ExistingFilesAreComparedNotOverwritten) {
  test::TempDir dir;
  sim::write_zip(dir / "a.zip", "a b.fit", bytes_of("same"), 1600000000);
  std::ofstream(dir / "a_b.fit") << "same";
  const auto report = ingest(dir.path());  // extracted before: only the zip goes
  EXPECT_EQ(report.count(Kind::kExtract), 0u);
  EXPECT_FALSE(fs::exists(dir / "a.zip"));

  sim::write_zip(dir / "b.zip", "b.fit", bytes_of("new"), 1600000000);
  std::ofstream(dir / "b.fit") << "old";
  EXPECT_EQ(code_of(dir.path()), ExitCode::kBadInput);
  EXPECT_EQ(test::read_text(dir / "b.fit"), "old");
  EXPECT_TRUE(fs::exists(dir / "b.zip"));
}

TEST(Ingest, RenameNeverClobbers) {
  test::TempDir dir;
  std::ofstream(dir / "x y.fit") << "1";
  std::ofstream(dir / "x_y.fit") << "2";
  EXPECT_EQ(code_of(dir.path()), ExitCode::kOutputError);
  EXPECT_EQ(test::read_text(dir / "x_y.fit"), "2");
}

TEST(Ingest, CommandLine) {
  test::TempDir dir;
  sim::write_zip(dir / "my frame.zip", "my frame.fit", bytes_of("data"), 1600000000);
  auto r = test::run_ap("ingest --dry-run '" + dir.path().string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("extract"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir / "my frame.zip"));
  r = test::run_ap("ingest '" + dir.path().string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::read_text(dir / "my_frame.fit"), "data");
  r = test::run_ap("ingest '" + (dir / "missing").string() + "'");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("missing: not a directory"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ap
