// Background estimation: the steps against hand-computed values and scipy's
// numbers, the whole stage against a known synthetic sky, against photutils
// Background2D run on the same file (tests/peers/photutils_background.py),
// and the `ap background` command line with its bad inputs.
#include <fitsio.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/fits.h"
#include "core/stats.h"
#include "measure/background.h"
#include "measure/background_detail.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;
using detail::Mesh;

// A smooth sky (gradient + one period of a 2-D ripple, both small next to
// the noise, so that the 2-sigma source mask does not take the bright sky
// for sources), Gaussian noise of `noise` ADU and
// Gaussian stars (sigma 1.5 px); `truth` receives the sky alone.
Image synthetic_sky(std::size_t w, std::size_t h, int stars, Image* truth, double noise = 10.0,
                    unsigned seed = 7) {
  Image img(w, h), sky(w, h);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0.0, noise);
  const double two_pi = 2.0 * std::numbers::pi;
  for (std::size_t y = 0; y < h; ++y) {
    for (std::size_t x = 0; x < w; ++x) {
      const double fx = static_cast<double>(x) / static_cast<double>(w);
      const double fy = static_cast<double>(y) / static_cast<double>(h);
      const double s = 1000.0 + 10.0 * fx - 6.0 * fy +
                       5.0 * std::sin(two_pi * fx) * std::cos(std::numbers::pi * fy);
      sky(x, y) = static_cast<float>(s);
      img(x, y) = static_cast<float>(s + gauss(rng));
    }
  }
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int k = 0; k < stars; ++k) {
    const double cx = unit(rng) * static_cast<double>(w), cy = unit(rng) * static_cast<double>(h);
    const double peak = 50.0 * std::pow(1000.0, unit(rng));
    for (std::size_t y = cy > 8 ? static_cast<std::size_t>(cy) - 8 : 0;
         y < std::min(h, static_cast<std::size_t>(cy) + 9); ++y) {
      for (std::size_t x = cx > 8 ? static_cast<std::size_t>(cx) - 8 : 0;
           x < std::min(w, static_cast<std::size_t>(cx) + 9); ++x) {
        const double dx = static_cast<double>(x) - cx, dy = static_cast<double>(y) - cy;
        img(x, y) += static_cast<float>(peak * std::exp(-(dx * dx + dy * dy) / (2.0 * 2.25)));
      }
    }
  }
  if (truth) *truth = std::move(sky);
  return img;
}

// Median of |a - b| over the pixels at least `margin` from the edges.
double median_abs_diff(const Image& a, const Image& b, std::size_t margin) {
  std::vector<float> d;
  for (std::size_t y = margin; y + margin < a.height(); ++y) {
    for (std::size_t x = margin; x + margin < a.width(); ++x) {
      d.push_back(std::abs(a(x, y) - b(x, y)));
    }
  }
  return median(d);
}

double max_abs_diff(const Image& a, const Image& b, std::size_t margin) {
  double m = 0.0;
  for (std::size_t y = margin; y + margin < a.height(); ++y) {
    for (std::size_t x = margin; x + margin < a.width(); ++x) {
      m = std::max(m, static_cast<double>(std::abs(a(x, y) - b(x, y))));
    }
  }
  return m;
}

// ---- box size -------------------------------------------------------------

TEST(BackgroundBoxSize, OriginalFormula) {
  BackgroundOptions o;
  const BoxSize b = background_box_size(3056, 3056, o);  // the reference's example
  EXPECT_EQ(b.width, 192u);
  EXPECT_EQ(b.height, 192u);
  o.nbg_rows = 32;
  EXPECT_EQ(background_box_size(3056, 3056, o).height, 96u);
  EXPECT_EQ(background_box_size(3056, 3056, o).width, 192u);
  const BoxSize big = background_box_size(4008, 2672, BackgroundOptions{});
  EXPECT_EQ(big.width, 252u);   // 2 * (1 + 4008 / 32)
  EXPECT_EQ(big.height, 168u);  // 2 * (1 + 2672 / 32)
}

TEST(BackgroundBoxSize, HonoursBothMinimums) {
  BackgroundOptions o;
  o.min_bgwidth = 300;  // the original used min_bgheight for the width too
  o.min_bgheight = 48;
  BoxSize b = background_box_size(3056, 3056, o);
  EXPECT_EQ(b.width, 300u);
  EXPECT_EQ(b.height, 192u);
  o.min_bgwidth = 48;
  o.min_bgheight = 250;
  b = background_box_size(3056, 3056, o);
  EXPECT_EQ(b.width, 192u);
  EXPECT_EQ(b.height, 250u);
  // Never larger than the image.
  b = background_box_size(40, 30, BackgroundOptions{});
  EXPECT_EQ(b.width, 40u);
  EXPECT_EQ(b.height, 30u);
}

// ---- one box --------------------------------------------------------------

detail::BoxStats stats_of(std::vector<float> v, detail::BoxClip clip,
                          std::vector<std::uint8_t> flags = {}) {
  detail::BoxScratch scratch;
  const PlaneView<const float> box{v.data(), v.size(), 1, v.size()};
  const PlaneView<const std::uint8_t> mask{flags.empty() ? nullptr : flags.data(), v.size(), 1,
                                           v.size()};
  if (clip.box_pixels == 0) clip.box_pixels = v.size();
  return detail::box_stats(box, mask, scratch, clip);
}

TEST(BackgroundBoxStats, ClipsOutliersLikeAstropy) {
  // 1..19 and 1000: pass 1 (median 10.5, std 215.8) drops the 1000, pass 2
  // (median 10, std sqrt(30)) keeps the rest.
  std::vector<float> v;
  for (int i = 1; i <= 19; ++i) v.push_back(static_cast<float>(i));
  v.push_back(1000.0f);
  std::shuffle(v.begin(), v.end(), std::mt19937(3));
  detail::BoxClip clip;
  clip.max_masked = 100.0;
  const detail::BoxStats s = stats_of(v, clip);
  ASSERT_FALSE(s.excluded);
  EXPECT_DOUBLE_EQ(s.background, 10.0);                  // median of 1..19
  EXPECT_NEAR(s.rms, std::sqrt(30.0), 1e-12);          // std of 1..19

  // Too few values to clip: {1, 2, 3, 1000} has median 2.5, std 432.
  const detail::BoxStats t = stats_of({1, 2, 3, 1000}, clip);
  EXPECT_DOUBLE_EQ(t.background, 2.5);
}

TEST(BackgroundBoxStats, SExtractorEstimator) {
  detail::BoxClip clip;
  clip.max_masked = 100.0;
  clip.estimator = BackgroundEstimator::kSExtractor;
  // Skewed but mild: |mean - median| / std < 0.3 -> 2.5 median - 1.5 mean.
  const std::vector<float> v = {1, 2, 3, 4, 5, 6, 7, 8, 12};  // median 5, mean 48/9
  const double mean = 48.0 / 9.0;
  EXPECT_NEAR(stats_of(v, clip).background, 2.5 * 5.0 - 1.5 * mean, 1e-12);
  // Strongly skewed: the median.
  const std::vector<float> skew = {1, 1, 1, 1, 1, 9, 9, 9, 9};
  EXPECT_DOUBLE_EQ(stats_of(skew, clip).background, 1.0);
  // Flat: std 0 -> the mean.
  EXPECT_DOUBLE_EQ(stats_of({4, 4, 4, 4}, clip).background, 4.0);
}

TEST(BackgroundBoxStats, MaskedNaNAndExclusion) {
  detail::BoxClip clip;
  std::vector<float> v = {1, 2, 3, 4, std::nanf(""), 100, 5, 6};
  std::vector<std::uint8_t> flags = {0, 0, 0, 0, 0, 1, 0, 0};  // the 100 is masked
  clip.max_masked = 2.0;  // 2 masked of 8: kept
  detail::BoxStats s = stats_of(v, clip, flags);
  ASSERT_FALSE(s.excluded);
  EXPECT_DOUBLE_EQ(s.background, 3.5);
  clip.max_masked = 1.9;  // more than allowed
  EXPECT_TRUE(stats_of(v, clip, flags).excluded);
  // Padding counts as masked: the same values in a nominal box of 10 pixels.
  clip.max_masked = 3.0;
  clip.box_pixels = 10;
  EXPECT_TRUE(stats_of(v, clip, flags).excluded);
}

// ---- mesh -----------------------------------------------------------------

TEST(BackgroundMesh, InverseDistanceFill) {
  // 3x3 mesh with the centre excluded: 4 neighbours at 1 and 4 at sqrt(2).
  Mesh m(3, 3);
  const std::array<double, 9> v = {1, 2, 3, 4, NAN, 6, 7, 8, 10};
  std::copy(v.begin(), v.end(), m.data());
  Mesh r = m;
  const std::array<Mesh*, 2> meshes{&m, &r};
  detail::fill_excluded(meshes, 10);
  const double w = 1.0 / std::sqrt(2.0);
  const double expected = ((2 + 4 + 6 + 8) + w * (1 + 3 + 7 + 10)) / (4 + 4 * w);
  EXPECT_NEAR(m(1, 1), expected, 1e-12);
  EXPECT_NEAR(r(1, 1), expected, 1e-12);
  EXPECT_EQ(m(0, 0), 1.0);  // good cells untouched
}

TEST(BackgroundMesh, KdTreeKeepsScipysTies) {
  // cKDTree(good cells of a 5x5 grid without its centre, leafsize=10)
  //   .query([2, 2], k=10) with scipy 1.10.1 returns, in (row, column):
  const std::vector<std::array<double, 2>> scipy = {{2, 3}, {2, 1}, {3, 2}, {1, 2}, {1, 3},
                                                    {1, 1}, {3, 1}, {3, 3}, {2, 4}, {2, 0}};
  std::vector<detail::KdTree::Point> points;
  for (int r = 0; r < 5; ++r) {
    for (int c = 0; c < 5; ++c) {
      if (r != 2 || c != 2) points.push_back({static_cast<double>(r), static_cast<double>(c)});
    }
  }
  const detail::KdTree tree(points);
  const auto near = tree.nearest({2.0, 2.0}, 10);
  ASSERT_EQ(near.size(), 10u);
  for (std::size_t i = 0; i < near.size(); ++i) {
    EXPECT_EQ(points[near[i].index], scipy[i]) << i;
    EXPECT_DOUBLE_EQ(near[i].distance, std::hypot(scipy[i][0] - 2.0, scipy[i][1] - 2.0));
  }
  // Fewer points than asked for: all of them, in cKDTree's order ([1, 0]).
  const auto two = detail::KdTree({{0, 0}, {1, 1}}).nearest({0, 1}, 10);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].index, 1u);
  EXPECT_EQ(two[1].index, 0u);
}

TEST(BackgroundMesh, FillUsesNearestAndFailsWithNothing) {
  // A 5x1 row: the hole at x = 0 takes its 2 nearest good cells (x = 1, 2).
  Mesh m(5, 1);
  const std::array<double, 5> v = {NAN, 10, 20, 30, 40};
  std::copy(v.begin(), v.end(), m.data());
  const std::array<Mesh*, 1> one{&m};
  detail::fill_excluded(one, 2);
  EXPECT_NEAR(m(0, 0), (10.0 + 20.0 / 2.0) / (1.0 + 0.5), 1e-12);

  Mesh empty(2, 2, std::nan(""));
  const std::array<Mesh*, 1> none{&empty};
  EXPECT_THROW(detail::fill_excluded(none, 10), Error);
}

TEST(BackgroundMesh, MedianFilterShrinksAtEdges) {
  Mesh m(3, 3);
  const std::array<double, 9> v = {1, 2, 3, 4, 50, 6, 7, 8, 9};
  std::copy(v.begin(), v.end(), m.data());
  const Mesh f = detail::median_filter(m, 3);
  EXPECT_DOUBLE_EQ(f(1, 1), 6.0);        // median of all nine
  EXPECT_DOUBLE_EQ(f(0, 0), 3.0);        // {1, 2, 4, 50}: mean of 2 and 4
  EXPECT_DOUBLE_EQ(f(1, 0), 3.5);        // {1, 2, 3, 4, 50, 6}
  EXPECT_DOUBLE_EQ(detail::median_filter(m, 1)(1, 1), 50.0);  // size 1: unchanged
}

// ---- spline zoom ------------------------------------------------------------

TEST(BackgroundZoom, MatchesScipyZoomReflectGridMode) {
  // scipy.ndimage.zoom(m, (3, 2), order=3, mode='reflect', grid_mode=True),
  // scipy 1.10.1, then clipped to [1, 7] as photutils does.
  Mesh m(3, 2);
  const std::array<double, 6> v = {1, 2, 4, 3, 7, 5};
  std::copy(v.begin(), v.end(), m.data());
  const double scipy[6][6] = {
      {0.6928162097934071, 0.6392362332276165, 0.81882510095309, 1.7593367296692661,
       3.223168181595215, 4.217259786877181},
      {0.9258245461554099, 1.1299534635474153, 1.6125359742180536, 2.5035517322127,
       3.577902019722183, 4.264788860324823},
      {1.3659514037280813, 2.0568637874848124, 3.11176762371854, 3.9092911814614095,
       4.247954825073119, 4.354565999059258},
      {1.8837477067547534, 3.1473465215288092, 4.875569564307346, 5.563102298224597,
       5.036252243133047, 4.460186162276241},
      {2.3238745643274252, 4.074256845466207, 6.374801213807834, 6.968841747473308,
       5.706305048483985, 4.549963301010675},
      {2.5568829006894283, 4.564974075786007, 7.168512087072796, 7.713056750016742,
       6.061038886610952, 4.597492374458318}};
  Image out(6, 6);
  detail::spline_zoom(m, 2, 3, out);
  for (std::size_t y = 0; y < 6; ++y) {
    for (std::size_t x = 0; x < 6; ++x) {
      EXPECT_NEAR(out(x, y), std::clamp(scipy[y][x], 1.0, 7.0), 2e-6) << x << "," << y;
    }
  }
  // Cropped to a smaller image: the same values.
  Image cropped(5, 4);
  detail::spline_zoom(m, 2, 3, cropped);
  EXPECT_EQ(cropped(4, 3), out(4, 3));
}

TEST(BackgroundZoom, FlatMeshGivesConstant) {
  Mesh m(4, 3, 12.5);
  Image out(40, 30);
  detail::spline_zoom(m, 10, 10, out);
  EXPECT_TRUE(std::all_of(out.pixels().begin(), out.pixels().end(),
                          [](float v) { return v == 12.5f; }));
}

// ---- source mask ------------------------------------------------------------

TEST(BackgroundSourceMask, SegmentsAboveThresholdDilated) {
  // Background 100 +- 1 in a checkerboard: clipped mean 100, std 1, so the
  // threshold is 102.
  Image img(60, 40);
  for (std::size_t y = 0; y < 40; ++y) {
    for (std::size_t x = 0; x < 60; ++x) img(x, y) = (x + y) % 2 ? 101.0f : 99.0f;
  }
  for (std::size_t y = 10; y < 13; ++y) {  // 3x3 source at (10..12, 10..12)
    for (std::size_t x = 10; x < 13; ++x) img(x, y) = 500.0f;
  }
  img(40, 5) = img(41, 5) = 500.0f;  // 2 pixels: too small
  for (std::size_t k = 0; k < 5; ++k) img(45 + k, 20 + k) = 500.0f;  // diagonal chain of 5
  SourceMaskOptions o;
  o.dilate = 3;
  const SourceMaskResult r = make_source_mask(img, o);
  EXPECT_NEAR(r.threshold, 102.0, 0.01);
  EXPECT_EQ(r.segments, 2u);
  // The 3x3 source dilated by 1: 5x5 square.
  Mask expected(60, 40);
  for (std::size_t y = 9; y < 14; ++y) {
    for (std::size_t x = 9; x < 14; ++x) expected(x, y) = 1;
  }
  for (std::size_t k = 0; k < 5; ++k) {
    for (std::size_t dy = 0; dy < 3; ++dy) {
      for (std::size_t dx = 0; dx < 3; ++dx) expected(44 + k + dx, 19 + k + dy) = 1;
    }
  }
  EXPECT_TRUE(std::equal(r.mask.pixels().begin(), r.mask.pixels().end(),
                         expected.pixels().begin()));
  EXPECT_EQ(r.masked, static_cast<std::size_t>(std::count(expected.pixels().begin(),
                                                          expected.pixels().end(), 1)));
}

TEST(BackgroundSourceMask, BadPixelsAreNeverSources) {
  Image img(30, 30, 0.0f);
  for (std::size_t i = 0; i < img.size(); ++i) img.data()[i] = (i % 2) ? 1.0f : -1.0f;
  for (std::size_t x = 5; x < 15; ++x) img(x, 15) = 100.0f;
  Mask bad(30, 30);
  for (std::size_t x = 5; x < 15; ++x) bad(x, 15) = 1;
  const SourceMaskResult r = make_source_mask(img, SourceMaskOptions{}, &bad);
  EXPECT_EQ(r.segments, 0u);
  EXPECT_EQ(r.masked, 0u);
}

// ---- the whole stage ---------------------------------------------------------

TEST(BackgroundTruth, RecoversSmoothSkyAwayFromEdges) {
  Image truth;
  const Image img = synthetic_sky(1024, 768, 220, &truth);  // ~3000 stars per 4008x2672
  BackgroundOptions o;
  o.nbg_cols = 8;
  o.nbg_rows = 6;
  const BackgroundResult r = measure_background(img, o);
  EXPECT_EQ(r.box.width, 2u * (1 + 1024 / 16));
  EXPECT_EQ(r.box.height, 2u * (1 + 768 / 12));
  EXPECT_EQ(r.nboxes_x, (1024 + r.box.width - 1) / r.box.width);
  // Noise 10 ADU: the background within 0.06 sigma typically, 0.35 sigma at
  // worst (photutils gives the same: median 0.036 sigma, max 0.22 sigma).
  EXPECT_LT(median_abs_diff(r.background, truth, 64), 0.6);
  EXPECT_LT(max_abs_diff(r.background, truth, 64), 3.5);
  // The std of a Gaussian clipped at 3 sigma is 0.9866 sigma.
  EXPECT_NEAR(r.rms_median, 9.866, 0.2);
  EXPECT_NEAR(median(r.rms.pixels()), 9.866, 0.2);
  EXPECT_GT(r.sources.segments, 100u);
}

TEST(BackgroundTruth, NaNPixelsAreIgnored) {
  Image truth;
  Image img = synthetic_sky(512, 512, 50, &truth);
  for (std::size_t y = 200; y < 260; ++y) {
    for (std::size_t x = 100; x < 400; ++x) img(x, y) = std::nanf("");
  }
  BackgroundOptions o;
  o.nbg_cols = o.nbg_rows = 8;
  const BackgroundResult r = measure_background(img, o);
  EXPECT_TRUE(std::all_of(r.background.pixels().begin(), r.background.pixels().end(),
                          [](float v) { return std::isfinite(v); }));
  EXPECT_LT(median_abs_diff(r.background, truth, 64), 0.6);
}

TEST(BackgroundTruth, FullyMaskedBoxIsInterpolated) {
  Image truth;
  const Image img = synthetic_sky(640, 640, 0, &truth);
  BackgroundOptions o;
  o.nbg_cols = o.nbg_rows = 5;  // boxes of 2 * (1 + 640 / 10) = 130
  o.filter_width = 1;
  o.mask_sources = false;
  Mask bad(640, 640);
  for (std::size_t y = 260; y < 390; ++y) {
    for (std::size_t x = 260; x < 390; ++x) bad(x, y) = 1;  // the central box
  }
  const BackgroundResult with = measure_background(img, o, &bad);
  EXPECT_EQ(with.excluded_boxes, 1u);
  // The centre box takes the inverse-distance mean of its 8 neighbours and
  // 2 of the 4 boxes at distance 2: those scipy's cKDTree keeps, (x, y) =
  // (4, 2) and (0, 2) (see BackgroundMesh.KdTreeKeepsScipysTies).
  const Image& m = with.mesh_background;
  const double w1 = 1.0, w2 = 1.0 / std::sqrt(2.0), w3 = 0.5;
  const double expected =
      (w1 * (m(1, 2) + m(3, 2) + m(2, 1) + m(2, 3)) +
       w2 * (m(1, 1) + m(3, 1) + m(1, 3) + m(3, 3)) + w3 * (m(4, 2) + m(0, 2))) /
      (4 * w1 + 4 * w2 + 2 * w3);
  EXPECT_NEAR(m(2, 2), expected, 1e-3);
  EXPECT_LT(median_abs_diff(with.background, truth, 64), 1.0);
}

TEST(BackgroundTruth, BadInput) {
  EXPECT_THROW(measure_background(Image(), BackgroundOptions{}), Error);
  try {
    measure_background(Image(100, 100, std::nanf("")), BackgroundOptions{});
    FAIL() << "NaN image accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
  }
  BackgroundOptions even;
  even.filter_width = 4;
  try {
    measure_background(Image(100, 100, 1.0f), even);
    FAIL() << "even filter accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
  }
  // Every box excluded: a clear failure, not a crash.
  BackgroundOptions strict;
  strict.badbox_pctile = 0.0;
  strict.mask_sources = false;
  Mask bad(100, 100, 1);
  try {
    measure_background(Image(100, 100, 1.0f), strict, &bad);
    FAIL() << "all boxes excluded but no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kFailed);
  }
}

// ---- against photutils -----------------------------------------------------


struct PeerCase {
  const char* name;
  BackgroundEstimator estimator;
  bool holes;  // NaN block and a saturated blob that exclude boxes
};

class BackgroundPeer : public ::testing::TestWithParam<PeerCase> {};

TEST_P(BackgroundPeer, MatchesPhotutilsBackground2D) {
  const PeerCase c = GetParam();
  test::TempDir dir;
  Image img = synthetic_sky(900, 700, 300, nullptr, 10.0, 11);
  if (c.holes) {
    for (std::size_t y = 0; y < 120; ++y) {
      for (std::size_t x = 700; x < 900; ++x) img(x, y) = std::nanf("");
    }
    for (std::size_t y = 400; y < 520; ++y) {
      for (std::size_t x = 100; x < 230; ++x) img(x, y) += 3000.0f;
    }
  }
  write_image(dir / "in.fits", img, {});
  BackgroundOptions o;
  o.nbg_cols = 10;
  o.nbg_rows = 8;
  o.estimator = c.estimator;
  const BackgroundResult r = measure_background(img, o);
  if (c.holes) {
    EXPECT_GT(r.excluded_boxes, 0u);
  }

  const std::string args = fmt::format(
      "'{}' '{}' '{}' '{}' --box {} {} --filter 3 --pct 25 --sigma 3 --estimator {} "
      "--mask-out '{}'",
      test::peer_script("photutils_background.py").string(), (dir / "in.fits").string(),
      (dir / "bg.fits").string(), (dir / "rms.fits").string(), r.box.height, r.box.width,
      background_estimator_name(c.estimator), (dir / "mask.fits").string());
  const test::CommandResult peer = test::run("/usr/bin/python3", args);
  ASSERT_EQ(peer.exit_code, 0) << peer.err;

  const Image bg = read_image(dir / "bg.fits").image;
  const Image rms = read_image(dir / "rms.fits").image;
  const Mask mask = read_mask(dir / "mask.fits", "0");
  const double sky_rms = median(rms.pixels());
  const double diff = median_abs_diff(r.background, bg, 0);
  RecordProperty("median_abs_diff_over_rms", fmt::format("{:.3g}", diff / sky_rms));
  EXPECT_LT(diff, 0.1 * sky_rms);  // the bar
  EXPECT_LT(median_abs_diff(r.rms, rms, 0), 0.1 * sky_rms);
  // The computation is the same, so everywhere within float rounding.
  EXPECT_LT(max_abs_diff(r.background, bg, 0), 1e-4 * sky_rms);
  EXPECT_LT(max_abs_diff(r.rms, rms, 0), 1e-4 * sky_rms);
  // The source masks agree pixel for pixel.
  ASSERT_TRUE(mask.same_shape(r.sources.mask));
  EXPECT_TRUE(std::equal(mask.pixels().begin(), mask.pixels().end(),
                         r.sources.mask.pixels().begin()));
}

INSTANTIATE_TEST_SUITE_P(
    Background, BackgroundPeer,
    ::testing::Values(PeerCase{"median", BackgroundEstimator::kMedian, false},
                      PeerCase{"sextractor", BackgroundEstimator::kSExtractor, false},
                      PeerCase{"holes", BackgroundEstimator::kMedian, true}),
    [](const ::testing::TestParamInfo<PeerCase>& p) { return std::string(p.param.name); });

// ---- command line ------------------------------------------------------------

TEST(BackgroundCli, WritesBackgroundRmsAndSubtracted) {
  test::TempDir dir;
  Image truth;
  Header h;
  h.set("EXPTIME", 60.0, "Exposure");
  h.set("IMAGETYP", "Light Frame");
  write_image(dir / "in.fits", synthetic_sky(600, 400, 70, &truth), h);
  const auto r = test::run_ap(fmt::format(
      "background '{}' '{}' --nbg_cols 6 --nbg-rows 4 --min_bgwidth 32 --estimator sextractor "
      "--subtracted '{}' --rms '{}'",
      (dir / "in.fits").string(), (dir / "bg.fits").string(), (dir / "sub.fits").string(),
      (dir / "rms.fits").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const FitsImage bg = read_image(dir / "bg.fits");
  const FitsImage sub = read_image(dir / "sub.fits");
  const FitsImage rms = read_image(dir / "rms.fits");
  EXPECT_EQ(bg.info.bitpix, -32);
  EXPECT_EQ(bg.header().get("IMAGETYP", ""), "Background Sky");
  EXPECT_EQ(rms.header().get("IMAGETYP", ""), "Background RMS");
  EXPECT_EQ(sub.header().get("IMAGETYP", ""), "Light Frame");
  EXPECT_DOUBLE_EQ(bg.header().get("EXPTIME", 0.0), 60.0);
  EXPECT_EQ(bg.header().get("BG_BOXW", 0), 2 * (1 + 600 / 12));
  EXPECT_EQ(bg.header().get("BG_BOXH", 0), 2 * (1 + 400 / 8));
  EXPECT_EQ(bg.header().get("BG_EST", ""), "sextractor");
  EXPECT_NEAR(bg.header().get("BG_MED", 0.0), 1000.0, 30.0);
  EXPECT_NEAR(bg.header().get("BG_RMS", 0.0), 9.866, 0.3);
  std::string history;  // long cards are split at blanks
  for (const std::string& card : bg.header().history()) history += card + " ";
  EXPECT_NE(history.find("background"), std::string::npos) << history;
  EXPECT_NE(history.find("--nbg_cols 6"), std::string::npos) << history;
  EXPECT_LT(median_abs_diff(bg.image, truth, 50), 1.5);  // the mode estimator is noisier
  // subtracted = input - background
  const FitsImage in = read_image(dir / "in.fits");
  EXPECT_FLOAT_EQ(sub.image(300, 200), in.image(300, 200) - bg.image(300, 200));
  EXPECT_NEAR(median(rms.image.pixels()), 9.866, 0.3);
}

void write_cube(const fs::path& path) {
  int status = 0;
  fitsfile* f = nullptr;
  long naxes[3] = {64, 64, 2};
  std::vector<float> data(64 * 64 * 2, 1.0f);
  fits_create_file(&f, path.c_str(), &status);
  fits_create_img(f, FLOAT_IMG, 3, naxes, &status);
  fits_write_img(f, TFLOAT, 1, static_cast<LONGLONG>(data.size()), data.data(), &status);
  fits_close_file(f, &status);
  ASSERT_EQ(status, 0);
}

// One line on stderr naming the problem, the documented exit code, no output.
void expect_failure(const test::CommandResult& r, int code, const std::string& needle,
                    const fs::path& output) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(output));
}

TEST(BackgroundCli, BadInput) {
  test::TempDir dir;
  const fs::path out = dir / "bg.fits";
  const auto run = [&](const std::string& input, const std::string& options = {}) {
    return test::run_ap(fmt::format("-q background '{}' '{}' {}", (dir / input).string(),
                                    out.string(), options));
  };
  expect_failure(run("missing.fits"), 3, "missing.fits", out);
  write_cube(dir / "cube.fits");
  expect_failure(run("cube.fits"), 3, "cube.fits", out);
  write_image(dir / "nan.fits", Image(64, 64, std::nanf("")), {});
  expect_failure(run("nan.fits"), 3, "no finite pixel", out);
  write_image(dir / "ok.fits", Image(64, 64, 5.0f), {});
  expect_failure(run("ok.fits", "--estimator mode"), 2, "estimator", out);
  expect_failure(run("ok.fits", "--bg_filter_width 4"), 2, "odd", out);
  expect_failure(run("ok.fits", "--bg-badbox-pctile 120"), 2, "pctile", out);
}

}  // namespace
}  // namespace ap
