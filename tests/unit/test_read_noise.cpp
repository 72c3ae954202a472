// Read noise and photon-transfer gain: hand-computed cases, the --gain
// argument, truth on synthetic frames with known gain and read noise, and the
// command line.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "calib/read_noise.h"
#include "core/error.h"
#include "sim/random.h"
#include "sim/raw_fits.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;
using test::run_ap;
using test::TempDir;

constexpr double kGain = 1.5;       // e-/ADU
constexpr double kReadNoise = 9.0;  // e-
constexpr std::size_t kWidth = 800, kHeight = 600;

// Fixed bias structure: a level, column pattern and a row ramp (ADU).
double bias_level(std::size_t x, std::size_t y) {
  return 1000.0 + 8.0 * std::sin(double(x) / 13.0) + 0.01 * double(y);
}

// A raw frame: bias structure + photo-electrons (Poisson around `electrons`
// times a fixed response) / gain + Gaussian read noise, rounded to ADU, with
// fixed hot pixels.
Image raw_frame(std::uint64_t seed, double electrons) {
  sim::Rng rng(seed);
  sim::Rng fixed(7);  // the same response and hot pixels in every frame
  Image img(kWidth, kHeight);
  for (std::size_t y = 0; y < kHeight; ++y) {
    for (std::size_t x = 0; x < kWidth; ++x) {
      const double response = 1.0 + 0.01 * fixed.normal() - 0.1 * double(x) / kWidth;
      const double charge = electrons > 0.0 ? rng.poisson(electrons * response) : 0.0;
      double adu = bias_level(x, y) + charge / kGain + rng.normal(0.0, kReadNoise / kGain);
      if (fixed.below(1000) == 0) adu += 3000.0;  // hot pixel
      img(x, y) = static_cast<float>(std::round(adu));
    }
  }
  return img;
}

void write_frame(const fs::path& path, const Image& img, double egain) {
  std::vector<std::uint16_t> pixels(img.size());
  for (std::size_t i = 0; i < img.size(); ++i) {
    pixels[i] = static_cast<std::uint16_t>(img.pixels()[i]);
  }
  Header h;
  h.set("EGAIN", egain);
  sim::write_uint16_image(path, pixels, img.width(), img.height(), h);
}

double number_after(const std::string& text, const std::string& label) {
  const auto at = text.find(label);
  return at == std::string::npos ? std::nan("") : std::stod(text.substr(at + label.size()));
}

TEST(ReadNoise, HandComputedWithoutClipping) {
  Image b1(2, 2), b2(2, 2, 0.0f);
  b1.pixels()[0] = 1;
  b1.pixels()[1] = 2;
  b1.pixels()[2] = 3;
  b1.pixels()[3] = 4;
  ReadNoiseOptions o;
  o.clip = false;
  const ReadNoiseResult r = read_noise(b1, b2, 2.0, o);
  EXPECT_DOUBLE_EQ(r.diff_mean_adu, 2.5);
  EXPECT_DOUBLE_EQ(r.diff_std_adu, std::sqrt(1.25));
  EXPECT_DOUBLE_EQ(r.read_noise_e, 2.0 * std::sqrt(1.25) / std::sqrt(2.0));
  EXPECT_EQ(r.good, 4u);
}

TEST(ReadNoise, OutliersOfEitherFrameAndNanAreMasked) {
  Image b1(10, 10), b2(10, 10);
  for (std::size_t i = 0; i < 100; ++i) {
    b1.pixels()[i] = static_cast<float>(100 + i % 3);
    b2.pixels()[i] = static_cast<float>(100 + i % 2);
  }
  b1.pixels()[17] = 1000.0f;
  b2.pixels()[42] = -500.0f;
  b2.pixels()[55] = std::nanf("");
  const ReadNoiseResult clipped = read_noise(b1, b2, 1.0);
  EXPECT_EQ(clipped.good, 97u);
  ReadNoiseOptions o;
  o.clip = false;
  const ReadNoiseResult all = read_noise(b1, b2, 1.0, o);
  EXPECT_EQ(all.good, 99u) << "NaN is always left out";
  EXPECT_GT(all.diff_std_adu, 10.0 * clipped.diff_std_adu);
  EXPECT_THROW(read_noise(b1, Image(9, 10), 1.0), Error);
}

TEST(ReadNoise, HistogramsCountTheDifferences) {
  Image b1(10, 10), b2(10, 10);
  for (std::size_t i = 0; i < 100; ++i) {
    b1.pixels()[i] = static_cast<float>(100 + i % 5);  // differences -1..3, 20 of each
    b2.pixels()[i] = 101.0f;
  }
  b1.pixels()[17] = 1000.0f;  // clipped, and outside the good range
  ReadNoiseOptions o;
  o.histogram = true;
  const ReadNoiseResult r = read_noise(b1, b2, 1.0, o);
  ASSERT_EQ(r.good, 99u);
  EXPECT_EQ(r.hist_first, -1);
  ASSERT_EQ(r.hist_good.size(), 5u);
  EXPECT_EQ(r.hist_good, (std::vector<std::size_t>{20, 20, 19, 20, 20}));
  EXPECT_EQ(r.hist_all, r.hist_good);  // 899 lies beyond the good range
  EXPECT_DOUBLE_EQ(r.diff_median_adu, 1.0);
  EXPECT_EQ(read_noise_histogram_png(r).substr(1, 3), "PNG");
}

TEST(ReadNoise, GainFromNumberOrKeywordOfBothFiles) {
  Header a, b;
  a.set("EGAIN", 1.50);
  b.set("EGAIN", 1.5004);
  EXPECT_EQ(resolve_gain("2.25", a, "a.fit", b, "b.fit"), 2.25);
  EXPECT_EQ(resolve_gain("EGAIN", a, "a.fit", b, "b.fit"), 1.5);
  b.set("EGAIN", 1.502);
  try {
    resolve_gain("EGAIN", a, "a.fit", b, "b.fit");
    FAIL() << "disagreeing gains accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("b.fit: EGAIN", 0), 0u) << e.what();
  }
  try {
    resolve_gain("GAIN", a, "a.fit", b, "b.fit");
    FAIL() << "missing keyword accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("a.fit: no numeric GAIN", 0), 0u) << e.what();
  }
  EXPECT_THROW(resolve_gain("nan", a, "a.fit", b, "b.fit"), Error);
  EXPECT_THROW(resolve_gain("-1", a, "a.fit", b, "b.fit"), Error);
}

TEST(ReadNoise, WithinTwoPercentOfTruth) {
  const Image b1 = raw_frame(11, 0.0), b2 = raw_frame(12, 0.0);
  const ReadNoiseResult r = read_noise(b1, b2, kGain);
  RecordProperty("read_noise_e", fmt::format("{:.4f}", r.read_noise_e));
  EXPECT_NEAR(r.read_noise_e, kReadNoise, 0.02 * kReadNoise);
  EXPECT_LT(r.good, r.total) << "hot pixels are masked";
}

TEST(Gain, WithinThreePercentOfTruth) {
  const Image f1 = raw_frame(21, 30000.0), f2 = raw_frame(22, 30000.0);
  const Image b1 = raw_frame(23, 0.0), b2 = raw_frame(24, 0.0);
  const GainResult r = photon_transfer_gain(f1, f2, b1, b2);
  RecordProperty("gain", fmt::format("{:.4f}", r.gain));
  RecordProperty("read_noise_e", fmt::format("{:.4f}", r.read_noise_e));
  EXPECT_NEAR(r.gain, kGain, 0.03 * kGain);
  EXPECT_NEAR(r.read_noise_e, kReadNoise, 0.03 * kReadNoise);
  EXPECT_NEAR(r.signal_adu, 30000.0 * 0.95 / kGain, 0.01 * 30000.0 / kGain);
  EXPECT_EQ(r.pixels, 400u * 300u);
}

TEST(Gain, RejectsFlatsNoBrighterThanBiases) {
  const Image b1 = raw_frame(31, 0.0), b2 = raw_frame(32, 0.0);
  EXPECT_THROW(photon_transfer_gain(b1, b2, b1, b2), Error);
  EXPECT_THROW(photon_transfer_gain(b1, b2, b1, Image(3, 3)), Error);
}

TEST(ReadNoiseCli, PrintsReadNoiseAndGain) {
  TempDir dir;
  write_frame(dir / "b1.fit", raw_frame(41, 0.0), kGain);
  write_frame(dir / "b2.fit", raw_frame(42, 0.0), kGain);
  write_frame(dir / "f1.fit", raw_frame(43, 30000.0), kGain);
  write_frame(dir / "f2.fit", raw_frame(44, 30000.0), kGain);
  const std::string b =
      fmt::format("'{}' '{}'", (dir / "b1.fit").string(), (dir / "b2.fit").string());
  auto r = run_ap("read-noise " + b);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NEAR(number_after(r.out, "Read noise: "), kReadNoise, 0.02 * kReadNoise) << r.out;
  EXPECT_NE(r.out.find(" e-/pixel\n"), std::string::npos) << r.out;

  // The original script name, a numeric gain and --noclip.
  const fs::path alias = dir / "ap_calc_read_noise";
  fs::create_symlink(AP_BINARY, alias);
  r = test::run(alias.string(), b + " --gain 3 --noclip");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(number_after(r.out, "Read noise: "), 1.9 * kReadNoise);

  r = run_ap(fmt::format("read-noise {} --histplot '{}'", b, (dir / "hist.png").string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::read_text(dir / "hist.png").substr(1, 3), "PNG");

  r = run_ap("read-noise --gain GAIN " + b);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("b1.fit: no numeric GAIN keyword"), std::string::npos) << r.err;

  r = run_ap(
      fmt::format("gain '{}' '{}' {}", (dir / "f1.fit").string(), (dir / "f2.fit").string(), b));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NEAR(number_after(r.out, "Gain: "), kGain, 0.03 * kGain) << r.out;
  EXPECT_NEAR(number_after(r.out, "Read noise: "), kReadNoise, 0.03 * kReadNoise) << r.out;
}

}  // namespace
}  // namespace ap
