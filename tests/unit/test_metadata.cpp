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
