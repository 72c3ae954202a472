// Plate solving: simulated frames of the real Tycho-2 sky solved with the
// Debian index files and compared with the simulator's true WCS across the
// field (TAN on an undistorted frame, TAN-SIP on a distorted one), a
// mirrored star list, a list of random points (no false solution), the WCS
// fit on exact pairs, and `ap solve` with its outputs and bad input.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "astrometry/solve.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/wcs.h"
#include "measure/source_list.h"
#include "measure/stars.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;
using namespace astrometry;

struct Frame {
  fs::path file, truth;
  StarsResult stars;
  Header header;
};

// One simulated T20 frame (3.5"/px) with the stars measured as ap run does.
Frame simulated_frame(const fs::path& dir, double distortion_px, int width = 2048, int height = 1400) {
  sim::SimulateOptions o = test::small_night(dir, width);
  o.height = height;
  o.calibration = false;
  o.poor_frames = 0;
  o.max_stars = 4000;
  o.distortion_px = distortion_px;
  sim::simulate(o);
  const auto truth = nlohmann::json::parse(test::read_text(dir / "truth.json"));
  Frame f;
  f.file = dir / truth["frames"][0]["file"].get<std::string>();
  f.truth = dir / truth["frames"][0]["truth_file"].get<std::string>();
  const FitsImage in = read_image(f.file);
  StarsOptions so;
  so.retain_saturated = true;
  f.stars = find_stars(in.image, in.header(), so);
  f.header = in.header();
  return f;
}

std::vector<Detection> detections(const StarsResult& r) {
  std::vector<Detection> d;
  for (const Star& s : r.stars) d.push_back({s.x + 1.0, s.y + 1.0});
  return d;
}

// RMS and maximum distance (pixels) between where `ours` and `truth` put the
// same sky points, over a grid covering the frame.
std::pair<double, double> compare(const Wcs& ours, const Wcs& truth, double w, double h,
                                  bool mirrored = false) {
  double sum = 0.0, worst = 0.0;
  int n = 0;
  for (int j = 0; j <= 10; ++j) {
    for (int i = 0; i <= 10; ++i) {
      const double x = (w - 1) * i / 10.0, y = (h - 1) * j / 10.0;
      const SkyCoord s = ours.pixel_to_sky({mirrored ? w - 1 - x : x, y});
      const PixelCoord p = truth.sky_to_pixel(s);
      const double d = std::hypot(p.x - x, p.y - y);
      sum += d * d, worst = std::max(worst, d), ++n;
    }
  }
  return {std::sqrt(sum / n), worst};
}

SolveHints hints_for(const Frame& f) {
  SolveHints h;
  h.ra = 303.03;  // NGC 6888, the pointing before dithers
  h.dec = 38.35;
  h.scale_arcsec = 206.264806 * f.header.get("XPIXSZ", 0.0) / f.header.get("FOCALLEN", 1.0);
  return h;
}

TEST(SolveTruth, TanOnAnUndistortedFrameWithinAThirdOfAPixel) {
  test::TempDir dir;
  const Frame f = simulated_frame(dir.path(), 0.0);
  const Solution s = solve_field(detections(f.stars), 2048, 1400, hints_for(f), {}, IndexSet::shared());
  ASSERT_TRUE(s.solved) << s.reason;
  EXPECT_GE(s.matches.size(), 20u);
  EXPECT_FALSE(s.flipped);
  EXPECT_DOUBLE_EQ(s.cards.get("CRPIX1", 0.0), 1024.5);  // the image centre
  EXPECT_DOUBLE_EQ(s.cards.get("CRPIX2", 0.0), 700.5);
  const auto truth = Wcs::from_header(read_hdu_list(f.truth).front().header);
  ASSERT_TRUE(truth);
  const auto [rms, worst] = compare(*Wcs::from_header(s.cards), *truth, 2048, 1400);
  EXPECT_LT(rms, 0.3) << "max " << worst;
}

TEST(SolveTruth, SipOnADistortedFrameWithinATenthOfAPixel) {
  test::TempDir dir;
  const Frame f = simulated_frame(dir.path(), 1.5, 4008, 2672);  // T20's whole sensor
  SolveOptions o;
  o.use_sip = true;
  o.sip_order = 3;  // the simulator's distortion is cubic
  const Solution s = solve_field(detections(f.stars), 4008, 2672, hints_for(f), o, IndexSet::shared());
  ASSERT_TRUE(s.solved) << s.reason;
  EXPECT_EQ(s.cards.get("CTYPE1", ""), "RA---TAN-SIP");
  const auto truth = Wcs::from_header(read_hdu_list(f.truth).front().header);
  const auto [rms, worst] = compare(*Wcs::from_header(s.cards), *truth, 4008, 2672);
  EXPECT_LT(rms, 0.1) << "max " << worst << " matches " << s.matches.size() << " rms " << s.rms_px;

  // The same stars mirrored left-right: solved with the other parity.
  std::vector<Detection> mirrored = detections(f.stars);
  for (Detection& d : mirrored) d.x = 4008 + 1 - d.x;
  const Solution m = solve_field(mirrored, 4008, 2672, hints_for(f), o, IndexSet::shared());
  ASSERT_TRUE(m.solved) << m.reason;
  EXPECT_TRUE(m.flipped);
  const auto [mrms, mworst] = compare(*Wcs::from_header(m.cards), *truth, 4008, 2672, true);
  EXPECT_LT(mrms, 0.1) << "max " << mworst;
}

TEST(SolveTruth, RandomPointsAreNotSolved) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> ux(1, 2048), uy(1, 1400);
  std::vector<Detection> noise;
  for (int i = 0; i < 60; ++i) noise.push_back({ux(rng), uy(rng)});
  SolveHints h;
  h.ra = 303.03, h.dec = 38.35, h.scale_arcsec = 3.5;
  SolveOptions o;
  o.timeout_s = 10;
  const Solution s = solve_field(noise, 2048, 1400, h, o, IndexSet::shared());
  EXPECT_FALSE(s.solved);
  EXPECT_FALSE(s.reason.empty());
}

TEST(SolveFit, ExactPairsGiveTheirWcs) {
  const Wcs truth = Wcs::tan({500.5, 300.5}, {120.0, -30.0}, {-2e-4, 1e-5, 1.2e-5, 2e-4});
  std::vector<StarPair> pairs;
  for (int i = 0; i < 50; ++i) {
    const double x = 20.0 + 19.3 * i, y = 10.0 + (i * 37) % 580;
    const SkyCoord s = truth.pixel_to_sky({x - 1.0, y - 1.0});
    pairs.push_back({x, y, s.ra, s.dec});
  }
  const WcsFit fit = fit_wcs(pairs, 500.5, 300.5, 120.1, -30.1, 1);
  EXPECT_LT(fit.rms_pixels, 1e-6);
  EXPECT_NEAR(fit.cards.get("CRVAL1", 0.0), 120.0, 1e-9);
  EXPECT_NEAR(fit.cards.get("CD1_2", 0.0), 1e-5, 1e-12);
  EXPECT_THROW(fit_wcs({pairs.begin(), pairs.begin() + 3}, 500.5, 300.5, 120, -30, 1), Error);
}

TEST(SolveCli, WritesTheImageAndSkyColumnsAndRefusesBadInput) {
  test::TempDir dir;
  const Frame f = simulated_frame(dir / "sim", 1.5);
  const std::string d = dir.path().string();
  const auto image = dir / "img.fits";
  fs::copy_file(f.file, image);
  StarsOptions so;
  so.retain_saturated = true;
  Header image_header = f.header;
  image_header.set("RA-OBJ", 303.03);
  image_header.set("DEC-OBJ", 38.35);
  write_source_list(dir / "src.fits", f.stars, source_list_header(f.stars, image_header, image.string(), so));

  auto r = test::run_ap(fmt::format("solve '{0}/img.fits' '{0}/src.fits' '{0}/nav.fits' --use-sip", d));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Header h = read_hdu_list(dir / "nav.fits").front().header;
  for (const char* key : {"AST_NMAT", "AST_RMS", "AST_IDX", "AST_TIME", "A_ORDER", "CD1_1"})
    EXPECT_TRUE(h.has(key)) << key;
  EXPECT_EQ(read_image(dir / "nav.fits").image.size(), read_image(image).image.size());
  const Table mag = read_table(dir / "src.fits", "AP_L1MAG");
  ASSERT_NE(mag.find("ra"), nullptr);
  EXPECT_NEAR(mag.numbers("dec")[0], 38.3, 1.5);

  // Batch: the same list, image from IMG_FILE, into a directory.
  fs::create_directory(dir / "batch");
  r = test::run_ap(fmt::format("solve --batch '{0}/src.fits' -o '{0}/batch'", d));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "batch" / "nav_img.fits"));

  // No solution: exit 2 and no image.
  Table noise;
  std::vector<double> x, y;
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(1, 1400);
  for (int i = 0; i < 40; ++i) x.push_back(u(rng)), y.push_back(u(rng));
  noise.columns = {{"X", "pix", x}, {"Y", "pix", y}};
  Header nh = source_list_header(f.stars, image_header, image.string(), so);
  {
    FitsWriter w(dir / "noise.fits");
    w.add_empty(nh);
    w.add_table(noise, {}, "AP_XYPOS");
    w.commit();
  }
  r = test::run_ap(fmt::format("solve '{0}/img.fits' '{0}/noise.fits' '{0}/none.fits' --timeout 5", d));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(fs::exists(dir / "none.fits"));
  // Bad input: a list made from another image, a missing list, no index files.
  r = test::run_ap(fmt::format("solve '{0}/nav.fits' '{0}/src.fits' '{0}/x.fits'", d));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("made from"), std::string::npos) << r.err;
  r = test::run_ap(fmt::format("solve '{0}/img.fits' '{0}/missing.fits' '{0}/x.fits'", d));
  EXPECT_EQ(r.exit_code, 3);
  fs::create_directory(dir / "empty");
  r = test::run_ap(fmt::format("solve '{0}/img.fits' '{0}/src.fits' '{0}/x.fits' --index-dir '{0}/empty'", d));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no astrometry.net index files"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "x.fits"));
}

}  // namespace
}  // namespace ap
