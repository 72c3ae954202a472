// Continuum subtraction on simulated Ha and Red frames of the same field:
// the scale against the simulator's true Ha/Red flux ratio of the stars, the
// stars gone from the difference, and `ap continuum` with bad input.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "arith/continuum.h"
#include "calib/calibrate.h"
#include "core/fits.h"
#include "core/stats.h"
#include "core/wcs.h"
#include "measure/aperture.h"
#include "resample/resample.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;

struct SimFrame {
  Image image;
  Wcs wcs;
  Table stars;  // truth: ID, X, Y (1-based), FLUX
};

// A simulated frame calibrated with the simulator's newest masters (the
// filters' flats differ: without them the ratio would be off by percents).
SimFrame load(const fs::path& dir, const nlohmann::json& frame) {
  const FitsImage light = read_image(dir / frame["file"].get<std::string>());
  const auto pick = [&](const std::string& part) {
    for (const fs::path& p : test::files_under(dir / "cal", part))
      if (p.string().find("2020-07-04") != std::string::npos) return p;
    return fs::path();
  };
  const std::string filter = frame["filter"];
  const Masters masters = Masters::load(pick("Master_Bias"), pick("Master_Dark"),
                                        pick("Master_Flat_" + filter + "_"), {});
  const FitsImage raw{calibrate(light, "light", masters, {}).image, light.info};
  Header truth_header;
  const Table stars = read_table(dir / frame["truth_file"].get<std::string>(), "STARS", &truth_header);
  const Header wcs_header = read_hdu_list(dir / frame["truth_file"].get<std::string>()).front().header;
  return {raw.image, *Wcs::from_header(wcs_header), stars};
}

TEST(Continuum, ScaleWithinTwoPercentOfTheTruthAndStarsGone) {
  test::TempDir dir;
  sim::SimulateOptions o = test::small_night(dir.path(), 1024, {"Ha", "Red"}, 1);
  o.poor_frames = 0;
  o.max_stars = 3000;
  o.nebula_ha = 0.0;  // stars only: the truth ratio is theirs
  sim::simulate(o);
  const auto truth = nlohmann::json::parse(test::read_text(dir / "truth.json"));
  const auto& frames = truth["frames"];
  const bool ha_first = frames[0]["filter"] == "Ha";
  const SimFrame ha = load(dir.path(), frames[ha_first ? 0 : 1]), red = load(dir.path(), frames[ha_first ? 1 : 0]);
  // The true ratio: stars of both frames by ID, bright ones.
  std::map<std::int64_t, double> red_flux;
  const auto rid = red.stars.numbers("ID"), rflux = red.stars.numbers("FLUX");
  for (std::size_t i = 0; i < rid.size(); ++i) red_flux[static_cast<std::int64_t>(rid[i])] = rflux[i];
  std::vector<float> ratios;
  const auto hid = ha.stars.numbers("ID"), hflux = ha.stars.numbers("FLUX");
  for (std::size_t i = 0; i < hid.size(); ++i) {
    const auto it = red_flux.find(static_cast<std::int64_t>(hid[i]));
    if (it != red_flux.end() && it->second > 2e4) ratios.push_back(static_cast<float>(hflux[i] / it->second));
  }
  ASSERT_GT(ratios.size(), 20u);
  const double true_ratio = median(ratios);

  const Image red_on_ha = resample(red.image, red.wcs, nullptr, {ha.wcs, ha.image.width(), ha.image.height()}, {}).image;
  const ContinuumResult r = continuum_subtract(ha.image, red_on_ha, {});
  EXPECT_NEAR(r.scale / true_ratio, 1.0, 0.02) << r.scale << " vs " << true_ratio;
  EXPECT_GT(r.stars, 10u);
  // Stars left in the difference: below 2 % of their Ha flux (median over bright stars).
  ApertureOptions ao;
  ao.radius = 12.0, ao.annulus_inner = 15.0, ao.annulus_outer = 20.0;  // the whole star
  std::vector<float> left;
  const auto x = ha.stars.numbers("X"), y = ha.stars.numbers("Y");
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (hflux[i] < 2e4 || x[i] < 25 || y[i] < 25 || x[i] > 1000 || y[i] > 1000) continue;
    const double before = aperture_photometry(ha.image, nullptr, x[i] - 1, y[i] - 1, ao).flux();
    const double after = aperture_photometry(r.image, nullptr, x[i] - 1, y[i] - 1, ao).flux();
    if (before > 0) left.push_back(static_cast<float>(std::abs(after) / before));
  }
  ASSERT_GT(left.size(), 10u);
  EXPECT_LT(median(left), 0.02);
}

TEST(Continuum, CliWritesTheScaleAndRefusesBadInput) {
  test::TempDir dir;
  const std::string d = dir.path().string();
  Image a(64, 64, 10.0f), b(64, 64, 20.0f);
  write_image(dir / "a.fits", a, Header{});
  write_image(dir / "b.fits", b, Header{});
  auto r = test::run_ap(fmt::format("continuum {0}/a.fits {0}/b.fits {0}/c.fits --scale 0.5", d));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_DOUBLE_EQ(read_hdu_list(dir / "c.fits").front().header.get("CONTSCAL", 0.0), 0.5);
  r = test::run_ap(fmt::format("continuum {0}/a.fits {0}/b.fits {0}/d.fits", d));  // no star anywhere
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("stars"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "d.fits"));
  write_image(dir / "small.fits", Image(32, 32, 1.0f), Header{});
  r = test::run_ap(fmt::format("continuum {0}/a.fits {0}/small.fits {0}/e.fits", d));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_FALSE(fs::exists(dir / "e.fits"));
}

}  // namespace
}  // namespace ap
