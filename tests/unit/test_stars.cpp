// Star finding, photometry and PSF fits: the pieces against exact values,
// detection and photometry against photutils on the same image
// (tests/peers/photutils_stars.py), the whole stage against the truth of
// synthetic and simulated frames, the outputs and `ap stars` with bad input.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/fits.h"
#include "measure/aperture.h"
#include "measure/daofind.h"
#include "measure/psf_fit.h"
#include "measure/source_list.h"
#include "measure/stars.h"
#include "sim/psf.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;

struct TruthStar {
  double x, y, flux;
};

struct Field {
  Image image;
  std::vector<TruthStar> stars;
  sim::Psf psf;
  double sky = 500.0, noise = 10.0;
};

// Moffat stars (integrated over pixels by the simulator's renderer) on a flat
// sky with Gaussian noise, at least 3 px from the edges.
Field synthetic_field(std::size_t w, std::size_t h, int n, const sim::Psf& psf, unsigned seed = 3) {
  Field f;
  f.psf = psf;
  f.image = Image(w, h);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ux(3.0, static_cast<double>(w) - 4.0),
      uy(3.0, static_cast<double>(h) - 4.0), unit(0.0, 1.0);
  const sim::StarRenderer render(psf);
  for (int k = 0; k < n; ++k) {
    const TruthStar s{ux(rng), uy(rng), 2000.0 * std::pow(100.0, unit(rng))};
    render.add(f.image, s.x, s.y, s.flux, 0.01);
    f.stars.push_back(s);
  }
  std::normal_distribution<double> gauss(0.0, f.noise);
  for (float& v : f.image.pixels()) v = static_cast<float>(v + f.sky + gauss(rng));
  return f;
}

sim::Psf moffat_psf(double fwhm, double elongation, double angle) {
  sim::Psf p;
  p.fwhm = fwhm;
  p.elongation = elongation;
  p.angle_deg = angle;
  p.beta = 3.0;
  return p;
}

TEST(StarsAperture, ExactCircleOverlap) {
  const double r = 6.3, cx = 10.3, cy = 10.7;
  double total = 0.0;
  for (int y = 0; y < 22; ++y)
    for (int x = 0; x < 22; ++x)
      total += circle_rect_overlap(x - 0.5 - cx, x + 0.5 - cx, y - 0.5 - cy, y + 0.5 - cy, r);
  EXPECT_NEAR(total, std::numbers::pi * r * r, 1e-9);
  EXPECT_NEAR(circle_rect_overlap(-0.5, 0.5, -0.5, 0.5, 3.0), 1.0, 1e-12);  // inside
  EXPECT_NEAR(circle_rect_overlap(0.0, 10.0, 0.0, 10.0, 2.0), std::numbers::pi, 1e-12);  // quadrant
  EXPECT_NEAR(circle_rect_overlap(-10.0, 10.0, 1.0, 10.0, 2.0),  // segment above y = 1
              4.0 * std::acos(0.5) - std::sqrt(3.0), 1e-12);
  EXPECT_EQ(circle_rect_overlap(3.0, 4.0, 3.0, 4.0, 2.0), 0.0);
}

TEST(StarsAperture, LeavesOutPixelsOffTheImageAndMasked) {
  Image img(30, 30);
  for (float& v : img.pixels()) v = 5.0f;
  ApertureOptions o;
  o.radius = 4.0;
  o.annulus_inner = 4.0;
  o.annulus_outer = 6.0;
  const ApertureResult inside = aperture_photometry(img, nullptr, 15.2, 14.9, o);
  EXPECT_NEAR(inside.area, std::numbers::pi * 16.0, 1e-9);
  EXPECT_NEAR(inside.flux(), 0.0, 1e-9);
  // At the corner, a quarter of the aperture is on the image; the annulus median is
  // still the sky (the original read the missing pixels as 0).
  const ApertureResult corner = aperture_photometry(img, nullptr, -0.5, -0.5, o);
  EXPECT_NEAR(corner.area, std::numbers::pi * 4.0, 1e-9);
  EXPECT_DOUBLE_EQ(corner.background, 5.0);
  Mask bad(30, 30);
  bad(15, 15) = 1;
  img(15, 15) = 1e6f;
  const ApertureResult masked = aperture_photometry(img, &bad, 15.0, 15.0, o);
  EXPECT_NEAR(masked.area, std::numbers::pi * 16.0 - 1.0, 1e-9);
  EXPECT_NEAR(masked.flux(), 0.0, 1e-9);
}

TEST(StarsDaoFind, KernelAsPhotutils) {
  DaoFindOptions o;
  const DaoKernel k(o);  // numbers printed by photutils 1.6 _StarFinderKernel
  EXPECT_EQ(k.nx, 5);
  EXPECT_EQ(k.ny, 5);
  EXPECT_EQ(k.npixels, 13);
  EXPECT_NEAR(k.relerr, 1.285033309079545, 1e-12);
  EXPECT_NEAR(k.zero_sum[12], 0.7283400753432419, 1e-12);
  o.fwhm = 4.5;
  EXPECT_EQ(DaoKernel(o).npixels, 25);
  EXPECT_NEAR(DaoKernel(o).relerr, 1.0457383921104273, 1e-12);
  o.fwhm = 3.0;
  o.ratio = 0.6;
  o.theta_deg = 30.0;
  EXPECT_NEAR(DaoKernel(o).relerr, 1.0319947929426565, 1e-12);
}

// Detection and photometry on the same background-subtracted image as photutils.
TEST(StarsPeer, MatchesPhotutilsDaoStarFinderAndApertures) {
  test::TempDir dir;
  Field f = synthetic_field(700, 500, 400, moffat_psf(3.2, 1.1, 20.0));
  for (float& v : f.image.pixels()) v -= static_cast<float>(f.sky);
  write_image(dir / "sub.fits", f.image, Header{});
  const double fwhm = 3.2, threshold = 5.0 * f.noise, radius = 6.0;
  const auto peer = test::run(
      "/usr/bin/python3", fmt::format("{} {} {} --fwhm {} --threshold {} --radius {}",
                                      test::peer_script("photutils_stars.py").string(),
                                      (dir / "sub.fits").string(), (dir / "peer.csv").string(),
                                      fwhm, threshold, radius));
  ASSERT_EQ(peer.exit_code, 0) << peer.err;
  std::vector<std::array<double, 8>> theirs;
  std::istringstream in(test::read_text(dir / "peer.csv"));
  for (std::string line; std::getline(in, line);) {
    std::array<double, 8> row{};
    std::istringstream ls(line);
    for (double& v : row) {
      std::string cell;
      std::getline(ls, cell, ',');
      v = std::stod(cell);
    }
    theirs.push_back(row);
  }
  DaoFindOptions o;
  o.fwhm = fwhm;
  o.threshold = threshold;
  const std::vector<DaoSource> ours = dao_find(f.image, o);
  ASSERT_GT(theirs.size(), 250u);
  EXPECT_NEAR(static_cast<double>(ours.size()), static_cast<double>(theirs.size()), 2.0);

  ApertureOptions ao;
  ao.radius = radius;
  std::size_t matched = 0;
  double sum2 = 0.0, worst_flux = 0.0;
  for (const auto& t : theirs) {
    const auto best = std::min_element(ours.begin(), ours.end(), [&](const auto& a, const auto& b) {
      return std::hypot(a.x - t[0], a.y - t[1]) < std::hypot(b.x - t[0], b.y - t[1]);
    });
    const double d = std::hypot(best->x - t[0], best->y - t[1]);
    if (d > 0.1) continue;
    ++matched;
    sum2 += d * d;
    EXPECT_NEAR(best->sharpness, t[2], 1e-4);
    EXPECT_NEAR(best->roundness1, t[3], 1e-4);
    EXPECT_NEAR(best->roundness2, t[4], 1e-4);
    // Aperture sums at photutils' positions, wholly inside the image.
    if (t[0] > radius + 1 && t[1] > radius + 1 && t[0] < 700 - radius - 2 && t[1] < 500 - radius - 2) {
      const double sum = aperture_photometry(f.image, nullptr, t[0], t[1], ao).raw_sum;
      worst_flux = std::max(worst_flux, std::abs(sum - t[7]) / std::max(1.0, std::abs(t[7])));
    }
  }
  EXPECT_GE(static_cast<double>(matched), 0.98 * static_cast<double>(theirs.size()));
  EXPECT_LT(std::sqrt(sum2 / static_cast<double>(matched)), 0.05);
  EXPECT_LT(worst_flux, 1e-5);
}

TEST(StarsPsfFit, RecoversAnEllipticalMoffat) {
  const sim::Psf psf = moffat_psf(2.2, 1.25, 35.0);  // undersampled, as T20
  Image img(24, 24);
  for (float& v : img.pixels()) v = 100.0f;
  sim::StarRenderer(psf).add(img, 11.3, 12.6, 2e5, 0.0);
  PsfFitOptions o;
  o.sky_variance = 25.0;
  const PsfFit fit = fit_psf(img, nullptr, 0, 0, 24, {11.0, 12.0, 2e4, 100.0, 3.0}, o);
  ASSERT_TRUE(fit.ok);
  EXPECT_NEAR(fit.x, 11.3, 1e-3);
  EXPECT_NEAR(fit.y, 12.6, 1e-3);
  EXPECT_NEAR(fit.fwhm(), 2.2, 0.01 * 2.2);
  EXPECT_NEAR(fit.fwhm_major / fit.fwhm_minor, 1.25, 0.01);
  EXPECT_NEAR(fit.theta_deg, 35.0, 0.5);
  EXPECT_NEAR(fit.beta, 3.0, 0.05);
  EXPECT_NEAR(fit.background, 100.0, 0.1);
}

TEST(StarsTruth, SyntheticFieldFwhmEllipticityAndCentroids) {
  const sim::Psf psf = moffat_psf(3.0, 1.15, 30.0);
  const Field f = synthetic_field(1024, 768, 500, psf);
  Header h;
  h.set("EXPOSURE", 60.0);
  const StarsResult r = find_stars(f.image, h, {});
  EXPECT_NEAR(r.bg_median, f.sky, 0.5);
  EXPECT_NEAR(r.bg_std, f.noise, 0.3);
  ASSERT_GE(r.good_fits(), 20u);
  EXPECT_NEAR(r.fwhm.value, 3.0, 0.03 * 3.0);
  EXPECT_NEAR(r.ellipticity.value, 1.0 - 1.0 / 1.15, 0.03 * (1.0 - 1.0 / 1.15) + 0.005);
  EXPECT_NEAR(r.theta_deg.value, 30.0, 2.0);
  EXPECT_NEAR(r.beta.value, 3.0, 0.15);
  // Every star well above the noise is found, within 0.05 px RMS of the truth.
  double sum2 = 0.0;
  std::size_t bright = 0, found = 0;
  for (const TruthStar& t : f.stars) {
    if (t.flux < 20000.0) continue;
    bool crowded = false;
    for (const TruthStar& o : f.stars)
      crowded |= &o != &t && std::hypot(o.x - t.x, o.y - t.y) < 8.0 && o.flux > 0.05 * t.flux;
    if (crowded) continue;
    ++bright;
    for (const Star& s : r.stars) {
      const double d = std::hypot(s.x - t.x, s.y - t.y);
      if (d < 0.5) {
        ++found;
        sum2 += d * d;
        break;
      }
    }
  }
  ASSERT_GT(bright, 100u);
  EXPECT_EQ(found, bright);
  EXPECT_LT(std::sqrt(sum2 / static_cast<double>(found)), 0.05);
  // Brightest first, ids 1..N, ADU/s from the exposure.
  ASSERT_FALSE(r.stars.empty());
  EXPECT_EQ(r.stars.front().id, 1);
  EXPECT_GE(r.stars.front().adu_per_sec, r.stars.back().adu_per_sec);
  EXPECT_NEAR(r.stars.front().adu_per_sec * 60.0, r.stars.front().aperture_sum, 1e-6);
}

// A simulated T20 frame (undersampled, Moffat beta 3): FWHM and ellipticity
// within 3 % of the simulator's truth.
TEST(StarsTruth, SimulatedFrameMatchesTruth) {
  test::TempDir dir;
  sim::SimulateOptions o = test::small_night(dir.path(), 1024);
  o.calibration = false;
  o.max_stars = 3000;
  o.poor_frames = 0;
  sim::simulate(o);
  const auto truth = nlohmann::json::parse(test::read_text(dir / "truth.json"));
  const auto& frame = truth["frames"][0];
  const FitsImage in = read_image(dir.path() / frame["file"].get<std::string>());
  const StarsResult r = find_stars(in.image, in.header(), {});
  const double fwhm = frame["fwhm_px"], elong = frame["elongation"];
  ASSERT_GE(r.good_fits(), 10u);
  EXPECT_NEAR(r.fwhm.value, fwhm, 0.03 * fwhm);
  EXPECT_NEAR(r.ellipticity.value, 1.0 - 1.0 / elong, 0.01);
  EXPECT_GT(r.detected, 100u);
}

TEST(StarsBadInput, BlankNaNSaturatedAndNoExposure) {
  Image blank(200, 150);
  for (float& v : blank.pixels()) v = 1000.0f;
  const StarsResult b = find_stars(blank, Header{}, {});
  EXPECT_EQ(b.detected, 0u);
  EXPECT_TRUE(b.stars.empty());
  EXPECT_TRUE(std::isnan(b.fwhm.value));
  EXPECT_TRUE(b.exposure_assumed);
  ASSERT_GE(b.notes.size(), 2u);
  EXPECT_NE(b.notes[1].find("no star"), std::string::npos);

  Image nan(50, 50);
  for (float& v : nan.pixels()) v = std::nanf("");
  try {
    find_stars(nan, Header{}, {});
    FAIL() << "no error for an all-NaN frame";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
  }
  Image full(120, 100);
  for (float& v : full.pixels()) v = 65535.0f;
  const StarsResult s = find_stars(full, Header{}, {});
  EXPECT_EQ(s.detected, 0u);
  EXPECT_EQ(s.saturated_stars, 1u);

  StarsOptions bad;
  bad.search_fwhm = 0.0;
  EXPECT_THROW(find_stars(blank, Header{}, bad), Error);
}

TEST(StarsCli, WritesAllOutputs) {
  test::TempDir dir;
  const Field f = synthetic_field(800, 600, 300, moffat_psf(3.0, 1.05, 0.0));
  Header h;
  h.set("EXPOSURE", 120.0);
  h.set("FOCALLEN", 1000.0);
  h.set("XPIXSZ", 9.0);
  h.set("YPIXSZ", 9.0);
  h.set("OBJCTRA", "20 12 07");
  h.set("OBJCTDEC", "+38 21 18");
  h.set("LONG-OBS", -105.5);
  h.set("FILTER", "Red");
  write_image(dir / "img.fits", f.image, h);
  const std::string args = fmt::format(
      "stars {0}/img.fits {0}/src.fits -m 100 --quality_report {0}/q.yaml --ds9 {0}/r.reg "
      "--plotfile {0}/p.png --fwhm_plot {0}/f.png -q",
      dir.path().string());
  const auto res = test::run_ap(args);
  ASSERT_EQ(res.exit_code, 0) << res.err;

  Header list;
  const Table xy = read_table(dir / "src.fits", "AP_XYPOS", &list);
  const Table mag = read_table(dir / "src.fits", "AP_L1MAG");
  const Table psf = read_table(dir / "src.fits", "AP_L1PSF");
  ASSERT_EQ(xy.rows(), 100u);
  EXPECT_NEAR(xy.numbers("X")[0], mag.numbers("xcenter")[0] + 1.0, 1e-9);
  EXPECT_GE(psf.rows(), 20u);
  const auto& hdus = read_hdu_list(dir / "src.fits");
  const Header& primary = hdus.front().header;
  EXPECT_EQ(primary.get_int("AP_NPHOT"), 100);
  EXPECT_NEAR(primary.get("APRX_RA", 0.0), 15.0 * (20 + 12 / 60.0 + 7 / 3600.0), 1e-9);
  EXPECT_NEAR(primary.get("APRX_XPS", 0.0), 206.264806 * 9.0 / 1000.0, 1e-9);
  EXPECT_NEAR(primary.get("AP_FWHM", 0.0), 3.0, 0.1);
  EXPECT_EQ(primary.get("LON-OBS", 0.0), -105.5);

  const YAML::Node q = YAML::LoadFile((dir / "q.yaml").string());
  EXPECT_EQ(q["image_info"]["filter"].as<std::string>(), "Red");
  EXPECT_NEAR(q["psf_info"]["fwhm_val_pix"].as<double>(), 3.0, 0.1);
  EXPECT_TRUE(q["image_info"]["airmass"].IsNull());
  EXPECT_EQ(q["source_info"]["num_with_photometry"].as<int>(), 100);
  EXPECT_EQ(test::read_text(dir / "r.reg").rfind("# Region file format: DS9", 0), 0u);
  for (const char* png : {"p.png", "f.png"})
    EXPECT_EQ(test::read_text(dir / png).substr(1, 3), "PNG") << png;

  // Bad input: a NaN frame is refused with exit code 3 and leaves no source list.
  Image nan(40, 40);
  for (float& v : nan.pixels()) v = std::nanf("");
  write_image(dir / "nan.fits", nan, Header{});
  const auto bad = test::run_ap(fmt::format("stars {0}/nan.fits {0}/nan_src.fits", dir.path().string()));
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("nan.fits"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "nan_src.fits"));
}

}  // namespace
}  // namespace ap
