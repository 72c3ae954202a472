// The simulator's truth is true: whole simulated datasets, read back through
// the FITS reader and measured with simple estimators written here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <span>
#include <vector>

#include "core/error.h"
#include "core/fits.h"
#include "core/stats.h"
#include "core/wcs.h"
#include "itelescope/names.h"
#include "sim/simulate.h"
#include "sim/zip.h"
#include "support.h"

namespace ap::sim {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

Json read_truth(const fs::path& dir) {
  std::ifstream in(dir / "truth.json");
  return Json::parse(in);
}

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), dir));
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// --- A noiseless, well-sampled frame: positions and FWHM -----------------

class SimTruthClean : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<test::TempDir>();
    SimulateOptions o;
    o.output_dir = dir_->path();
    o.telescope = "T32";  // 0.85"/px
    o.width = o.height = 512;
    o.filters = {"Red", "Green", "Ha"};
    o.frames = 1;
    o.fwhm_arcsec = 4.5;  // about 5 px: HFR and centroids are not limited by sampling
    o.calibration = false;
    o.seed = 3;
    o.max_stars = 100;  // a sparse field: enough isolated stars to measure
    // Bleeding is off too: a saturated star's column would pull the centroids.
    for (const char* c : {"noise", "cosmic_rays", "nebula", "defects", "flat", "sky_gradient",
                          "dark_current", "poor_frames", "bleeding"}) {
      o.physics.disable(c);
    }
    simulate(o);
  }
  static void TearDownTestSuite() { dir_.reset(); }

  struct Star {
    double x, y;  // 0-based, from the truth WCS
    double flux;
  };

  // Isolated, unsaturated, well-exposed stars away from the edges.
  static std::vector<Star> isolated_stars(const Table& t, const Wcs& wcs, double fwhm,
                                          std::size_t width, std::size_t height) {
    const auto ra = t.numbers("RA"), dec = t.numbers("DEC"), flux = t.numbers("FLUX"),
               peak = t.numbers("PEAK");
    std::vector<Star> out;
    for (std::size_t i = 0; i < ra.size(); ++i) {
      const PixelCoord p = wcs.sky_to_pixel({ra[i], dec[i]});
      const double edge = 6.0 * fwhm;
      if (peak[i] < 100.0 || peak[i] > 30000.0 || p.x < edge || p.y < edge ||
          p.x > static_cast<double>(width) - edge || p.y > static_cast<double>(height) - edge) {
        continue;
      }
      // Neighbours near the 2-FWHM measuring window must be much fainter.
      bool alone = true;
      for (std::size_t j = 0; j < ra.size() && alone; ++j) {
        if (j == i) continue;
        const PixelCoord q = wcs.sky_to_pixel({ra[j], dec[j]});
        const double d = std::hypot(q.x - p.x, q.y - p.y);
        const double ratio = flux[j] / flux[i];
        alone = !(d < 4.0 * fwhm && ratio > 0.003) && !(d < 7.0 * fwhm && ratio > 0.03) &&
                !(d < 10.0 * fwhm && ratio > 0.3);
      }
      if (alone) out.push_back({p.x, p.y, flux[i]});
    }
    return out;
  }

  // Centroid in a circular window of radius 2 FWHM, iterated from the brightest nearby pixel.
  static PixelCoord centroid(const Image& image, double x0, double y0, double fwhm, double sky) {
    double cx = x0, cy = y0;
    double best = -1e30;
    for (int dy = -2; dy <= 2; ++dy) {
      for (int dx = -2; dx <= 2; ++dx) {
        const auto x = static_cast<std::size_t>(std::lround(x0) + dx);
        const auto y = static_cast<std::size_t>(std::lround(y0) + dy);
        if (image(x, y) > best) {
          best = image(x, y);
          cx = static_cast<double>(x);
          cy = static_cast<double>(y);
        }
      }
    }
    const double r = 2.0 * fwhm;
    for (int iter = 0; iter < 20; ++iter) {
      double sum = 0.0, sx = 0.0, sy = 0.0;
      for (auto y = static_cast<long>(std::floor(cy - r));
           y <= static_cast<long>(std::ceil(cy + r)); ++y) {
        for (auto x = static_cast<long>(std::floor(cx - r));
             x <= static_cast<long>(std::ceil(cx + r)); ++x) {
          if (std::hypot(static_cast<double>(x) - cx, static_cast<double>(y) - cy) > r) continue;
          const double v = image(static_cast<std::size_t>(x), static_cast<std::size_t>(y)) - sky;
          sum += v;
          sx += v * static_cast<double>(x);
          sy += v * static_cast<double>(y);
        }
      }
      cx = sx / sum;
      cy = sy / sum;
    }
    return {cx, cy};
  }

  // FWHM from the half-flux radius, for a Moffat profile of the given beta.
  static double fwhm_from_hfr(const Image& image, PixelCoord c, double fwhm, double sky,
                              double beta) {
    std::vector<std::pair<double, double>> pixels;  // (radius, value)
    const double r_max = 4.0 * fwhm;                // beta = 3 wings beyond hold 0.3% of the flux
    for (auto y = static_cast<long>(c.y - r_max); y <= static_cast<long>(c.y + r_max); ++y) {
      for (auto x = static_cast<long>(c.x - r_max); x <= static_cast<long>(c.x + r_max); ++x) {
        const double r = std::hypot(static_cast<double>(x) - c.x, static_cast<double>(y) - c.y);
        if (r <= r_max) {
          pixels.emplace_back(
              r, image(static_cast<std::size_t>(x), static_cast<std::size_t>(y)) - sky);
        }
      }
    }
    std::sort(pixels.begin(), pixels.end());
    double total = 0.0;
    for (const auto& p : pixels) total += p.second;
    double cumulative = 0.0, hfr = 0.0;
    for (std::size_t i = 0; i < pixels.size(); ++i) {
      const double next = cumulative + pixels[i].second;
      if (next >= 0.5 * total) {
        const double r0 = i == 0 ? 0.0 : pixels[i - 1].first;
        hfr = r0 + (pixels[i].first - r0) * (0.5 * total - cumulative) / pixels[i].second;
        break;
      }
      cumulative = next;
    }
    const double alpha = hfr / std::sqrt(std::pow(2.0, 1.0 / (beta - 1.0)) - 1.0);
    return 2.0 * alpha * std::sqrt(std::pow(2.0, 1.0 / beta) - 1.0);
  }

  static std::unique_ptr<test::TempDir> dir_;
};

std::unique_ptr<test::TempDir> SimTruthClean::dir_;

TEST_F(SimTruthClean, CatalogueStarsLandOnImagePeaks) {
  const Json truth = read_truth(dir_->path());
  ASSERT_EQ(truth["frames"].size(), 3u);
  std::vector<float> errors;
  for (const Json& frame : truth["frames"]) {
    if (frame["filter"] == "Ha") continue;  // narrow band: too few bright stars
    const FitsImage raw = read_image(dir_->path() / frame["file"].get<std::string>());
    const fs::path truth_file = dir_->path() / frame["truth_file"].get<std::string>();
    const auto hdus = read_hdu_list(truth_file);
    const auto wcs = Wcs::from_header(hdus[0].header);
    ASSERT_TRUE(wcs.has_value());
    EXPECT_EQ(hdus[0].header.get("CTYPE1", ""), "RA---TAN-SIP");
    const Table stars = read_table(truth_file, "STARS");
    const double fwhm = frame["fwhm_px"].get<double>();
    const double sky = median(raw.image.pixels());

    // The table's X/Y (1-based) are the WCS projections of its RA/Dec.
    const auto ra = stars.numbers("RA"), dec = stars.numbers("DEC");
    const auto tx = stars.numbers("X"), ty = stars.numbers("Y");
    for (std::size_t i = 0; i < ra.size(); ++i) {
      const PixelCoord p = wcs->sky_to_pixel({ra[i], dec[i]});
      ASSERT_NEAR(p.x + 1.0, tx[i], 1e-6);
      ASSERT_NEAR(p.y + 1.0, ty[i], 1e-6);
    }
    const auto chosen = isolated_stars(stars, *wcs, fwhm, raw.image.width(), raw.image.height());
    EXPECT_GE(chosen.size(), 5u);
    for (const Star& s : chosen) {
      const PixelCoord c = centroid(raw.image, s.x, s.y, fwhm, sky);
      EXPECT_NEAR(c.x, s.x, 0.1) << frame["file"] << " star at " << s.x << "," << s.y;
      EXPECT_NEAR(c.y, s.y, 0.1) << frame["file"] << " star at " << s.x << "," << s.y;
      errors.push_back(static_cast<float>(std::hypot(c.x - s.x, c.y - s.y)));
    }
  }
  EXPECT_GE(errors.size(), 10u);
  EXPECT_LT(median(errors), 0.02);  // in practice well below: the neighbours' light limits it
}

TEST_F(SimTruthClean, MeasuredFwhmMatchesTruth) {
  const Json truth = read_truth(dir_->path());
  for (const Json& frame : truth["frames"]) {
    if (frame["filter"] == "Ha") continue;
    const FitsImage raw = read_image(dir_->path() / frame["file"].get<std::string>());
    const fs::path truth_file = dir_->path() / frame["truth_file"].get<std::string>();
    const auto wcs = Wcs::from_header(read_hdu_list(truth_file)[0].header);
    const Table stars = read_table(truth_file, "STARS");
    const double fwhm = frame["fwhm_px"].get<double>();
    const double sky = median(raw.image.pixels());
    std::vector<float> estimates;
    for (const Star& s : isolated_stars(stars, *wcs, fwhm, raw.image.width(), raw.image.height())) {
      const PixelCoord c = centroid(raw.image, s.x, s.y, fwhm, sky);
      estimates.push_back(
          static_cast<float>(fwhm_from_hfr(raw.image, c, fwhm, sky, frame["beta"])));
    }
    ASSERT_GE(estimates.size(), 3u);
    EXPECT_NEAR(median(estimates) / fwhm, 1.0, 0.03) << frame["file"];
  }
}

TEST_F(SimTruthClean, StarFluxRatioIsTheContinuumRatio) {
  // Ha and Red frames see the same stars; the flux ratio, corrected for each
  // frame's transparency, is the continuum ratio recorded in the truth.
  const Json truth = read_truth(dir_->path());
  const double ratio = truth["photometry"]["Ha"]["continuum_ratio"];
  EXPECT_EQ(truth["photometry"]["Ha"]["continuum_of"], "Red");
  const Json& red = truth["frames"][0];
  const Json& ha = truth["frames"][2];
  ASSERT_EQ(red["filter"], "Red");
  ASSERT_EQ(ha["filter"], "Ha");
  const Table red_stars = read_table(dir_->path() / red["truth_file"].get<std::string>(), "STARS");
  const Table ha_stars = read_table(dir_->path() / ha["truth_file"].get<std::string>(), "STARS");
  const auto red_id = red_stars.numbers("ID"), ha_id = ha_stars.numbers("ID");
  const auto red_flux = red_stars.numbers("FLUX"), ha_flux = ha_stars.numbers("FLUX");
  std::size_t matched = 0;
  for (std::size_t i = 0; i < red_id.size(); ++i) {
    const auto it = std::find(ha_id.begin(), ha_id.end(), red_id[i]);
    if (it == ha_id.end()) continue;
    const double r = ha_flux[static_cast<std::size_t>(it - ha_id.begin())] / red_flux[i] *
                     red["transparency"].get<double>() / ha["transparency"].get<double>();
    EXPECT_NEAR(r / ratio, 1.0, 1e-5);
    ++matched;
  }
  EXPECT_GT(matched, 20u);
}

TEST_F(SimTruthClean, RawFramesCarryTheMaximHeaderAndNoWcs) {
  const Json truth = read_truth(dir_->path());
  const fs::path file = dir_->path() / truth["frames"][0]["file"].get<std::string>();
  const auto hdus = read_hdu_list(file);
  ASSERT_EQ(hdus.size(), 1u);
  EXPECT_EQ(hdus[0].bitpix, 16);
  EXPECT_DOUBLE_EQ(hdus[0].bzero, 32768.0);
  const Header& h = hdus[0].header;
  for (const char* key :
       {"DATE-OBS", "EXPTIME",  "EXPOSURE", "SET-TEMP", "CCD-TEMP", "XPIXSZ",   "YPIXSZ",
        "XBINNING", "YBINNING", "FILTER",   "IMAGETYP", "FOCALLEN", "APTDIA",   "SITELAT",
        "SITELONG", "JD",       "PEDESTAL", "ROWORDER", "OBJECT",   "TELESCOP", "OBSERVER"}) {
    EXPECT_TRUE(h.has(key)) << key;
  }
  EXPECT_EQ(h.get("IMAGETYP", ""), "Light Frame");
  EXPECT_EQ(h.get("OBJECT", "x"), "");
  EXPECT_EQ(h.get("TELESCOP", "x"), "");
  EXPECT_EQ(h.get("OBSERVER", "x"), "");
  EXPECT_EQ(h.get("ROWORDER", ""), "TOP-DOWN");
  EXPECT_DOUBLE_EQ(h.get("PEDESTAL", 0.0), -100.0);
  EXPECT_DOUBLE_EQ(h.get("FOCALLEN", 0.0), 2929.0);
  EXPECT_FALSE(Wcs::from_header(h).has_value());
  // DATE-OBS is UTC; the file name carries the site's local time (UTC+10 at Siding Spring).
  const auto name = itelescope::parse_raw_light_name(file.filename().string());
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->telescope, "T32");
  EXPECT_EQ(name->target, "NGC_6888");
  EXPECT_EQ(name->filter, "Red");
  EXPECT_DOUBLE_EQ(name->exposure_s, 300.0);
  const std::string date_obs = h.get("DATE-OBS", "");
  const int utc_hour = std::stoi(date_obs.substr(11, 2));
  EXPECT_EQ((utc_hour + 10) % 24, std::stoi(name->time.substr(0, 2)));
  // The pedestal-corrected data: bias plus sky, never below the bias level.
  const FitsImage raw = read_image(file);
  const float lowest = *std::min_element(raw.image.pixels().begin(), raw.image.pixels().end());
  EXPECT_GE(lowest, 1500.0F);  // T32 bias level
  const double sky = truth["frames"][0]["sky_adu"];
  EXPECT_NEAR(median(raw.image.pixels()) - 1500.0, sky, 0.02 * sky + 1.0);
}

// --- The full detector: noise, dark current, gain, defects, calibration ---

class SimTruthDetector : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<test::TempDir>();
    SimulateOptions o;
    o.output_dir = dir_->path();
    o.telescope = "T20";
    o.width = o.height = 256;
    o.filters = {"Red"};
    o.frames = 1;
    o.exposure_s = 900.0;  // darks share the light exposure: 27 e- of dark current
    o.seed = 11;
    simulate(o);
    truth_ = read_truth(dir_->path());
  }
  static void TearDownTestSuite() { dir_.reset(); }

  static fs::path raw(const char* folder, int sequence) {
    return files_in(dir_->path() / "cal/T20/Raws" / folder / "2020-07-04")
        .at(static_cast<std::size_t>(sequence));
  }
  static fs::path master(const char* folder, const std::string& date) {
    return files_in(dir_->path() / "cal/T20/Masters" / folder / date).at(0);
  }
  // Pixels off the bad rows, as float values.
  static std::vector<float> good_rows(const Image& image) {
    std::set<long> bad;
    for (const Json& r : truth_["detector"]["bad_rows"]) bad.insert(r["y"].get<long>() - 1);
    std::vector<float> out;
    for (std::size_t y = 0; y < image.height(); ++y) {
      if (bad.count(static_cast<long>(y))) continue;
      const auto row = image.row(y);
      out.insert(out.end(), row.begin(), row.end());
    }
    return out;
  }
  static Image difference(const Image& a, const Image& b, double scale = 1.0) {
    Image d(a.width(), a.height());
    for (std::size_t i = 0; i < a.size(); ++i) {
      d.data()[i] = static_cast<float>(a.data()[i] - scale * b.data()[i]);
    }
    return d;
  }
  static double read_noise_adu() {
    const Image d = difference(read_image(raw("Bias", 0)).image, read_image(raw("Bias", 1)).image);
    return sigma_clipped_stats(good_rows(d), SigmaClipOptions::symmetric(5.0)).std / std::sqrt(2.0);
  }

  static std::unique_ptr<test::TempDir> dir_;
  static Json truth_;
};

std::unique_ptr<test::TempDir> SimTruthDetector::dir_;
Json SimTruthDetector::truth_;

TEST_F(SimTruthDetector, ReadNoiseFromTwoBiasFrames) {
  const double gain = truth_["detector"]["gain_e_per_adu"];
  EXPECT_NEAR(read_noise_adu() * gain / truth_["detector"]["read_noise_e"].get<double>(), 1.0,
              0.03);
}

TEST_F(SimTruthDetector, GainFromAFlatPair) {
  // Photon transfer with unequal levels: var(f1 - k f2) = (1 + k) m1 / g + rn^2 (1 + k^2).
  const Image bias = read_image(master("Bias", "2020-07-04")).image;
  const Image f1 = difference(read_image(raw("Flats", 0)).image, bias);
  const Image f2 = difference(read_image(raw("Flats", 1)).image, bias);
  const double m1 = sigma_clipped_stats(good_rows(f1)).median;
  const double k = m1 / sigma_clipped_stats(good_rows(f2)).median;
  const double var = std::pow(
      sigma_clipped_stats(good_rows(difference(f1, f2, k)), SigmaClipOptions::symmetric(5.0)).std,
      2);
  const double rn = read_noise_adu();
  const double gain = (1.0 + k) * m1 / (var - rn * rn * (1.0 + k * k));
  EXPECT_NEAR(gain / truth_["detector"]["gain_e_per_adu"].get<double>(), 1.0, 0.03);
}

TEST_F(SimTruthDetector, DarkCurrentFromTheMasters) {
  const Image dark = read_image(master("Darks", "2020-07-04")).image;
  const Image bias = read_image(master("Bias", "2020-07-04")).image;
  const double adu = sigma_clipped_stats(good_rows(difference(dark, bias))).mean;
  const double gain = truth_["detector"]["gain_e_per_adu"];
  EXPECT_NEAR(adu * gain / 900.0 / truth_["detector"]["dark_current_e_per_s"].get<double>(), 1.0,
              0.03);
}

TEST_F(SimTruthDetector, HotPixelsAndBadColumnsAreWhereTheTruthSays) {
  const Image dark = read_image(master("Darks", "2020-07-04")).image;
  const Image bias = read_image(master("Bias", "2020-07-04")).image;
  const Image current = difference(dark, bias);
  const double gain = truth_["detector"]["gain_e_per_adu"];
  const double base = truth_["detector"]["dark_current_e_per_s"].get<double>() * 900.0 / gain;
  std::size_t checked = 0;
  for (const Json& hot : truth_["detector"]["hot_pixels"]) {
    const double rate = hot[2];
    if (rate < 2.0) continue;  // bright enough to stand far above the noise
    const auto x = hot[0].get<std::size_t>() - 1, y = hot[1].get<std::size_t>() - 1;
    EXPECT_NEAR((current(x, y) - base) / (rate * 900.0 / gain), 1.0, 0.1) << x << "," << y;
    ++checked;
  }
  EXPECT_GT(checked, 0u);
  for (const Json& c : truth_["detector"]["bad_columns"]) {
    if (c["kind"] != "hot") continue;
    const auto x = c["x"].get<std::size_t>() - 1;
    std::vector<float> column;
    for (std::size_t y = 0; y < current.height(); ++y) column.push_back(current(x, y));
    const double excess = c["value"].get<double>() * 900.0 / gain;
    EXPECT_NEAR((median(column) - base) / excess, 1.0, 0.05);
  }
}

TEST_F(SimTruthDetector, CalibrationLibraryLayoutAndCalstat) {
  const fs::path cal = dir_->path() / "cal/T20";
  for (const char* folder : {"Bias", "Darks", "Flats"}) {
    for (const char* date : {"2020-07-04", "2020-03"}) {
      const auto files = files_in(cal / "Masters" / folder / date);
      ASSERT_EQ(files.size(), 1u) << folder << " " << date;
      const auto name = itelescope::parse_calibration_name(files[0].filename().string());
      ASSERT_TRUE(name.has_value()) << files[0];
      EXPECT_TRUE(name->is_master());
      EXPECT_EQ(name->width, 256);
      EXPECT_EQ(name->temperature_c, -15);
      const auto hdus = read_hdu_list(files[0]);
      EXPECT_EQ(hdus[0].bitpix, -32);
      if (std::string(folder) == "Darks") {
        EXPECT_DOUBLE_EQ(name->exposure_s, 900.0);
        EXPECT_EQ(hdus[0].header.get("CALSTAT", ""),
                  std::string(date) == "2020-07-04" ? "M" : "BM");
      }
    }
  }
  EXPECT_EQ(files_in(cal / "Raws/Bias/2020-07-04").size(), 10u);
  EXPECT_EQ(files_in(cal / "Raws/Darks/2020-07-04").size(), 10u);
  EXPECT_EQ(files_in(cal / "Raws/Flats/2020-07-04").size(), 5u);
  EXPECT_FALSE(fs::exists(cal / "Raws/Bias/2020-03"));
  const auto raw_name = itelescope::parse_calibration_name(raw("Darks", 2).filename().string());
  ASSERT_TRUE(raw_name.has_value());
  EXPECT_EQ(raw_name->sequence, 3);
  // A 'BM' dark minus nothing equals the 'M' dark minus its bias, up to noise and bias drift.
  const Image bm = read_image(master("Darks", "2020-03")).image;
  EXPECT_NEAR(
      sigma_clipped_stats(good_rows(bm)).median,
      sigma_clipped_stats(good_rows(difference(read_image(master("Darks", "2020-07-04")).image,
                                               read_image(master("Bias", "2020-07-04")).image)))
          .median,
      1.0);
}

TEST_F(SimTruthDetector, CosmicRayMaskMarksElevatedPixels) {
  const Json& frame = truth_["frames"][0];
  const fs::path truth_file = dir_->path() / frame["truth_file"].get<std::string>();
  const Mask mask = read_mask(truth_file, "CRMASK");
  const Image raw = read_image(dir_->path() / frame["file"].get<std::string>()).image;
  const double sky = median(raw.pixels());
  std::size_t flagged = 0;
  double excess = 0.0;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    if (mask.data()[i] == 0) continue;
    ++flagged;
    excess += raw.data()[i] - sky;
  }
  EXPECT_EQ(flagged, frame["cosmic_ray_pixels"].get<std::size_t>());
  ASSERT_GT(flagged, 0u);
  const double noise_adu = truth_["detector"]["read_noise_e"].get<double>() /
                           truth_["detector"]["gain_e_per_adu"].get<double>();
  EXPECT_GT(excess / static_cast<double>(flagged), 5.0 * noise_adu);
}

// --- Determinism, layout options and bad input ---------------------------

SimulateOptions tiny(const fs::path& dir) {
  SimulateOptions o;
  o.output_dir = dir;
  o.width = o.height = 64;
  o.filters = {"Red", "Ha"};
  o.frames = 2;
  o.bias_frames = o.dark_frames = o.flat_frames = 3;
  o.max_stars = 2000;
  return o;
}

// File bytes with the CHECKSUM/DATASUM cards blanked: cfitsio dates their comments.
TEST(SimDeterminism, SameSeedGivesIdenticalFiles) {
  test::TempDir a, b, c;
  simulate(tiny(a.path()));
  simulate(tiny(b.path()));
  SimulateOptions other = tiny(c.path());
  other.seed = 2;
  simulate(other);
  const auto files = files_under(a.path());
  ASSERT_EQ(files, files_under(b.path()));
  // 8 masters, 12 raw calibration frames, 4 lights, 4 truth files and truth.json.
  ASSERT_EQ(files.size(), 29u);
  for (const fs::path& f : files) {
    EXPECT_EQ(test::read_text(a.path() / f), test::read_text(b.path() / f)) << f;
  }
  // Another seed changes the pixels (the file names only depend on the night).
  const auto first_light = std::find_if(files.begin(), files.end(), [](const fs::path& f) {
    return f.string().rfind("data/", 0) == 0;
  });
  ASSERT_NE(first_light, files.end());
  EXPECT_NE(test::read_text(a.path() / *first_light), test::read_text(c.path() / *first_light));
}

TEST(SimLayout, MosaicPanelsAndNamedPanels) {
  test::TempDir dir;
  SimulateOptions o = tiny(dir.path());
  o.calibration = false;
  o.filters = {"Ha"};
  o.frames = 1;
  o.mosaic_x = 2;
  simulate(o);
  const fs::path data = dir.path() / "data/T20";
  EXPECT_TRUE(fs::is_directory(data / "NGC_6888_x1_y1/20200716"));
  EXPECT_TRUE(fs::is_directory(data / "NGC_6888_x2_y1/20200716"));
  const auto file = files_in(data / "NGC_6888_x2_y1/20200716").at(0);
  const auto name = itelescope::parse_raw_light_name(file.filename().string());
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(itelescope::split_mosaic(name->target).panel_x, 2);
  // Panel x2 lies west of x1: smaller RA at the reference pixel.
  const Json truth = read_truth(dir.path());
  EXPECT_LT(truth["frames"][1]["wcs"]["CRVAL1"].get<double>(),
            truth["frames"][0]["wcs"]["CRVAL1"].get<double>());

  test::TempDir named;
  SimulateOptions p = tiny(named.path());
  p.calibration = false;
  p.filters = {"Ha"};
  p.frames = 1;
  p.target = "NGC 6888_x1_y2";
  simulate(p);
  EXPECT_TRUE(fs::is_directory(named.path() / "data/T20/NGC_6888_x1_y2/20200716"));
}

TEST(SimLayout, ZipDeliveryKeepsTheSpaces) {
  test::TempDir dir;
  SimulateOptions o = tiny(dir.path());
  o.calibration = false;
  o.filters = {"Ha"};
  o.frames = 1;
  o.zip = true;
  simulate(o);
  const Json truth = read_truth(dir.path());
  const Json& frame = truth["frames"][0];
  const fs::path zip = dir.path() / frame["delivered"].get<std::string>();
  EXPECT_EQ(zip.parent_path(), dir.path() / "data/T20/NGC 6888/20200716");
  EXPECT_FALSE(fs::exists(dir.path() / frame["file"].get<std::string>()));  // not ingested yet
  // One stored entry: local header, the FITS file, central directory, end record.
  const std::string bytes = test::read_text(zip);
  ASSERT_GT(bytes.size(), 30u);
  const auto u16 = [&](std::size_t at) {
    return static_cast<std::size_t>(static_cast<unsigned char>(bytes[at])) |
           static_cast<std::size_t>(static_cast<unsigned char>(bytes[at + 1])) << 8;
  };
  EXPECT_EQ(bytes.compare(0, 4, "PK\x03\x04"), 0);
  EXPECT_EQ(u16(8), 0u);  // stored
  const std::size_t name_length = u16(26);
  const std::string name = bytes.substr(30, name_length);
  EXPECT_EQ(fs::path(name).replace_extension(".zip"), zip.filename());
  EXPECT_NE(name.find("NGC 6888"), std::string::npos);
  // Ingest (spaces to '_') gives the file name the truth records.
  EXPECT_EQ(itelescope::underscore_spaces(name),
            fs::path(frame["file"].get<std::string>()).filename().string());
  EXPECT_EQ(bytes.compare(30 + name_length, 9, "SIMPLE  ="), 0);
  if (fs::exists("/usr/bin/unzip")) {
    EXPECT_EQ(test::run("/usr/bin/unzip", "-tq '" + zip.string() + "'").exit_code, 0);
  }
}

void expect_usage_error(const SimulateOptions& o, const std::string& fragment) {
  try {
    simulate(o);
    ADD_FAILURE() << "no error for " << fragment;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

TEST(SimBadInput, EachIsAOneLineUsageError) {
  test::TempDir dir;
  SimulateOptions o = tiny(dir.path());
  o.telescope = "T99";
  expect_usage_error(o, "T99");
  o = tiny(dir.path());
  o.target = "Nowhere Nebula";
  expect_usage_error(o, "--ra");
  o.ra_deg = 10.0;  // --ra without --dec
  expect_usage_error(o, "--dec");
  o = tiny(dir.path());
  o.binning = 3;
  expect_usage_error(o, "divisible");
  o = tiny(dir.path());
  o.filters = {"Red", "Purple"};
  expect_usage_error(o, "Purple");
  o = tiny(dir.path());
  o.width = 5000;
  expect_usage_error(o, "sensor");
  std::ofstream(dir.path() / "existing.txt") << "x";
  expect_usage_error(tiny(dir.path()), "not empty");
  EXPECT_EQ(files_under(dir.path()).size(), 1u);  // nothing was written
  Physics p;
  EXPECT_THROW(p.disable("gravity"), Error);
}

TEST(SimBadInput, CommandLineExitCodes) {
  test::TempDir dir;
  const std::string out = (dir.path() / "out").string();
  for (const char* args : {"--telescope T99", "--target 'Nowhere Nebula'",
                           "--size 255x256 --binning 2", "--size 2048by2048"}) {
    const auto r = test::run_ap("simulate " + out + " " + std::string(args));
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  fs::create_directories(dir.path() / "full");
  std::ofstream(dir.path() / "full" / "x") << "x";
  const auto r = test::run_ap("simulate " + (dir.path() / "full").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--force"), std::string::npos);
  const auto ok = test::run_ap("simulate " + out +
                               " --size 64x64 --frames 1 --filters Ha "
                               "--no-calibration --max-stars 500 -q");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("1 light frames"), std::string::npos);
}

}  // namespace
}  // namespace ap::sim
