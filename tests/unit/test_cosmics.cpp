// L.A.Cosmic (calib/lacosmic.h): the filters against brute force, masks
// against Debian's astroscrappy (tests/peers/astroscrappy_cosmics.py) on a
// simulated frame and on astroscrappy's own test frame, detection against the
// simulator's truth, and the `ap cosmics` command line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "calib/lacosmic.h"
#include "calib/lacosmic_detail.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/parallel.h"
#include "sim/simulate.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;
namespace d = lacosmic_detail;

Image random_image(std::size_t w, std::size_t h, unsigned seed) {
  Image img(w, h);
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(100.0f, 10.0f);
  for (auto& v : img.pixels()) v = std::round(n(rng));  // rounded: many ties
  return img;
}

// ---- filters against brute force ---------------------------------------------

float window_median(std::vector<float> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

TEST(CosmicsFilters, SeparableMedianMatchesBruteForce) {
  const Image in = random_image(41, 29, 1);
  for (int n : {3, 5, 7, 9}) {
    const std::size_t hw = static_cast<std::size_t>(n / 2);
    Image out(in.width(), in.height());
    d::sep_median(in, out, n);
    for (std::size_t y = 0; y < in.height(); ++y) {
      for (std::size_t x = 0; x < in.width(); ++x) {
        float expect = in(x, y);
        if (x >= hw && y >= hw && x + hw < in.width() && y + hw < in.height()) {
          std::vector<float> col;
          for (std::size_t j = y - hw; j <= y + hw; ++j) {
            std::vector<float> row;
            for (std::size_t i = x - hw; i <= x + hw; ++i) row.push_back(in(i, j));
            col.push_back(window_median(row));
          }
          expect = window_median(col);
        }
        ASSERT_EQ(out(x, y), expect) << "n " << n << " at " << x << "," << y;
      }
    }
  }
}

TEST(CosmicsFilters, BoxMedianMatchesBruteForce) {
  const Image in = random_image(23, 19, 2);
  for (int n : {3, 5, 7}) {
    const std::size_t hw = static_cast<std::size_t>(n / 2);
    Image out(in.width(), in.height());
    d::box_median(in, out, n);
    for (std::size_t y = hw; y + hw < in.height(); ++y) {
      for (std::size_t x = hw; x + hw < in.width(); ++x) {
        std::vector<float> v;
        for (std::size_t j = y - hw; j <= y + hw; ++j) {
          for (std::size_t i = x - hw; i <= x + hw; ++i) v.push_back(in(i, j));
        }
        ASSERT_EQ(out(x, y), window_median(v)) << "n " << n;
      }
    }
    EXPECT_EQ(out(0, 0), in(0, 0));
  }
}

TEST(CosmicsFilters, LaplacianPlusEqualsSubsampleConvolveRebin) {
  const Image in = random_image(13, 11, 3);
  const std::size_t w = in.width(), h = in.height();
  Image out(w, h);
  d::laplacian_plus(in, out);
  auto sub = [&](long x, long y) -> double {
    if (x < 0 || y < 0 || x >= 2 * static_cast<long>(w) || y >= 2 * static_cast<long>(h)) return 0;
    return in(static_cast<std::size_t>(x / 2), static_cast<std::size_t>(y / 2));
  };
  for (std::size_t y = 0; y < h; ++y) {
    for (std::size_t x = 0; x < w; ++x) {
      double sum = 0;
      for (long j = 0; j < 2; ++j) {
        for (long i = 0; i < 2; ++i) {
          const long sx = 2 * static_cast<long>(x) + i, sy = 2 * static_cast<long>(y) + j;
          const double lap = 4 * sub(sx, sy) - sub(sx - 1, sy) - sub(sx + 1, sy) -
                             sub(sx, sy - 1) - sub(sx, sy + 1);
          sum += std::max(0.0, lap);
        }
      }
      ASSERT_NEAR(out(x, y), sum / 4, 1e-3) << x << "," << y;
    }
  }
}

TEST(CosmicsFilters, Dilations) {
  Mask m(12, 10, 0);
  m(0, 0) = 1;
  m(6, 5) = 1;
  Mask d3(12, 10), d5;
  d::dilate3(m, d3);
  EXPECT_EQ(d3(1, 1), 1);  // interior pixel next to the corner
  EXPECT_EQ(d3(1, 0), 0);  // border pixels keep their input
  EXPECT_EQ(d3(5, 4) + d3(7, 6) + d3(6, 5), 3);
  d::dilate5(m, d5, 1);
  EXPECT_EQ(d5(8, 6), 1);
  EXPECT_EQ(d5(8, 7), 0);  // the 5x5 corners are left out
  EXPECT_EQ(d5(2, 0), 1);
  d::dilate5(m, d5, 2);
  EXPECT_EQ(d5(8, 7), 1);
  EXPECT_EQ(d5(10, 5), 1);
  EXPECT_EQ(d5(11, 5), 0);
}

// ---- against the simulator and astroscrappy -------------------------------------

fs::path peer_script() { return test::peer_script("astroscrappy_cosmics.py"); }

Mask run_peer(const fs::path& in, const fs::path& out, const std::string& extra) {
  const test::CommandResult r = test::run(
      "/usr/bin/python3", fmt::format("'{}' '{}' '{}' {}", peer_script().string(), in.string(),
                                      out.string(), extra));
  if (r.exit_code != 0) throw Error(ExitCode::kFailed, "astroscrappy peer failed: " + r.err);
  return read_mask(out, "0");
}

struct Agreement {
  std::size_t ours = 0, peer = 0, both = 0;
};

Agreement agreement(const Mask& ours, const Mask& peer) {
  Agreement a;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const bool o = ours.data()[i] != 0, p = peer.data()[i] != 0;
    a.ours += o;
    a.peer += p;
    a.both += o && p;
  }
  return a;
}

void expect_agreement(const Mask& ours, const Mask& peer, double fraction) {
  const Agreement a = agreement(ours, peer);
  ASSERT_GT(a.peer, 0u);
  ::testing::Test::RecordProperty("flagged", fmt::format("{} ours, {} astroscrappy, {} both",
                                                          a.ours, a.peer, a.both));
  EXPECT_GE(static_cast<double>(a.both), fraction * static_cast<double>(a.peer));
  EXPECT_GE(static_cast<double>(a.both), fraction * static_cast<double>(a.ours));
}

// A 512x512 frame with stars (FWHM about 3 px) and cosmic rays from a long
// exposure, and the same frame simulated without cosmic rays: every random
// stream is independent, so their difference is each pixel's deposit.
class CosmicsSim : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<test::TempDir>();
    auto make = [](const fs::path& out, bool cosmics) {
      sim::SimulateOptions o;
      o.output_dir = out;
      o.telescope = "T32";
      o.fwhm_arcsec = 3.0;
      o.width = o.height = 512;
      o.filters = {"Red"};
      o.frames = 1;
      o.exposure_s = 1800;
      o.poor_frames = 0;
      o.calibration = false;
      for (const char* c : {"defects", "flat", "nebula", "dark_current"}) o.physics.disable(c);
      if (!cosmics) o.physics.disable("cosmic_rays");
      sim::simulate(o);
      fs::path raw, truth;
      for (const auto& e : fs::recursive_directory_iterator(out)) {
        if (e.path().extension() == ".fit") raw = e.path();
        if (e.path().extension() == ".fits") truth = e.path();
      }
      return std::pair{raw, truth};
    };
    const auto [raw, truth] = make(dir_->path() / "cr", true);
    const auto [raw_clean, unused] = make(dir_->path() / "nocr", false);
    std::ifstream js(dir_->path() / "cr" / "truth.json");
    const auto det = nlohmann::json::parse(js)["detector"];
    gain_ = det["gain_e_per_adu"];
    readnoise_ = det["read_noise_e"];
    const float bias = det["bias_level_adu"];
    image_ = read_image(raw).image;  // PEDESTAL applied
    nocr_ = read_image(raw_clean).image;
    for (auto& v : image_.pixels()) v -= bias;
    for (auto& v : nocr_.pixels()) v -= bias;
    truth_ = read_mask(truth, "CRMASK");
    const Table stars = read_table(truth, "STARS");
    star_x_ = stars.numbers("X");
    star_y_ = stars.numbers("Y");
    input_ = dir_->path() / "in.fits";
    write_image(input_, image_, {});
  }
  static void TearDownTestSuite() { dir_.reset(); }

  LaCosmicOptions options() const {
    LaCosmicOptions o;
    o.gain = gain_;
    o.readnoise = readnoise_;
    o.satlevel = 60000;  // the bias-subtracted frame saturates near 63900 ADU
    return o;
  }
  std::string peer_args(const LaCosmicOptions& o) const {
    return fmt::format(
        "--gain {} --readnoise {} --satlevel {} --sigclip {} --sigfrac {} --objlim {} --niter {} "
        "--fsmode {} --psffwhm {}",
        o.gain, o.readnoise, o.satlevel, o.sigclip, o.sigfrac, o.objlim, o.niter,
        lacosmic_fsmode_name(o.fsmode), o.psffwhm);
  }

  static inline std::unique_ptr<test::TempDir> dir_;
  static inline Image image_, nocr_;
  static inline Mask truth_;
  static inline std::vector<double> star_x_, star_y_;
  static inline double gain_ = 0, readnoise_ = 0;
  static inline fs::path input_;
};

TEST_F(CosmicsSim, AgreesWithAstroscrappy) {
  const LaCosmicOptions o = options();
  const LaCosmicResult r = detect_cosmics(image_, o);
  const Mask peer = run_peer(input_, dir_->path() / "peer.fits", peer_args(o));
  expect_agreement(r.crmask, peer, 0.99);
  // The same result on one thread.
  set_threads(1);
  const LaCosmicResult serial = detect_cosmics(image_, o);
  set_threads(0);
  EXPECT_TRUE(std::equal(r.crmask.pixels().begin(), r.crmask.pixels().end(),
                         serial.crmask.pixels().begin()));
  EXPECT_TRUE(std::equal(r.cleaned.pixels().begin(), r.cleaned.pixels().end(),
                         serial.cleaned.pixels().begin()));
}

// The settings of the original ap_fix_cosmic_rays: fsmode convolve, FWHM 3.5, 6 iterations.
TEST_F(CosmicsSim, AgreesWithAstroscrappyConvolve) {
  LaCosmicOptions o = options();
  o.fsmode = LaCosmicFsMode::kConvolve;
  o.psffwhm = 3.5;
  o.niter = 6;
  const LaCosmicResult r = detect_cosmics(image_, o);
  const Mask peer = run_peer(input_, dir_->path() / "peer_conv.fits", peer_args(o));
  expect_agreement(r.crmask, peer, 0.99);
}

TEST_F(CosmicsSim, FindsTrueCosmicRaysAndNoStarCores) {
  const LaCosmicResult r = detect_cosmics(image_, options());
  // Pixels whose deposit stands 5 sigma above the noise of the frame without
  // cosmic rays (the truth also flags faint tails down to 25 e-, which no
  // detector can see), away from saturated stars.
  std::size_t strong = 0, found = 0;
  for (std::size_t i = 0; i < image_.size(); ++i) {
    const double base = nocr_.data()[i];
    const double sigma = std::sqrt(std::max(base, 0.0) * gain_ + readnoise_ * readnoise_) / gain_;
    if (!truth_.data()[i] || base > 60000 || image_.data()[i] - base < 5 * sigma) continue;
    ++strong;
    found += r.crmask.data()[i] != 0;
  }
  ASSERT_GT(strong, 200u);
  RecordProperty("true_cr_found", fmt::format("{} of {}", found, strong));
  EXPECT_GE(static_cast<double>(found), 0.95 * static_cast<double>(strong));

  // Star centres, except within 8 px of the border where astroscrappy's
  // filters leave the input unfiltered, and except where a cosmic ray landed.
  std::size_t checked = 0, flagged = 0;
  for (std::size_t s = 0; s < star_x_.size(); ++s) {
    const long x = std::lround(star_x_[s] - 1), y = std::lround(star_y_[s] - 1);
    if (x < 8 || y < 8 || x >= 504 || y >= 504) continue;
    const auto ux = static_cast<std::size_t>(x), uy = static_cast<std::size_t>(y);
    if (truth_(ux, uy)) continue;
    ++checked;
    if (r.crmask(ux, uy)) {
      ++flagged;
      ADD_FAILURE() << "star core flagged at FITS " << x + 1 << "," << y + 1;
    }
  }
  EXPECT_GT(checked, 100u);
  EXPECT_EQ(flagged, 0u);
  // Cleaning replaced exactly the flagged pixels.
  for (std::size_t i = 0; i < image_.size(); ++i) {
    if (!r.crmask.data()[i]) {
      ASSERT_EQ(r.cleaned.data()[i], image_.data()[i]);
    }
  }
}

// astroscrappy's own test: make_fake_data(), written to FITS by the peer.
TEST(CosmicsFake, AstroscrappyTestFrame) {
  test::TempDir dir;
  const auto gen = test::run("/usr/bin/python3",
                             fmt::format("'{}' --fake '{}'", peer_script().string(),
                                         (dir / "fake.fits").string()));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const Image img = read_image(dir / "fake.fits").image;
  const Mask truth = read_mask(dir / "fake.fits", "CRMASK");
  // astroscrappy's test_main: the mask equals the injected cosmic rays exactly.
  LaCosmicOptions o;
  o.gain = 1.0;
  o.readnoise = 10.0;
  o.sigclip = 6.0;
  o.sigfrac = 1.0;
  const LaCosmicResult r = detect_cosmics(img, o);
  EXPECT_EQ(r.ncr, 100u);
  EXPECT_TRUE(std::equal(r.crmask.pixels().begin(), r.crmask.pixels().end(),
                         truth.pixels().begin()));
  // Default thresholds, compared with astroscrappy itself.
  o.sigclip = 4.5;
  o.sigfrac = 0.3;
  const LaCosmicResult r2 = detect_cosmics(img, o);
  const Mask peer = run_peer(dir / "fake.fits", dir / "peer.fits", "--gain 1 --readnoise 10");
  expect_agreement(r2.crmask, peer, 0.99);
}

TEST(Cosmics, NonFinitePixelsAreBadNotCosmic) {
  Image img = random_image(64, 64, 5);
  img(20, 20) = std::nanf("");
  img(40, 30) = 5000.0f;  // a single hot hit
  LaCosmicOptions o;
  o.gain = 1.0;
  o.readnoise = 5.0;
  const LaCosmicResult r = detect_cosmics(img, o);
  EXPECT_EQ(r.crmask(20, 20), 0);
  EXPECT_TRUE(std::isnan(r.cleaned(20, 20)));
  EXPECT_EQ(r.crmask(40, 30), 1);
  EXPECT_LT(r.cleaned(40, 30), 200.0f);
  EXPECT_GE(r.iterations_run, 1);
}

TEST(Cosmics, TinyImages) {
  LaCosmicOptions o;
  o.gain = 1.0;
  o.readnoise = 5.0;
  for (const auto& [w, h] : {std::pair<std::size_t, std::size_t>{1, 1}, {4, 3}, {9, 2}, {12, 12}}) {
    Image img = random_image(w, h, 8);
    img(w / 2, h / 2) = 1e5f;
    for (bool sepmed : {true, false}) {
      o.sepmed = sepmed;
      const LaCosmicResult r = detect_cosmics(img, o);
      EXPECT_EQ(r.crmask.width(), w);
      EXPECT_EQ(r.cleaned.height(), h);
    }
  }
}

TEST(Cosmics, RejectsBadOptions) {
  const Image img(16, 16, 1.0f);
  LaCosmicOptions o;  // gain and read noise unset
  EXPECT_THROW(detect_cosmics(img, o), Error);
  o.gain = 1.0;
  EXPECT_THROW(detect_cosmics(img, o), Error);
  o.readnoise = 5.0;
  EXPECT_NO_THROW(detect_cosmics(img, o));
  o.psfsize = 6;
  o.fsmode = LaCosmicFsMode::kConvolve;
  EXPECT_THROW(detect_cosmics(img, o), Error);
  const Mask wrong(8, 8, 0);
  o.fsmode = LaCosmicFsMode::kMedian;
  EXPECT_THROW(detect_cosmics(img, o, &wrong), Error);
  EXPECT_THROW(parse_lacosmic_fsmode("gauss"), Error);
  EXPECT_EQ(parse_lacosmic_cleantype("MedMask"), LaCosmicCleanType::kMedMask);
}

// ---- command line ----------------------------------------------------------------

TEST(CosmicsCli, GainFromHeaderAndOutputs) {
  test::TempDir dir;
  Image img = random_image(64, 48, 6);
  img(30, 20) = 4000.0f;
  Header h;
  h.set("EGAIN", 2.0);
  h.set("RDNOISE", 8.0);
  write_image(dir / "in.fits", img, h);
  const auto r = test::run_ap(fmt::format("cosmics '{}' '{}' --crmaskim '{}' --crdiffim '{}'",
                                          (dir / "in.fits").string(), (dir / "out.fits").string(),
                                          (dir / "m.fits").string(), (dir / "d.fits").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const FitsImage out = read_image(dir / "out.fits");
  EXPECT_EQ(out.header().get_bool("CR_CLEAN"), true);
  EXPECT_GE(out.header().get_int("CR_NPIX").value_or(0), 1);
  EXPECT_EQ(out.header().get_double("CR_GAIN"), 2.0);
  EXPECT_FALSE(out.header().history().empty());
  const Mask m = read_mask(dir / "m.fits", "0");
  EXPECT_EQ(m(30, 20), kMaskCosmic);
  EXPECT_EQ(m(5, 5), 0);
  const Image diff = read_image(dir / "d.fits").image;
  EXPECT_GT(diff(30, 20), 3000.0f);
  EXPECT_EQ(diff(5, 5), 0.0f);
}

TEST(CosmicsCli, MissingGainIsAnError) {
  test::TempDir dir;
  write_image(dir / "in.fits", random_image(32, 32, 7), {});
  const auto r = test::run_ap(fmt::format("cosmics '{}' '{}' --readnoise 5",
                                          (dir / "in.fits").string(),
                                          (dir / "out.fits").string()));
  EXPECT_EQ(r.exit_code, static_cast<int>(ExitCode::kBadInput));
  EXPECT_NE(r.err.find("gain"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out.fits"));
  const auto r2 = test::run_ap(fmt::format("cosmics '{}' '{}' --gain 1",
                                           (dir / "in.fits").string(),
                                           (dir / "out.fits").string()));
  EXPECT_EQ(r2.exit_code, static_cast<int>(ExitCode::kBadInput));
  EXPECT_NE(r2.err.find("RDNOISE"), std::string::npos) << r2.err;
}

}  // namespace
}  // namespace ap
