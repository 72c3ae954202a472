// Simulator building blocks: random deviates, star images, detector effects,
// times, target resolution and the star field.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <vector>

#include "core/error.h"
#include "sim/detector.h"
#include "sim/observing.h"
#include "sim/psf.h"
#include "sim/random.h"
#include "sim/stars.h"
#include "astro/target.h"
#include "support.h"

namespace ap::sim {
namespace {

struct Moments {
  double mean = 0.0, variance = 0.0;
};

template <typename Draw>
Moments moments(int n, Draw draw) {
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < n; ++i) {
    const double v = draw();
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / n;
  return {mean, sum2 / n - mean * mean};
}

TEST(SimRandom, StreamsAreReproducibleAndIndependent) {
  Rng a = Rng::stream(7, Stream::kPhotons, {3});
  Rng b = Rng::stream(7, Stream::kPhotons, {3});
  Rng c = Rng::stream(7, Stream::kPhotons, {4});
  Rng d = Rng::stream(8, Stream::kPhotons, {3});
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t va = a.next();
    EXPECT_EQ(va, b.next());
    EXPECT_NE(va, c.next());
    EXPECT_NE(va, d.next());
  }
}

TEST(SimRandom, NormalHasUnitVariance) {
  Rng rng(11);
  const Moments m = moments(200000, [&] { return rng.normal(); });
  EXPECT_NEAR(m.mean, 0.0, 0.01);
  EXPECT_NEAR(m.variance, 1.0, 0.015);
}

TEST(SimRandom, PoissonMeanEqualsVariance) {
  Rng rng(12);
  // Inversion below 10, PTRS up to 1e4, normal approximation above; lambda = 0 gives 0.
  for (const double lambda : {0.7, 4.0, 10.0, 55.0, 4000.0, 35000.0}) {
    const Moments m = moments(200000, [&] { return rng.poisson(lambda); });
    EXPECT_NEAR(m.mean, lambda, 5.0 * std::sqrt(lambda / 200000.0)) << lambda;
    EXPECT_NEAR(m.variance / lambda, 1.0, 0.02) << lambda;
  }
  EXPECT_EQ(rng.poisson(0.0), 0.0);
  const double k = rng.poisson(3.0);
  EXPECT_EQ(k, std::floor(k));
}

// Flux-weighted centre and sum of a star drawn on an empty image.
struct Measured {
  double x = 0.0, y = 0.0, flux = 0.0;
};

Measured measure(const Image& image) {
  Measured m;
  for (std::size_t y = 0; y < image.height(); ++y) {
    for (std::size_t x = 0; x < image.width(); ++x) {
      const double v = image(x, y);
      m.flux += v;
      m.x += v * static_cast<double>(x);
      m.y += v * static_cast<double>(y);
    }
  }
  m.x /= m.flux;
  m.y /= m.flux;
  return m;
}

TEST(SimPsf, UndersampledStarsKeepFluxAndCentroid) {
  Psf psf;
  psf.fwhm = 1.6;  // undersampled, where pixel integration matters most
  psf.elongation = 1.1;
  psf.angle_deg = 30.0;
  const StarRenderer renderer(psf);
  for (const auto& [x, y] : {std::pair{40.0, 40.0}, {40.31, 39.77}, {39.5, 40.5}, {40.93, 40.06}}) {
    Image image(81, 81, 0.0F);
    renderer.add(image, x, y, 1e6, 1e-4);
    const Measured m = measure(image);
    EXPECT_NEAR(m.x, x, 0.002);
    EXPECT_NEAR(m.y, y, 0.002);
    // beta = 3 wings beyond the 40-pixel box hold (1 + 40^2/a^2)^-2 ~ 2e-6 of the flux.
    EXPECT_NEAR(m.flux / 1e6, 1.0, 1e-3);
  }
}

TEST(SimPsf, HalfMaximumWidthMatchesFwhm) {
  Psf psf;
  psf.fwhm = 12.0;  // well sampled: the pixel values trace the profile
  const StarRenderer renderer(psf);
  Image image(101, 101, 0.0F);
  renderer.add(image, 50.0, 50.0, 1e6, 1e-4);
  const double peak = image(50, 50);
  // Linear interpolation of the half-maximum crossing along +x.
  std::size_t x = 50;
  while (image(x + 1, 50) > 0.5 * peak) ++x;
  const double v0 = image(x, 50), v1 = image(x + 1, 50);
  const double half_width = static_cast<double>(x) + (v0 - 0.5 * peak) / (v0 - v1) - 50.0;
  EXPECT_NEAR(2.0 * half_width / psf.fwhm, 1.0, 0.01);
  EXPECT_NEAR(renderer.peak_fraction(), peak / 1e6, 1e-6);
}

TEST(SimPsf, TrailsSpreadTheStarAlongTheirDirection) {
  Psf psf;
  psf.fwhm = 2.0;
  psf.trail_px = 10.0;
  psf.trail_angle_deg = 0.0;
  Image image(61, 61, 0.0F);
  StarRenderer(psf).add(image, 30.0, 30.0, 1e5, 1e-4);
  const Measured m = measure(image);
  EXPECT_NEAR(m.x, 30.0, 1e-3);
  EXPECT_NEAR(m.flux / 1e5, 1.0, 1e-3);
  EXPECT_GT(image(34, 30), 0.5F * image(30, 30));   // along the trail: still bright
  EXPECT_LT(image(30, 34), 0.05F * image(30, 30));  // across it: faint
}

TEST(SimDetector, BleedingConservesChargeAlongTheColumn) {
  Image charge(5, 40, 0.0F);
  charge(2, 20) = 10000.0F;
  charge(2, 21) = 2500.0F;
  bleed_columns(charge, 1000.0);
  double column = 0.0;
  for (std::size_t y = 0; y < 40; ++y) {
    EXPECT_LE(charge(2, y), 1000.0F);
    column += charge(2, y);
  }
  EXPECT_DOUBLE_EQ(column, 12500.0);
  EXPECT_EQ(charge(1, 20), 0.0F);
  // Half goes each way: the filled run is symmetric up to a pixel.
  std::size_t first = 40, last = 0;
  for (std::size_t y = 0; y < 40; ++y) {
    if (charge(2, y) >= 1000.0F) {
      first = std::min(first, y);
      last = std::max(last, y);
    }
  }
  EXPECT_NEAR(20.5 - static_cast<double>(first), static_cast<double>(last) - 20.5, 1.0);
}

TEST(SimDetector, ChargeSpilledOffTheChipIsLost) {
  Image charge(1, 4, 0.0F);
  charge(0, 0) = 5000.0F;
  bleed_columns(charge, 1000.0);
  double total = 0.0;
  for (std::size_t y = 0; y < 4; ++y) total += charge(0, y);
  EXPECT_DOUBLE_EQ(total, 3000.0);  // the 2000 e- pushed below row 0 are gone
}

TEST(SimDetector, DigitizeAppliesGainBiasPedestalAndClamps) {
  Detector d;
  d.width = 3;
  d.height = 1;
  d.gain = 2.0;
  d.pedestal_adu = 100.0;
  d.bias = Image(3, 1, 1000.0F);
  Image charge(3, 1, 0.0F);
  charge(0, 0) = 501.0F;
  charge(2, 0) = 1e9F;
  Rng rng(1);
  const auto out = digitize(charge, d, {0.0, 0.0, false}, rng);
  EXPECT_EQ(out[0], 1000 + 100 + 251);  // 250.5 rounds half up
  EXPECT_EQ(out[1], 1100);
  EXPECT_EQ(out[2], 65535);
}

TEST(SimObserving, DatesAndJulianDays) {
  const UnixTime night = parse_night("20200716");
  EXPECT_EQ(iso_time(night), "2020-07-16T00:00:00");
  EXPECT_DOUBLE_EQ(julian_date(night), 2459046.5);
  EXPECT_EQ(compact_date(night + 86399), "20200716");
  EXPECT_EQ(compact_time(night + 3723), "010203");
  EXPECT_EQ(month_text(night), "2020-07");
  EXPECT_EQ(day_text(night - 12 * 86400), "2020-07-04");
  EXPECT_EQ(sexagesimal(32.903308), "32 54 12");
  EXPECT_EQ(sexagesimal(-105.5287), "-105 31 43");
  EXPECT_THROW(parse_night("2020-07-16"), Error);
  EXPECT_THROW(parse_night("20200231"), Error);
}

TEST(SimObserving, SequencesAreCentredOnTheTransitAtNight) {
  const itelescope::Site& site = itelescope::site_for_telescope("T20");
  const UnixTime night = parse_night("20200716");
  const double hours = 2.0;
  const UnixTime start = plan_start(night, hours * 3600.0, 303.03, 38.35, site);
  // NGC 6888 transits New Mexico around 00:40 local time in mid July.
  const double mid_ha = hour_angle_deg(303.03, site, start + 3600);
  EXPECT_LT(std::fabs(mid_ha), 2.0);
  EXPECT_GT(altitude_deg(303.03, 38.35, site, start + 3600), 80.0);
  const double local_start = static_cast<double>(start - night) / 3600.0 + site.utc_offset_hours;
  EXPECT_GE(local_start, 20.0);
  EXPECT_LE(local_start + hours, 29.0);
}

TEST(SimTarget, ResolvesOpenNgcNamesInItelescopeSpelling) {
  for (const char* name :
       {"NGC 6888", "NGC_6888", "ngc6888", "NGC_6888_x1_y2", "Crescent Nebula"}) {
    const auto t = astro::resolve_target(name);
    ASSERT_TRUE(t.has_value()) << name;
    EXPECT_NEAR(t->ra, 303.03, 0.01) << name;
    EXPECT_NEAR(t->dec, 38.355, 0.01) << name;
  }
  EXPECT_TRUE(astro::resolve_target("M82").has_value());
  EXPECT_FALSE(astro::resolve_target("Cygnus Loop").has_value());
}

TEST(SimStars, ReadsTycho2StarsFromTheIndexFiles) {
  const auto index = find_tycho2_index("/usr/share/astrometry");
  if (!index) GTEST_SKIP() << "astrometry-data-tycho2 is not installed";
  EXPECT_EQ(index->filename().string().rfind("index-tycho2-10", 0), 0u);
  const auto stars = read_index_stars(*index, 303.03, 38.35, 1.0);
  ASSERT_GT(stars.size(), 10u);
  bool central_star = false;  // WR 136, the star that blows the Crescent nebula
  for (const SkyStar& s : stars) {
    EXPECT_TRUE(s.catalogue);
    EXPECT_GT(s.vmag, 3.0);
    EXPECT_LT(s.vmag, 12.5);
    central_star =
        central_star || (std::fabs(s.ra - 303.0272) < 0.002 && std::fabs(s.dec - 38.3549) < 0.002 &&
                         std::fabs(s.vmag - 7.47) < 0.1);
  }
  EXPECT_TRUE(central_star);
}

// Great-circle distance (haversine), degrees.
double distance_deg(const SkyStar& s, double ra, double dec) {
  const double k = std::numbers::pi / 180.0;
  const double h =
      std::pow(std::sin((s.dec - dec) * k / 2), 2) +
      std::cos(s.dec * k) * std::cos(dec * k) * std::pow(std::sin((s.ra - ra) * k / 2), 2);
  return 2.0 * std::asin(std::sqrt(h)) / k;
}

TEST(SimStars, FallsBackToSyntheticStarsWithoutAnIndex) {
  test::TempDir empty;
  StarFieldOptions o;
  o.ra = 303.03;
  o.dec = 38.35;
  o.radius_deg = 0.5;
  o.faint_limit = 16.0;
  o.index_dir = empty.path();
  const StarField field = make_star_field(o, 5);
  EXPECT_EQ(field.catalogue_count, 0u);
  EXPECT_TRUE(field.index_file.empty());
  // Number counts: n10 * area * (10^(0.33 (16 - 10)) - 10^(0.33 (6 - 10))) stars.
  const double area = 2.0 * std::numbers::pi * (1.0 - std::cos(0.5 * std::numbers::pi / 180.0)) *
                      std::pow(180.0 / std::numbers::pi, 2);
  const double expected =
      field.n10_per_deg2 * area * (std::pow(10.0, 0.33 * 6) - std::pow(10.0, 0.33 * -4));
  EXPECT_NEAR(static_cast<double>(field.stars.size()), expected, 1.0);
  EXPECT_NEAR(field.galactic_latitude_deg, 2.4, 0.2);
  for (const SkyStar& s : field.stars) {
    EXPECT_FALSE(s.catalogue);
    EXPECT_GE(s.vmag, 6.0);
    EXPECT_LE(s.vmag, 16.0);
    EXPECT_LE(distance_deg(s, 303.03, 38.35), 0.5 + 1e-9);
  }
  // Half the stars lie within 0.5 / sqrt(2) of the centre (uniform on the sky).
  const auto inner = std::count_if(field.stars.begin(), field.stars.end(), [](const SkyStar& s) {
    return distance_deg(s, 303.03, 38.35) < 0.5 / std::sqrt(2.0);
  });
  EXPECT_NEAR(static_cast<double>(inner) / static_cast<double>(field.stars.size()), 0.5, 0.05);
}

TEST(SimStars, MaxStarsRaisesTheFaintLimit) {
  StarFieldOptions o;
  o.ra = 303.03;
  o.dec = 38.35;
  o.radius_deg = 1.0;
  o.max_stars = 3000;
  const StarField field = make_star_field(o, 5);
  EXPECT_NEAR(static_cast<double>(field.stars.size()), 3000.0, 2.0);
  EXPECT_LT(field.synthetic_faint, o.faint_limit);
  for (std::size_t i = 1; i < field.stars.size(); ++i) {
    EXPECT_LE(field.stars[i - 1].vmag, field.stars[i].vmag);  // brightest first
  }
}

}  // namespace
}  // namespace ap::sim
