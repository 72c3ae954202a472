// ap calibrate: a simulated night calibrated with its own masters against
// the simulator's truth, bad-pixel repair, and the bad-input cases.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calib/calibrate.h"
#include "calib/fix_badpix.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/stats.h"
#include "sim/simulate.h"
#include "unit/support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;

// A small night: one Red light frame, masters for the latest date.
struct Night {
  test::TempDir dir;
  fs::path light, bias, dark, flat, ha_flat;
  nlohmann::json truth;

  explicit Night(const std::vector<std::string>& disabled, std::size_t size = 192) {
    sim::SimulateOptions o;
    o.output_dir = dir.path();
    o.width = o.height = static_cast<int>(size);
    o.filters = {"Red", "Ha"};
    o.frames = 1;
    o.bias_frames = o.dark_frames = 5;
    o.flat_frames = 3;
    o.max_stars = 400;
    for (const auto& name : disabled) o.physics.disable(name);
    sim::simulate(o);
    std::ifstream in(dir / "truth.json");
    truth = nlohmann::json::parse(in);
    for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
      const std::string name = e.path().filename().string();
      const std::string where = e.path().string();
      if (where.find("2020-07-04") == std::string::npos && !name.starts_with("raw-")) continue;
      if (name.starts_with("raw-") && name.find("-Red-") != std::string::npos) light = e.path();
      if (name.starts_with("Master_Bias")) bias = e.path();
      if (name.starts_with("Master_Dark")) dark = e.path();
      if (name.starts_with("Master_Flat_Red")) flat = e.path();
      if (name.starts_with("Master_Flat_Ha")) ha_flat = e.path();
    }
  }

  CalibrateResult calibrate_light(const CalibrateOptions& o = {}) const {
    const Masters m = Masters::load(bias, dark, flat, {});
    return calibrate(read_image(light), light.string(), m, o);
  }
};

// Without noise, stars, nebula, gradient and defects the light is bias +
// dark + sky x flat: calibrated, it must be flat to better than 0.5 %.
TEST(Calibrate, FlatFieldResidualIsBelowHalfAPercent) {
  const Night night({"noise", "stars", "nebula", "sky_gradient", "cosmic_rays", "defects"});
  ASSERT_FALSE(night.light.empty());
  const Masters m = Masters::load(night.bias, night.dark, night.flat, {});
  EXPECT_TRUE(m.dark_holds_bias);  // the latest date's darks have CALSTAT 'M'
  const CalibrateResult r = night.calibrate_light();
  const ClippedStats s = sigma_clipped_stats(r.image.pixels(), SigmaClipOptions::symmetric(5, 1));
  const double sky = night.truth["frames"][0]["sky_adu"];
  EXPECT_LT(s.std / s.median, 0.005) << "median " << s.median << " std " << s.std;
  EXPECT_NEAR(s.median, sky, 0.01 * sky);  // the sky level the simulator put in

  // Without the flat the frame is far from flat: the test can fail.
  const Masters no_flat = Masters::load(night.bias, night.dark, {}, {});
  const Image unflat = calibrate(read_image(night.light), "light", no_flat, {}).image;
  const ClippedStats u = sigma_clipped_stats(unflat.pixels(), SigmaClipOptions::symmetric(5, 1));
  EXPECT_GT(u.std / u.median, 0.01);
}

// With every ingredient, the calibrated frame minus the calibrated noiseless
// frame (same seed) is pure noise of the expected size.
TEST(Calibrate, MatchesTheNoiselessTruthWithinTheNoise) {
  const Night noisy({"cosmic_rays"});
  const Night clean({"cosmic_rays", "noise"});
  const CalibrateResult a = noisy.calibrate_light(), b = clean.calibrate_light();
  ASSERT_TRUE(a.image.same_shape(b.image));
  std::vector<float> diff(a.image.size());
  for (std::size_t i = 0; i < diff.size(); ++i) diff[i] = a.image.data()[i] - b.image.data()[i];
  const ClippedStats s = sigma_clipped_stats(diff, SigmaClipOptions::symmetric(5, 3));
  const double gain = noisy.truth["detector"]["gain_e_per_adu"];
  const double rn = noisy.truth["detector"]["read_noise_e"];
  const double sky = noisy.truth["frames"][0]["sky_adu"];
  const double expected = std::sqrt(sky * gain + rn * rn) / gain;  // ADU, per pixel
  EXPECT_NEAR(s.std, expected, 0.15 * expected);
  EXPECT_LT(std::abs(s.mean), 0.1 * expected);
}

TEST(Calibrate, CosmicRaysNeedAGainAndAReadNoise) {
  const Night night({"noise"}, 96);
  CalibrateOptions o;
  o.fix_cosmics = true;
  try {
    night.calibrate_light(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("no read noise in the header"), std::string::npos);
  }
  o.cosmics.readnoise = 10.0;
  EXPECT_NO_THROW(night.calibrate_light(o));
}

TEST(FixBadpix, MedianOfGoodNeighboursWideningWhenTooFew) {
  Image img(7, 7, 10.0f);
  for (std::size_t x = 0; x < 7; ++x) img(x, 0) = 100.0f;  // a different bottom row
  Mask mask(7, 7, 0);
  mask(3, 3) = kMaskHot;
  img(3, 3) = 5000.0f;
  // Only the four corners are good: most pixels need the box widened.
  Mask crowded(7, 7, 1);
  crowded(0, 0) = crowded(6, 6) = crowded(0, 6) = 0;
  crowded(6, 0) = 0;
  FixBadpixResult r = fix_bad_pixels(img, mask, {.deltapix = 1});
  EXPECT_EQ(img(3, 3), 10.0f);
  EXPECT_EQ(r.fixed, 1u);
  Image img2(7, 7, 3.0f);
  r = fix_bad_pixels(img2, crowded, {.deltapix = 2, .min_good = 4, .max_deltapix = 6});
  EXPECT_EQ(r.bad, 45u);
  EXPECT_EQ(r.unfixed, 0u);
  EXPECT_GT(r.widened, 0u);
  r = fix_bad_pixels(img2, crowded, {.deltapix = 2, .min_good = 4, .max_deltapix = 2});
  EXPECT_GT(r.unfixed, 0u);  // the original's behaviour without widening
  EXPECT_THROW(fix_bad_pixels(img2, Mask(6, 7), {}), Error);
}

TEST(FixBadpixCli, RepairsAndCountsAndRefusesAMaskOfAnotherSize) {
  test::TempDir dir;
  Image img(20, 10, 50.0f);
  img(5, 5) = 9000.0f;
  write_image(dir / "in.fits", img, {});
  Mask mask(20, 10, 0);
  mask(5, 5) = kMaskHot;
  FitsWriter w(dir / "mask.fits");
  w.add_mask(mask, {});
  w.commit();
  auto r = test::run_ap(fmt::format("fix-badpix '{}' '{}' '{}'", (dir / "in.fits").string(),
                                    (dir / "mask.fits").string(), (dir / "out.fits").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const FitsImage out = read_image(dir / "out.fits");
  EXPECT_EQ(out.image(5, 5), 50.0f);
  EXPECT_EQ(out.header().get_double("BPIXNFIX"), 1.0);
  write_image(dir / "small.fits", Image(10, 10, 1.0f), {});
  r = test::run_ap(fmt::format("fix-badpix '{}' '{}' '{}'", (dir / "small.fits").string(),
                               (dir / "mask.fits").string(), (dir / "bad.fits").string()));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("mask.fits: mask 20x10 does not fit"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "bad.fits"));
}

TEST(CalibrateCli, WritesTheKeywordsAndRefusesMastersThatDoNotFit) {
  const Night night({"noise"}, 96);
  test::TempDir out;
  const std::string masters = fmt::format("'{}' '{}'", night.bias.string(), night.dark.string());
  auto r = test::run_ap(fmt::format("calibrate '{}' {} '{}' --master_flat '{}'",
                                    night.light.string(), masters, (out / "cal.fits").string(),
                                    night.flat.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const FitsImage cal = read_image(out / "cal.fits");
  EXPECT_TRUE(cal.header().get_bool("BIASCORR").value_or(false));
  EXPECT_TRUE(cal.header().get_bool("FLATCORR").value_or(false));
  EXPECT_EQ(cal.header().get_string("FLATFILE"), night.flat.filename().string());
  EXPECT_FALSE(cal.header().has("PEDESTAL"));
  EXPECT_DOUBLE_EQ(cal.header().get_double("DARKSCAL").value_or(0), 1.0);

  // The Ha flat for a Red light: refused, nothing written.
  r = test::run_ap(fmt::format("calibrate '{}' {} '{}' --master_flat '{}'", night.light.string(),
                               masters, (out / "bad.fits").string(), night.ha_flat.string()));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("FILTER 'Red' does not fit the flat"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out / "bad.fits"));
  // A master of another size.
  const Night small({"noise"}, 64);
  r = test::run_ap(fmt::format("calibrate '{}' '{}' '{}' '{}'", night.light.string(),
                               small.bias.string(), small.dark.string(),
                               (out / "bad.fits").string()));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("does not fit the master"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out / "bad.fits"));
  // Several lights need -o.
  r = test::run_ap(fmt::format("calibrate '{}' '{}' {} '{}'", night.light.string(),
                               night.light.string(), masters, (out / "x.fits").string()));
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace ap
