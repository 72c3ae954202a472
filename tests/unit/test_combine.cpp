// Master-frame combination: the per-pixel rejection against hand-computed
// values and an independent reference, block and thread invariance, file
// discovery, consistency and temperature checks, flats, the written file, and
// the peer comparison with ccdproc.combine.
#include <fitsio.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "calib/combine.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/parallel.h"
#include "core/stats.h"
#include "sim/raw_fits.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;
using test::run_ap;
using test::TempDir;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// One pixel whose values in the frames are `values`.
CombineResult combine_pixel(const std::vector<float>& values, const CombineOptions& o = {}) {
  std::vector<Image> frames;
  for (float v : values) frames.emplace_back(1, 1, v);
  return combine(frames, o);
}

// Straightforward per-pixel sigma clipping as the documentation states it:
// sort, median, median of the sorted |v - median|, bounds, mean of the rest.
struct Expected {
  float value;
  float uncert;
  std::uint8_t mask;
  std::size_t rejected;
};

double numpy_median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return (v[(v.size() - 1) / 2] + v[v.size() / 2]) * 0.5;
}

Expected reference_sigclip(const std::vector<float>& values, double sigma) {
  std::vector<double> v;
  for (float x : values) {
    if (std::isfinite(x)) v.push_back(x);
  }
  if (v.empty()) return {kNaN, kNaN, kMaskNoData, 0};
  const double c = numpy_median(v);
  std::vector<double> dev;
  for (double x : v) dev.push_back(std::abs(x - c));
  const double spread = numpy_median(dev) * kMadToStd;
  const double lo = c - spread * sigma, hi = c + spread * sigma;
  double sum = 0.0;
  std::size_t kept = 0;
  for (double x : v) {
    if (x >= lo && x <= hi) {
      sum += x;
      ++kept;
    }
  }
  const double mean = sum / double(kept);
  double ss = 0.0;
  for (double x : v) {
    if (x >= lo && x <= hi) ss += (x - mean) * (x - mean);
  }
  return {static_cast<float>(mean),
          static_cast<float>(std::sqrt(ss / double(kept)) / std::sqrt(double(kept))), 0,
          v.size() - kept};
}

// Random frames with outliers, ties and a few NaN.
std::vector<Image> random_frames(std::size_t n, std::size_t w, std::size_t h, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 4.0f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::vector<Image> frames(n, Image(w, h));
  for (Image& f : frames) {
    for (float& v : f.pixels()) {
      const float u = unit(rng);
      v = u < 0.3f ? std::round(100.0f + noise(rng) * 0.3f)  // integer ties
                   : 100.0f + noise(rng);
      if (u > 0.97f) v += 5000.0f * unit(rng);
      if (u < 0.005f) v = kNaN;
    }
  }
  return frames;
}

bool same_bits(const CombineResult& a, const CombineResult& b) {
  const auto bytes = [](const auto& plane) {
    return std::vector<char>(reinterpret_cast<const char*>(plane.data()),
                             reinterpret_cast<const char*>(plane.data() + plane.size()));
  };
  return bytes(a.image) == bytes(b.image) && bytes(a.uncert) == bytes(b.uncert) &&
         bytes(a.mask) == bytes(b.mask) && a.rejected == b.rejected;
}

TEST(CombineKernel, RejectsOutlierBeyondFiveMadStd) {
  // median 3, |v - 3| = {2, 1, 0, 1, 97}: MAD 1, bounds 3 -+ 5 * 1.4826.
  const CombineResult r = combine_pixel({1, 2, 3, 4, 100});
  EXPECT_FLOAT_EQ(r.image(0, 0), 2.5f);
  EXPECT_FLOAT_EQ(r.uncert(0, 0), static_cast<float>(std::sqrt(1.25) / 2.0));
  EXPECT_EQ(r.mask(0, 0), 0);
  EXPECT_EQ(r.rejected, 1u);
}

TEST(CombineKernel, ZeroMadKeepsOnlyValuesEqualToTheMedian) {
  // More than half equal: MAD = 0, bounds [5, 5] keep the 5s (bounds inclusive).
  CombineResult r = combine_pixel({5, 5, 6, 5, 5});
  EXPECT_EQ(r.image(0, 0), 5.0f);
  EXPECT_EQ(r.uncert(0, 0), 0.0f);
  EXPECT_EQ(r.rejected, 1u);
  // Even count: median 5, deviations {0, 0, 0, 1}, MAD (0 + 0) / 2 = 0.
  r = combine_pixel({5, 6, 5, 5});
  EXPECT_EQ(r.image(0, 0), 5.0f);
  EXPECT_EQ(r.rejected, 1u);
  // Even count with the middle deviations 0 and 1: MAD 0.5, nothing rejected.
  r = combine_pixel({4, 5, 5, 6});
  EXPECT_EQ(r.image(0, 0), 5.0f);
  EXPECT_EQ(r.rejected, 0u);
}

TEST(CombineKernel, BoundsAreInclusiveAndRejectionStrict) {
  // sigma * 1.4826... is exactly 2, so with MAD 1 about 10 the bounds are 8 and 12.
  CombineOptions o;
  o.sigma = 2.0 / kMadToStd;
  ASSERT_EQ(kMadToStd * o.sigma, 2.0);
  // median 10, deviations {2, 1, 0, 0, 1, 2, 2}: MAD 1.
  CombineResult r = combine_pixel({8, 9, 10, 10, 11, 12, 12}, o);
  EXPECT_EQ(r.rejected, 0u) << "values on the bounds are kept";
  EXPECT_FLOAT_EQ(r.image(0, 0), 72.0f / 7.0f);
  r = combine_pixel({8, 9, 10, 10, 11, 12, std::nextafter(12.0f, 13.0f)}, o);
  EXPECT_EQ(r.rejected, 1u) << "a value just beyond the bound is rejected";
  r = combine_pixel({std::nextafter(8.0f, 7.0f), 9, 10, 10, 11, 12, 12}, o);
  EXPECT_EQ(r.rejected, 1u);
}

TEST(CombineKernel, NanValuesAreLeftOut) {
  // The finite values are those of the first test.
  CombineResult r = combine_pixel({1, 2, kNaN, 3, 4, 100});
  EXPECT_FLOAT_EQ(r.image(0, 0), 2.5f);
  EXPECT_EQ(r.rejected, 1u) << "NaN is not counted as rejected";
  r = combine_pixel({kNaN, kNaN, kNaN});
  EXPECT_TRUE(std::isnan(r.image(0, 0)));
  EXPECT_TRUE(std::isnan(r.uncert(0, 0)));
  EXPECT_EQ(r.mask(0, 0), kMaskNoData);
  EXPECT_EQ(r.nodata, 1u);
  r = combine_pixel({7, std::numeric_limits<float>::infinity(), kNaN});
  EXPECT_EQ(r.image(0, 0), 7.0f);
}

TEST(CombineKernel, NanInOnePixelLeavesItsNeighboursBitIdentical) {
  std::vector<Image> frames = random_frames(9, 300, 2, 7);
  for (Image& f : frames) {
    for (float& v : f.pixels()) v = std::isnan(v) ? 100.0f : v;
  }
  const CombineResult clean = combine(frames);
  frames[4](17, 1) = kNaN;
  const CombineResult dirty = combine(frames);
  for (std::size_t y = 0; y < 2; ++y) {
    for (std::size_t x = 0; x < 300; ++x) {
      if (x == 17 && y == 1) continue;
      ASSERT_EQ(clean.image(x, y), dirty.image(x, y)) << x << "," << y;
      ASSERT_EQ(clean.uncert(x, y), dirty.uncert(x, y)) << x << "," << y;
    }
  }
}

TEST(CombineKernel, OtherMethods) {
  const std::vector<float> v = {1, 2, 3, 4, 100};
  CombineOptions o;
  o.method = CombineMethod::kMedian;
  CombineResult r = combine_pixel(v, o);
  EXPECT_EQ(r.image(0, 0), 3.0f);
  EXPECT_FLOAT_EQ(r.uncert(0, 0), static_cast<float>(kMadToStd / std::sqrt(5.0)));
  o.method = CombineMethod::kMean;
  EXPECT_FLOAT_EQ(combine_pixel(v, o).image(0, 0), 22.0f);
  o.method = CombineMethod::kMinMax;
  r = combine_pixel(v, o);
  EXPECT_FLOAT_EQ(r.image(0, 0), 3.0f);
  EXPECT_EQ(r.rejected, 2u);
  o.min_reject = 3;
  o.max_reject = 2;
  r = combine_pixel(v, o);
  EXPECT_TRUE(std::isnan(r.image(0, 0)));
  EXPECT_EQ(r.mask(0, 0), kMaskRejected) << "every value rejected";
  o.method = CombineMethod::kWinsorized;
  r = combine_pixel(v, o);
  const double hi = 3.0 + kMadToStd * 5.0;
  EXPECT_FLOAT_EQ(r.image(0, 0), static_cast<float>((10.0 + hi) / 5.0));
  EXPECT_EQ(r.rejected, 1u) << "one value moved onto the bound";
  EXPECT_EQ(parse_combine_method("SigClip"), CombineMethod::kSigmaClip);
  EXPECT_THROW(parse_combine_method("average"), Error);
}

TEST(CombineKernel, MatchesStraightforwardReferenceForEveryStackSize) {
  for (std::size_t n = 1; n <= 13; ++n) {
    const std::vector<Image> frames = random_frames(n, 61, 9, static_cast<unsigned>(n));
    const CombineResult r = combine(frames);
    std::size_t rejected = 0;
    for (std::size_t i = 0; i < r.image.size(); ++i) {
      std::vector<float> column;
      for (const Image& f : frames) column.push_back(f.pixels()[i]);
      const Expected e = reference_sigclip(column, 5.0);
      rejected += e.rejected;
      ASSERT_EQ(r.mask.pixels()[i], e.mask) << "n " << n << " pixel " << i;
      if (e.mask != 0) continue;
      ASSERT_NEAR(r.image.pixels()[i], e.value, 2e-5 * std::abs(e.value)) << n << " " << i;
      ASSERT_NEAR(r.uncert.pixels()[i], e.uncert, 1e-4 * e.uncert + 1e-6) << n << " " << i;
    }
    EXPECT_EQ(r.rejected, rejected) << "n " << n;
  }
}

TEST(CombineKernel, BlocksAndThreadsDoNotChangeTheResult) {
  const std::vector<Image> frames = random_frames(11, 97, 31, 3);
  CombineOptions whole;
  whole.block_rows = 31;
  const CombineResult reference = combine(frames, whole);
  for (std::size_t rows : {1, 4, 7, 30}) {
    CombineOptions o;
    o.block_rows = rows;
    EXPECT_TRUE(same_bits(combine(frames, o), reference)) << rows << " rows per block";
  }
  set_threads(1);
  const CombineResult serial = combine(frames);
  set_threads(0);
  EXPECT_TRUE(same_bits(serial, reference));
}

TEST(CombineKernel, RejectsMismatchedFrames) {
  const std::vector<Image> frames = {Image(3, 2), Image(2, 3)};
  EXPECT_THROW(combine(frames), Error);
  CombineOptions o;
  o.sigma = 0.0;
  EXPECT_THROW(combine_pixel({1, 2}, o), Error);
}

// --- frames on disk --------------------------------------------------------

Header frame_header(const std::string& imagetyp, double exptime, double ccd_temp) {
  Header h;
  h.set("IMAGETYP", imagetyp);
  h.set("TELESCOP", "T20");
  h.set("EXPTIME", exptime);
  h.set("XBINNING", 1);
  h.set("YBINNING", 1);
  h.set("SET-TEMP", -15.0);
  h.set("CCD-TEMP", ccd_temp);
  h.set("UT", "03:04:05");
  return h;
}

// Unsigned 16-bit frames as cameras write them.
void write_u16(const fs::path& path, const std::vector<std::uint16_t>& pixels, std::size_t w,
               std::size_t h, const Header& header) {
  sim::write_uint16_image(path, pixels, w, h, header);
}

FrameHeader frame(const std::string& name, const Header& h, std::size_t w = 10,
                  std::size_t height = 8) {
  return {name, h, w, height};
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(CombineFrames, FindsFitsFilesSortedAndExcludesCaseInsensitively) {
  TempDir dir;
  for (const char* name : {"b2.fits", "a1.FIT", "c3.fts.fz", "d4.fit.gz", "Master_Bias.fit",
                           "MASTER-old.fits", "notes.txt", "e5.fits.bak"}) {
    std::ofstream(dir / name) << "x";
  }
  fs::create_directories(dir / "sub.fits");
  std::vector<std::string> names;
  for (const fs::path& p : find_frames(dir.path())) names.push_back(p.filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"a1.FIT", "b2.fits", "c3.fts.fz", "d4.fit.gz"}));
  names.clear();
  for (const fs::path& p : find_frames(dir.path(), "")) names.push_back(p.filename().string());
  EXPECT_EQ(names.size(), 6u) << "an empty pattern excludes nothing";
  names.clear();
  for (const fs::path& p : find_frames(dir.path(), "*.FIT*"))
    names.push_back(p.filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"c3.fts.fz"}));
  // Explicit files are used as given, directories expanded; duplicates once.
  const auto files = collect_frames({dir / "Master_Bias.fit", dir.path(), dir / "a1.FIT"});
  EXPECT_EQ(files.size(), 5u);
  EXPECT_EQ(files.front().filename(), "Master_Bias.fit");
  EXPECT_NE(message_of([&] { collect_frames({dir / "missing.fit"}); }).find("missing.fit"),
            std::string::npos);
}

TEST(CombineFrames, ConsistencyErrorsNameTheOddFileAndKeyword) {
  std::vector<FrameHeader> frames;
  for (int i = 0; i < 5; ++i) {
    frames.push_back(frame(fmt::format("d/dark-{}.fit", i), frame_header("Dark Frame", 300, -15)));
  }
  EXPECT_NO_THROW(check_consistent(frames, FrameType::kDark));

  auto odd = frames;
  odd[3].header.set("EXPTIME", 60.0);
  EXPECT_EQ(message_of([&] { check_consistent(odd, FrameType::kDark); }),
            "d/dark-3.fit: EXPTIME 60 differs from 300 in the other 4 frames");
  EXPECT_NO_THROW(check_consistent(odd, FrameType::kBias)) << "exposure is checked for darks only";

  odd = frames;
  odd[1].width = 20;
  EXPECT_EQ(message_of([&] { check_consistent(odd, FrameType::kDark); }),
            "d/dark-1.fit: size 20x8 differs from 10x8 in the other 4 frames");

  odd = frames;
  odd[0].header.set("XBINNING", 2);
  odd[4].header.erase("YBINNING");
  const std::string binning = message_of([&] { check_consistent(odd, FrameType::kDark); });
  EXPECT_EQ(binning, "d/dark-0.fit: XBINNING 2 differs from 1 in the other 4 frames");

  odd = frames;
  odd[4].header.erase("SET-TEMP");
  EXPECT_EQ(message_of([&] { check_consistent(odd, FrameType::kDark); }),
            "d/dark-4.fit: SET-TEMP missing differs from -15 in the other 4 frames");

  odd = frames;
  odd[1].header.set("EXPTIME", 60.0);
  odd[2].header.set("EXPTIME", 120.0);
  EXPECT_EQ(message_of([&] { check_consistent(odd, FrameType::kDark); }),
            "d/dark-1.fit (60), d/dark-2.fit (120): EXPTIME differs from 300 in the other 3 "
            "frames");

  std::vector<FrameHeader> flats;
  for (const char* filter : {"Red", "Red", "Green"}) {
    Header h = frame_header("Flat Field", 5, -15);
    h.set("FILTER", filter);
    flats.push_back(frame(fmt::format("flat-{}.fit", flats.size()), h));
  }
  EXPECT_EQ(message_of([&] { check_consistent(flats, FrameType::kFlat); }),
            "flat-2.fit: FILTER 'Green' differs from 'Red' in the other 2 frames");
}

TEST(CombineFrames, TemperatureSelection) {
  std::vector<FrameHeader> frames;
  for (double t : {-15.0, -14.5, -15.6, -13.0, -15.2}) {
    frames.push_back(frame("f.fit", frame_header("Bias Frame", 0, t)));
  }
  frames[2].header.erase("CCD-TEMP");
  TemperatureSelection s = select_by_temperature(frames, 0.5);
  ASSERT_TRUE(s.reference);
  EXPECT_EQ(*s.reference, -15.0);
  EXPECT_EQ(s.kept, (std::vector<std::size_t>{0, 1, 2, 4})) << "-14.5 is on the bound: kept";
  EXPECT_EQ(s.dropped, (std::vector<std::size_t>{3}));
  EXPECT_EQ(s.unknown, (std::vector<std::size_t>{2}));
  // Without SET-TEMP the reference is the median CCD-TEMP.
  for (auto& f : frames) f.header.erase("SET-TEMP");
  s = select_by_temperature(frames, 0.5);
  EXPECT_DOUBLE_EQ(*s.reference, (-15.0 + -14.5) / 2);
  // Without any temperature nothing is dropped.
  for (auto& f : frames) f.header.erase("CCD-TEMP");
  s = select_by_temperature(frames, 0.5);
  EXPECT_FALSE(s.reference);
  EXPECT_EQ(s.kept.size(), 5u);
}

TEST(CombineFrames, FrameTypes) {
  EXPECT_EQ(frame_type_of("Bias Frame"), FrameType::kBias);
  EXPECT_EQ(frame_type_of("zero"), FrameType::kBias);
  EXPECT_EQ(frame_type_of("DARK"), FrameType::kDark);
  EXPECT_EQ(frame_type_of("Flat Field"), FrameType::kFlat);
  EXPECT_EQ(frame_type_of("Light Frame"), FrameType::kOther);
  EXPECT_EQ(parse_frame_type("Flat"), FrameType::kFlat);
  EXPECT_THROW(parse_frame_type("sky"), Error);
}

// Writes n bias frames (level + pixel index pattern) with the given CCD-TEMPs.
std::vector<fs::path> write_biases(const TempDir& dir, const std::vector<double>& temps,
                                   double pedestal = 0.0) {
  std::vector<fs::path> files;
  const std::size_t w = 20, h = 12;
  for (std::size_t i = 0; i < temps.size(); ++i) {
    std::vector<std::uint16_t> pixels(w * h);
    for (std::size_t p = 0; p < pixels.size(); ++p) {
      pixels[p] = static_cast<std::uint16_t>(1000 + p % 7 + (p == 5 && i == 1 ? 5000 : 0));
    }
    Header header = frame_header("Bias Frame", 0, temps[i]);
    if (pedestal != 0.0) header.set("PEDESTAL", pedestal);
    files.push_back(dir / fmt::format("bias-{:02d}.fit", i));
    write_u16(files.back(), pixels, w, h, header);
  }
  return files;
}

TEST(CombineMaster, DropsFramesOutsideTheTemperatureTolerance) {
  TempDir dir;
  const auto files = write_biases(dir, {-15.0, -15.1, -12.0, -14.9});
  const MasterResult m = make_master(files, {});
  EXPECT_EQ(m.type, FrameType::kBias);
  EXPECT_EQ(m.used, (std::vector<fs::path>{files[0], files[1], files[3]}));
  EXPECT_EQ(m.dropped, (std::vector<fs::path>{files[2]}));
  EXPECT_EQ(m.header.get("NCOMBINE", 0), 3);
  EXPECT_EQ(m.header.get("IFILE002", ""), "bias-03.fit");
  EXPECT_FALSE(m.header.has("IFILE003"));
  EXPECT_EQ(m.image(3, 0), 1003.0f);
  EXPECT_EQ(m.image(5, 0), 1005.0f) << "the outlier of frame 1 is rejected";

  MasterOptions strict;
  strict.temp_tolerance = 0.05;
  EXPECT_NE(message_of([&] { make_master(files, strict); }).find("only 1 of 4 frames"),
            std::string::npos);
  EXPECT_NE(message_of([&] { make_master({files[0]}, {}); }).find("at least 2 frames"),
            std::string::npos);
}

TEST(CombineMaster, AppliesPedestalAndWritesNoPedestal) {
  TempDir dir;
  const auto files = write_biases(dir, {-15.0, -15.0, -15.0}, -100.0);
  const MasterResult m = make_master(files, {});
  EXPECT_EQ(m.image(3, 0), 903.0f) << "stored 1003 + PEDESTAL -100";
  const fs::path out = dir / "master.fits";
  FitsWriter w(out, files);
  w.add_image(m.image, m.header);
  w.commit();
  EXPECT_FALSE(read_hdu_list(out)[0].header.has("PEDESTAL"));
  EXPECT_EQ(read_image(out).image(3, 0), 903.0f);
}

// Noise-free flats: bias + scaled dark + level * response.
struct FlatSet {
  std::vector<fs::path> files;
  fs::path bias, dark;
  Image response;
};

FlatSet write_flats(const TempDir& dir, bool dark_holds_bias) {
  const std::size_t w = 40, h = 30;
  FlatSet s;
  s.response = Image(w, h);
  Image bias(w, h), thermal(w, h);
  for (std::size_t y = 0; y < h; ++y) {
    for (std::size_t x = 0; x < w; ++x) {
      s.response(x, y) = 0.8f + 0.4f * static_cast<float>(x * h + y) / float(w * h);
      bias(x, y) = 500.0f + static_cast<float>(x % 5);
      thermal(x, y) = 10.0f + static_cast<float>(y % 3);  // per 100 s
    }
  }
  Header bh = frame_header("Bias Frame", 0, -15);
  s.bias = dir / "mbias.fits";
  write_image(s.bias, bias, bh);
  Header dh = frame_header("Dark Frame", 100, -15);
  Image dark = thermal;
  if (dark_holds_bias) {
    for (std::size_t i = 0; i < dark.size(); ++i) dark.pixels()[i] += bias.pixels()[i];
    dh.set("CALSTAT", "M");
  } else {
    dh.set("CALSTAT", "BM");
  }
  s.dark = dir / "mdark.fits";
  write_image(s.dark, dark, dh);
  const double exposures[] = {10.0, 20.0, 40.0};
  const double levels[] = {20000.0, 10000.0, 30000.0};
  for (int i = 0; i < 3; ++i) {
    Image f(w, h);
    for (std::size_t p = 0; p < f.size(); ++p) {
      f.pixels()[p] =
          static_cast<float>(bias.pixels()[p] + thermal.pixels()[p] * exposures[i] / 100 +
                             levels[i] * s.response.pixels()[p]);
    }
    Header fh = frame_header("Flat Field", exposures[i], -15);
    fh.set("FILTER", "Red");
    s.files.push_back(dir / fmt::format("flat-{}.fits", i));
    write_image(s.files.back(), f, fh);
  }
  return s;
}

void expect_normalised_response(const MasterResult& m, const Image& response) {
  const double med = median(response.pixels());
  for (std::size_t p = 0; p < response.size(); ++p) {
    ASSERT_NEAR(m.image.pixels()[p], response.pixels()[p] / med, 2e-5) << p;
  }
  EXPECT_NEAR(median(m.image.pixels()), 1.0, 1e-6);
}

TEST(CombineMaster, FlatsAreCorrectedScaledAndNormalised) {
  TempDir dir;
  for (bool dark_holds_bias : {false, true}) {
    const FlatSet s = write_flats(dir, dark_holds_bias);
    MasterOptions o;
    o.bias = s.bias;
    o.dark = s.dark;
    const MasterResult m = make_master(s.files, o);
    EXPECT_EQ(m.type, FrameType::kFlat);
    expect_normalised_response(m, s.response);
    EXPECT_EQ(m.header.get("IMAGETYP", ""), "MASTER FLAT");
    EXPECT_EQ(m.header.get("CALSTAT", ""), "BDM");
    EXPECT_EQ(m.header.get("DARKFILE", ""), "mdark.fits");
    EXPECT_FALSE(m.header.has("BUNIT"));
  }
  // A dark that still holds the bias cannot be scaled without the bias master.
  const FlatSet s = write_flats(dir, true);
  MasterOptions o;
  o.dark = s.dark;
  EXPECT_NE(message_of([&] { make_master(s.files, o); }).find("mdark.fits: CALSTAT 'M'"),
            std::string::npos);
  o.type = FrameType::kBias;
  o.dark.clear();
  o.bias = s.bias;
  EXPECT_EQ(message_of([&] { make_master(s.files, o); }), "--bias applies to darks and flats only");
}

// --- the command line --------------------------------------------------------

TEST(CombineCli, WritesImageMaskAndUncertaintyWithTheMasterKeywords) {
  TempDir dir;
  const auto files = write_biases(dir, {-15.0, -15.0, -15.2, -14.8, -15.0});
  const fs::path out = dir / "Master_Bias.fits";
  const auto r =
      run_ap(fmt::format("combine --telescop=X '{}' '{}'", dir.path().string(), out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto hdus = read_hdu_list(out);
  ASSERT_EQ(hdus.size(), 3u);
  EXPECT_EQ(hdus[0].bitpix, -32);
  EXPECT_EQ(hdus[0].bzero, 0.0);
  EXPECT_EQ(hdus[1].extname, "MASK");
  EXPECT_EQ(hdus[1].bitpix, 8);
  EXPECT_EQ(hdus[2].extname, "UNCERT");
  EXPECT_EQ(hdus[2].bitpix, -32);
  EXPECT_EQ(hdus[2].header.get("UTYPE", ""), "StdDevUncertainty");
  const Header& h = hdus[0].header;
  EXPECT_EQ(h.get("IMAGETYP", ""), "MASTER BIAS");
  EXPECT_EQ(h.get("TELESCOP", ""), "T20");
  EXPECT_EQ(h.get("BUNIT", ""), "adu");
  EXPECT_TRUE(h.get("COMBINED", false));
  EXPECT_EQ(h.get("NCOMBINE", 0), 5);
  EXPECT_EQ(h.get("SET-TEMP", 0.0), -15.0);
  EXPECT_EQ(h.get("CCD-TEMP", 0.0), -15.0);
  EXPECT_EQ(h.get("IFILE000", ""), "bias-00.fit");
  EXPECT_EQ(h.get("IFILE004", ""), "bias-04.fit");
  EXPECT_NE(h.get("CREATOR", "").find("combine"), std::string::npos);
  EXPECT_FALSE(h.has("UT"));
  EXPECT_TRUE(h.has("DATE"));
  std::string history;
  for (const std::string& line : h.history()) history += line;
  EXPECT_NE(history.find("combine: --telescop=X"), std::string::npos) << history;
  EXPECT_EQ(read_image(out).image(5, 0), 1005.0f);
  EXPECT_EQ(read_mask(out, "MASK")(5, 0), 0);

  // The original script name, and a second run that must skip the master (default exclude).
  const fs::path alias = dir / "ap_combine_darks";
  fs::create_symlink(AP_BINARY, alias);
  const auto again = test::run(alias.string(), fmt::format("'{}' '{}'", dir.path().string(),
                                                           (dir / "second.fits").string()));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_hdu_list(dir / "second.fits")[0].header.get("NCOMBINE", 0), 5);
}

TEST(CombineCli, BadInputGivesOneLineErrorAndNoOutput) {
  TempDir dir;
  const auto files = write_biases(dir, {-15.0, -15.0, -15.0});
  Header odd = frame_header("Bias Frame", 0, -15.0);
  odd.set("XBINNING", 2);
  write_u16(dir / "bias-99.fit", std::vector<std::uint16_t>(20 * 12, 1000), 20, 12, odd);
  const fs::path out = dir / "out" / "master.fits";
  fs::create_directories(out.parent_path());
  auto r = run_ap(fmt::format("combine '{}' '{}'", dir.path().string(), out.string()));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("bias-99.fit: XBINNING 2 differs from 1"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(out.parent_path()));

  r = run_ap(fmt::format("combine '{}' '{}'", files[0].string(), out.string()));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("at least 2 frames"), std::string::npos) << r.err;
  r = run_ap(fmt::format("combine '{}' '{}'", (dir / "out").string(), out.string()));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no FITS frames"), std::string::npos) << r.err;
  r = run_ap(fmt::format("combine --method=average '{}' '{}'", dir.path().string(), out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(fs::is_empty(out.parent_path()));
}

// --- against ccdproc ---------------------------------------------------------

TEST(CombinePeer, MatchesCcdprocCombineWithinOneThousandthAdu) {
  TempDir dir;
  const std::size_t w = 200, h = 150;
  std::mt19937 rng(2024);
  std::normal_distribution<double> noise(0.0, 10.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<fs::path> files;
  for (int i = 0; i < 5; ++i) {
    std::vector<std::uint16_t> pixels(w * h);
    for (std::size_t p = 0; p < pixels.size(); ++p) {
      // Low noise in the top rows gives many ties (MAD 0); outliers both ways.
      const double sigma = p / w < 20 ? 0.2 : 1.0;
      double v = 1000.0 + 0.05 * double(p % w) + sigma * noise(rng);
      const double u = unit(rng);
      if (u < 0.02) v += 2000.0 + 30000.0 * unit(rng);
      if (u > 0.99) v -= 500.0;
      pixels[p] = static_cast<std::uint16_t>(std::lround(v));
    }
    files.push_back(dir / fmt::format("bias-{}.fit", i));
    write_u16(files.back(), pixels, w, h, frame_header("Bias Frame", 0, -15.0));
  }
  const fs::path ours = dir / "ours.fits", theirs = dir / "ccdproc.fits";
  const auto r = run_ap(fmt::format("combine '{}' '{}'", dir.path().string(), ours.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path script = test::peer_script("ccdproc_combine.py");
  std::string args = fmt::format("'{}' '{}'", script.string(), theirs.string());
  for (const fs::path& f : files) args += fmt::format(" '{}'", f.string());
  const auto peer = test::run("/usr/bin/python3", args);
  ASSERT_EQ(peer.exit_code, 0) << "ccdproc peer failed (the setup installs python3-ccdproc): "
                               << peer.err;
  const Image a = read_image(ours).image, b = read_image(theirs).image;
  const Image ua = read_image(ours, {"UNCERT"}).image, ub = read_image(theirs, {"UNCERT"}).image;
  const Mask ma = read_mask(ours, "MASK"), mb = read_mask(theirs, "MASK");
  double worst = 0.0, worst_uncert = 0.0;
  for (std::size_t p = 0; p < a.size(); ++p) {
    worst = std::max(worst, double(std::abs(a.pixels()[p] - b.pixels()[p])));
    worst_uncert = std::max(worst_uncert, double(std::abs(ua.pixels()[p] - ub.pixels()[p])));
    ASSERT_EQ(ma.pixels()[p] != 0, mb.pixels()[p] != 0) << p;
  }
  EXPECT_LE(worst, 1e-3);
  EXPECT_LE(worst_uncert, 1e-3);
}

}  // namespace
}  // namespace ap
