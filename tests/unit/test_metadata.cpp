// Metadata: positions against astropy/astroplan for the same instants and
// sites (tests/peers/astropy_ephemeris.py), target resolution (OpenNGC,
// header, Sesame through a local HTTP server), the keywords written to a
// simulated frame, and `ap metadata` with bad input.
#include <erfa.h>
#include <erfam.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "astro/ephemeris.h"
#include "core/fits.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;

struct Case {
  astro::Location site;
  const char* iso;
  double ra, dec;
};

// Angle between two (az, alt) directions, arcsec.
double separation_arcsec(double az1, double alt1, double az2, double alt2) {
  return eraSeps(az1 * ERFA_DD2R, alt1 * ERFA_DD2R, az2 * ERFA_DD2R, alt2 * ERFA_DD2R) * ERFA_DR2AS;
}

TEST(MetadataEphemeris, MatchesAstropyAndAstroplan) {
  const std::vector<Case> cases = {
      {{32.903308, -105.5287, 2222}, "2020-07-17T07:25:00", 303.02583, 38.35472},   // T20, NGC 6888
      {{32.903308, -105.5287, 2222}, "2020-07-17T03:05:00.5", 303.02583, 38.35472},  // rising
      {{-31.273333, 149.069722, 1118}, "2021-03-01T12:00:00", 148.96846, 69.67970},  // below
      {{-31.273333, 149.069722, 1118}, "2023-05-20T14:30:00", 201.36506, -43.01911},
      {{38.165556, -2.326944, 1607}, "2022-11-05T22:10:30", 10.68458, 41.26917},
      {{37.070278, -119.413056, 1403}, "2024-01-10T08:00:00", 83.82208, -5.39111},
      {{37.070278, -119.413056, 1403}, "2025-06-11T05:45:00", 250.42346, 36.46131}};
  test::TempDir dir;
  {
    std::ofstream in(dir / "in.txt");
    for (const Case& c : cases)
      in << fmt::format("{} {} {} {} {} {}\n", c.site.latitude_deg, c.site.longitude_deg,
                        c.site.height_m, c.iso, c.ra, c.dec);
  }
  const auto peer = test::run("/usr/bin/python3",
                              fmt::format("{} {} {}", test::peer_script("astropy_ephemeris.py").string(),
                                          (dir / "in.txt").string(), (dir / "out.txt").string()));
  ASSERT_EQ(peer.exit_code, 0) << peer.err;
  std::istringstream out(test::read_text(dir / "out.txt"));
  for (const Case& c : cases) {
    double alt, az, ha, lst, airmass, malt, maz, millum, msep, salt, bjd;
    out >> alt >> az >> ha >> lst >> airmass >> malt >> maz >> millum >> msep >> salt >> bjd;
    ASSERT_TRUE(out) << c.iso;
    const auto when = astro::UtcTime::parse(c.iso);
    ASSERT_TRUE(when) << c.iso;
    const astro::Ephemeris e = astro::ephemeris(c.site, *when, c.ra, c.dec);
    SCOPED_TRACE(c.iso);
    EXPECT_LT(separation_arcsec(e.target.az_deg, e.target.alt_deg, az, alt), 1.0);
    EXPECT_LT(std::abs(e.target.alt_deg - alt) * 3600.0, 1.0);
    if (alt > 5.0) {
      EXPECT_NEAR(e.target.airmass(), airmass, 1e-3);
    }
    EXPECT_LT(std::abs(std::remainder(e.target.ha_deg - ha, 360.0)) * 3600.0, 2.0);
    EXPECT_LT(std::abs(std::remainder(e.lst_deg - lst, 360.0)) * 3600.0, 0.1);
    EXPECT_LT(separation_arcsec(e.moon.az_deg, e.moon.alt_deg, maz, malt), 1.0);
    EXPECT_LT(std::abs(e.moon_separation_deg - msep) * 3600.0, 1.0);
    EXPECT_NEAR(e.moon_illumination, millum, 0.01);
    EXPECT_LT(std::abs(e.sun.alt_deg - salt) * 3600.0, 1.0);
    EXPECT_LT(std::abs(e.bjd_tdb - bjd) * 86400.0, 1.0);
  }
}

}  // namespace
}  // namespace ap

namespace ap {
namespace {

// A simulated raw frame with its keywords added through `ap metadata -o`.
class MetadataCli : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::SimulateOptions o = test::small_night(dir / "sim", 64);
    o.calibration = false;
    sim::simulate(o);
    raw = test::files_under(dir / "sim" / "data", "raw-").front();
  }
  test::TempDir dir;
  fs::path raw;
};

TEST_F(MetadataCli, WritesTheKeywordsAndLeavesTheRawFileAlone) {
  const std::string before = test::read_text(raw);
  const auto r = test::run_ap(fmt::format("metadata '{}' -o '{}'", raw.string(), (dir / "m.fits").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::read_text(raw), before);
  const Header h = read_hdu_list(dir / "m.fits").front().header;
  for (const char* key : {"OBSERVER", "OBSERVAT", "LAT-OBS", "LONG-OBS", "LON-OBS", "ALT-OBS", "TELESCOP",
                          "OBJECT", "OBJNAME", "RA-OBJ", "DEC-OBJ", "AIRMASS", "AIRM-MID", "ALT-OBJ",
                          "AZ-OBJ", "HA-OBJ", "LST", "MJD-OBS", "MJD-MID", "BJD-TDB", "MOONALT",
                          "MOONILL", "MOONSEP", "SUNALT"})
    EXPECT_TRUE(h.has(key)) << key;
  EXPECT_EQ(h.get("TELESCOP", ""), "iTelescope T20");
  EXPECT_EQ(h.get("OBJECT", ""), "NGC 6888");
  EXPECT_NEAR(h.get("RA-OBJ", 0.0), 303.03, 0.01);  // OpenNGC
  // The airmass is the ephemeris' at DATE-OBS at the T20 site.
  const auto start = astro::UtcTime::parse(h.get("DATE-OBS", ""));
  ASSERT_TRUE(start);
  const astro::Ephemeris e = astro::ephemeris({32.903308, -105.5287, 2222}, *start,
                                              h.get("RA-OBJ", 0.0), h.get("DEC-OBJ", 0.0));
  EXPECT_NEAR(h.get("AIRMASS", 0.0), e.target.airmass(), 1e-9);
  EXPECT_EQ(read_image(dir / "m.fits").image.pixels().size(), read_image(raw).image.pixels().size());
  EXPECT_EQ(test::read_text(dir / "m.fits").size(), before.size());  // data copied as they were
}

TEST_F(MetadataCli, BadInputIsRefusedWithNoOutput) {
  const std::string d = dir.path().string();
  auto expect_refused = [&](const std::string& args, int code, const std::string& text) {
    const auto r = test::run_ap("metadata " + args + fmt::format(" -o '{}/bad.fits'", d));
    EXPECT_EQ(r.exit_code, code) << args << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "bad.fits"));
  };
  expect_refused(fmt::format("'{}' --target 'No Such Thing'", raw.string()), 3, "not in OpenNGC");
  fs::copy_file(raw, dir / "raw-T99-me-M_82-20200716-231744-Ha-BIN1-E-180-001.fit");
  expect_refused(fmt::format("'{}/raw-T99-me-M_82-20200716-231744-Ha-BIN1-E-180-001.fit'", d), 3, "T99");
  fs::copy_file(raw, dir / "frame.fit");
  expect_refused(fmt::format("'{}/frame.fit'", d), 3, "not an iTelescope file name");
  Image img(8, 8);
  write_image(dir / "raw-T20-me-M_82-20200716-231744-Ha-BIN1-E-180-001.fit", img, Header{});
  expect_refused(fmt::format("'{}/raw-T20-me-M_82-20200716-231744-Ha-BIN1-E-180-001.fit'", d), 3, "DATE-OBS");
  const auto r = test::run_ap(fmt::format("metadata '{}' --in-place", raw.string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("never modified"), std::string::npos) << r.err;
}

TEST_F(MetadataCli, YamlKeyvalAndSesameThroughALocalServerWithCache) {
  const std::string d = dir.path().string();
  // A Premium frame: nothing in the name; the YAML names telescope and target.
  fs::copy_file(raw, dir / "premium.fit");
  std::ofstream(dir / "keys.yaml") << "telescop: T31\ntarget: Sesame Test Star\nobserver: someone\n";
  const std::string server = fmt::format("/usr/bin/python3 '{}' '{}/port' 1 > /dev/null 2>&1 &",
                                         test::peer_script("sesame_server.py").string(), d);
  ASSERT_EQ(test::run("/bin/sh", fmt::format("-c \"{}\"", server)).exit_code, 0);
  for (int i = 0; i < 100 && !fs::exists(dir / "port"); ++i) test::run("/bin/sleep", "0.05");
  ASSERT_TRUE(fs::exists(dir / "port"));
  const std::string env = fmt::format("AP_SESAME_URL=http://127.0.0.1:{} AP_CACHE_DIR='{}/cache'",
                                      test::read_text(dir / "port"), d);
  const std::string args = fmt::format("metadata '{0}/premium.fit' --mode yamlkeyval --yamlfile '{0}/keys.yaml' --online -o '{0}/{{}}'", d);
  auto r = test::run("/bin/sh", fmt::format("-c \"{} {} {}\"", env, AP_BINARY, fmt::format(fmt::runtime(args), "p1.fits")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Header h = read_hdu_list(dir / "p1.fits").front().header;
  EXPECT_NEAR(h.get("RA-OBJ", 0.0), 10.6846833, 1e-7);
  EXPECT_EQ(h.get("OBSERVAT", ""), "iTelescope Siding Spring");
  EXPECT_EQ(h.get("TARGET", ""), "Sesame Test Star");
  // The server has gone: the answer now comes from the cache.
  r = test::run("/bin/sh", fmt::format("-c \"{} {} {}\"", env, AP_BINARY, fmt::format(fmt::runtime(args), "p2.fits")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  h = read_hdu_list(dir / "p2.fits").front().header;
  EXPECT_NEAR(h.get("DEC-OBJ", 0.0), 41.2690650, 1e-7);
  // An unreachable service is an error that names it.
  r = test::run("/bin/sh", fmt::format("-c \"AP_SESAME_URL=http://127.0.0.1:9 AP_CACHE_DIR='{}/c2' {} metadata '{}' --target 'Unknown Thing' --online -o '{}/p3.fits'\"",
                                       d, AP_BINARY, raw.string(), d));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("Sesame"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ap
