// ap::Wcs against pixel/sky pairs computed independently with astropy.
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/wcs.h"

namespace ap {
namespace {

struct Keyword {
  const char* key;
  Header::Value value;
};

// A 0-based pixel position and the sky position it maps to.
struct Truth {
  double x, y, ra, dec;
};

Header make_header(std::initializer_list<Keyword> keywords) {
  Header h;
  h.set("OBJECT", "M 42");
  h.set("EXPTIME", Header::Value(300.0));
  for (const auto& k : keywords) h.set(k.key, k.value);
  return h;
}

// The truth tables below come from astropy 5.2.1 (/usr/bin/python3):
//   WCS(header).all_pix2world(pixels, 0)
// with the header built from the same keywords. The points are the four
// corners of the image, its centre and one inner point. Astropy evaluates SIP
// with its own code, independent of wcslib's.

Header tan_header() {  // 2048 x 1536
  return make_header({{"CTYPE1", "RA---TAN"}, {"CTYPE2", "DEC--TAN"},
                      {"CRPIX1", 1024.5},     {"CRPIX2", 768.5},
                      {"CRVAL1", 150.1},      {"CRVAL2", 2.2},
                      {"CD1_1", -2.1e-4},     {"CD1_2", 3.0e-5},
                      {"CD2_1", 2.8e-5},      {"CD2_2", 2.05e-4}});
}
const std::vector<Truth> kTanTruth = {
    {0.0, 0.0, 150.29202689173718, 2.013993851444506},
    {2047.0, 0.0, 149.8618863891541, 2.0713028448333213},
    {0.0, 1535.0, 150.33815470187085, 2.3286591893080923},
    {2047.0, 1535.0, 149.90792520817408, 2.3859814550649086},
    {1023.5, 767.5, 150.1, 2.200000000000003},
    {123.25, 456.75, 150.279851261427, 2.111078930187432},
};

Header sip_header() {  // 2048 x 1536; the distortion reaches several pixels at the corners
  return make_header(
      {{"CTYPE1", "RA---TAN-SIP"}, {"CTYPE2", "DEC--TAN-SIP"}, {"CRPIX1", 1024.5},
       {"CRPIX2", 768.5},          {"CRVAL1", 83.8},           {"CRVAL2", -5.4},
       {"CD1_1", -3.1e-4},         {"CD1_2", 2.0e-5},          {"CD2_1", 1.8e-5},
       {"CD2_2", 3.05e-4},         {"A_ORDER", std::int64_t{3}}, {"A_2_0", 4.0e-6},
       {"A_1_1", -2.5e-6},         {"A_0_2", 1.5e-6},          {"A_3_0", 3.0e-9},
       {"A_1_2", -1.0e-9},         {"B_ORDER", std::int64_t{3}}, {"B_2_0", -1.2e-6},
       {"B_1_1", 3.3e-6},          {"B_0_2", -2.0e-6},         {"B_0_3", 2.5e-9},
       {"B_2_1", 1.5e-9},          {"AP_ORDER", std::int64_t{2}}, {"AP_2_0", -4.0e-6},
       {"AP_1_1", 2.5e-6},         {"AP_0_2", -1.5e-6},        {"BP_ORDER", std::int64_t{2}},
       {"BP_2_0", 1.2e-6},         {"BP_1_1", -3.3e-6},        {"BP_0_2", 2.0e-6}});
}
const std::vector<Truth> kSipTruth = {
    {0.0, 0.0, 84.10320645599978, -5.653085914742981},
    {2047.0, 0.0, 83.46261171933524, -5.617638881394638},
    {0.0, 1535.0, 84.13256454317646, -5.184990823759863},
    {2047.0, 1535.0, 83.4951172299461, -5.146555186044432},
    {1023.5, 767.5, 83.8, -5.400000000000006},
    {123.25, 456.75, 84.0739307900861, -5.51112203419894},
};

Header zea_header() {  // 1000 x 800, rotated by 10 degrees
  return make_header({{"CTYPE1", "RA---ZEA"},
                      {"CTYPE2", "DEC--ZEA"},
                      {"CRPIX1", 500.5},
                      {"CRPIX2", 400.5},
                      {"CRVAL1", 45.0},
                      {"CRVAL2", 60.0},
                      {"CDELT1", -0.01},
                      {"CDELT2", 0.01},
                      {"PC1_1", 0.984807753012208},
                      {"PC1_2", -0.17364817766693},
                      {"PC2_1", 0.17364817766693},
                      {"PC2_2", 0.984807753012208}});
}
const std::vector<Truth> kZeaTruth = {
    {0.0, 0.0, 52.368973775738525, 54.96405065464187},
    {999.0, 0.0, 34.7920012611593, 56.502189145838294},
    {0.0, 799.0, 57.246956273684, 62.54230935419833},
    {999.0, 799.0, 35.15781015842454, 64.48419211094226},
    {499.5, 399.5, 45.0, 60.0},
    {123.25, 456.75, 52.55737595590965, 59.69299567275698},
};

Header tpv_header() {  // 2048 x 1536, TPV polynomial up to third order
  return make_header(
      {{"CTYPE1", "RA---TPV"}, {"CTYPE2", "DEC--TPV"}, {"CRPIX1", 1024.5},  {"CRPIX2", 768.5},
       {"CRVAL1", 210.5},      {"CRVAL2", 54.3},       {"CD1_1", -3.0e-4},  {"CD1_2", 1.0e-5},
       {"CD2_1", -1.2e-5},     {"CD2_2", 3.0e-4},      {"PV1_0", 1.0e-4},   {"PV1_1", 1.0005},
       {"PV1_2", 2.0e-4},      {"PV1_4", 3.0e-3},      {"PV1_5", -2.0e-3},  {"PV1_6", 1.0e-3},
       {"PV1_7", 2.0e-2},      {"PV1_9", -1.0e-2},     {"PV2_0", -2.0e-4},  {"PV2_1", 0.9995},
       {"PV2_2", -3.0e-4},     {"PV2_4", -1.5e-3},     {"PV2_5", 2.5e-3},   {"PV2_6", -1.0e-3},
       {"PV2_7", 1.5e-2},      {"PV2_10", -5.0e-3}});
}
const std::vector<Truth> kTpvTruth = {
    {0.0, 0.0, 211.01209164439643, 54.08015147544366},
    {2047.0, 0.0, 209.96325757473468, 54.05623579254964},
    {0.0, 1535.0, 211.04414466062684, 54.54095556833018},
    {2047.0, 1535.0, 209.98433505798613, 54.516616419078744},
    {1023.5, 767.5, 210.50017136667003, 54.29979999987856},
    {123.25, 456.75, 210.95800991132614, 54.216230817375695},
};

constexpr double kSkyTolDeg = 1e-9;
constexpr double kPixelTol = 1e-8;

Wcs read(const Header& h) {
  auto wcs = Wcs::from_header(h);
  EXPECT_TRUE(wcs.has_value());
  return wcs ? *wcs : Wcs::tan({0, 0}, {0, 0}, {1, 0, 0, 1});
}

void expect_truth(const Wcs& wcs, const std::vector<Truth>& truth) {
  for (const auto& t : truth) {
    SCOPED_TRACE("pixel " + std::to_string(t.x) + "," + std::to_string(t.y));
    const SkyCoord s = wcs.pixel_to_sky({t.x, t.y});
    EXPECT_NEAR(s.ra, t.ra, kSkyTolDeg);
    EXPECT_NEAR(s.dec, t.dec, kSkyTolDeg);
    const PixelCoord back = wcs.sky_to_pixel(s);
    EXPECT_NEAR(back.x, t.x, kPixelTol);
    EXPECT_NEAR(back.y, t.y, kPixelTol);
    const PixelCoord from_truth = wcs.sky_to_pixel({t.ra, t.dec});
    EXPECT_NEAR(from_truth.x, t.x, kPixelTol);
    EXPECT_NEAR(from_truth.y, t.y, kPixelTol);
  }
}

// Both transforms agree on a grid covering (and exceeding) a 2048 x 1536 frame.
void expect_same_transforms(const Wcs& a, const Wcs& b) {
  for (double y = -100; y <= 1700; y += 450) {
    for (double x = -100; x <= 2200; x += 575) {
      const SkyCoord sa = a.pixel_to_sky({x, y});
      const SkyCoord sb = b.pixel_to_sky({x, y});
      EXPECT_NEAR(sa.ra, sb.ra, 1e-12) << x << "," << y;
      EXPECT_NEAR(sa.dec, sb.dec, 1e-12) << x << "," << y;
      const PixelCoord pb = b.sky_to_pixel(sa);
      EXPECT_NEAR(pb.x, x, kPixelTol);
      EXPECT_NEAR(pb.y, y, kPixelTol);
    }
  }
}

TEST(WcsTruth, TanMatchesAstropy) { expect_truth(read(tan_header()), kTanTruth); }

TEST(WcsTruth, TanSipMatchesAstropy) {
  const Wcs sip = read(sip_header());
  expect_truth(sip, kSipTruth);
  // The test can tell SIP from plain TAN: at the corner they differ by 2 pixels.
  const Wcs plain = Wcs::tan({1024.5, 768.5}, {83.8, -5.4}, {-3.1e-4, 2.0e-5, 1.8e-5, 3.05e-4});
  const SkyCoord s = plain.pixel_to_sky({0, 0});
  EXPECT_GT(std::hypot(s.ra - kSipTruth[0].ra, s.dec - kSipTruth[0].dec), 5e-4);
}

TEST(WcsTruth, ZeaMatchesAstropy) { expect_truth(read(zea_header()), kZeaTruth); }

TEST(WcsTruth, TpvMatchesAstropy) { expect_truth(read(tpv_header()), kTpvTruth); }

TEST(WcsTruth, TanFactoryMatchesHeader) {
  const Wcs wcs = Wcs::tan({1024.5, 768.5}, {150.1, 2.2}, {-2.1e-4, 3.0e-5, 2.8e-5, 2.05e-4});
  expect_truth(wcs, kTanTruth);
  // sqrt(|det CD|) * 3600 = sqrt(2.1e-4 * 2.05e-4 + 3.0e-5 * 2.8e-5) * 3600
  EXPECT_NEAR(wcs.pixel_scale_arcsec(), 0.7541978520255809, 1e-12);
}

TEST(WcsTruth, PixelScaleUsesCdeltAndPc) {
  // ZEA: 0.01 deg/px times a rotation matrix.
  EXPECT_NEAR(read(zea_header()).pixel_scale_arcsec(), 36.0, 1e-9);
  // CDELT alone (unit PC): 1.5 and 2.5 arcsec per pixel, CRPIX 1 is our pixel 0.
  const Wcs cdelt = read(make_header({{"CTYPE1", "RA---TAN"},
                                      {"CTYPE2", "DEC--TAN"},
                                      {"CRPIX1", 1.0},
                                      {"CRPIX2", 1.0},
                                      {"CRVAL1", 10.0},
                                      {"CRVAL2", 20.0},
                                      {"CDELT1", -1.5 / 3600},
                                      {"CDELT2", 2.5 / 3600}}));
  EXPECT_NEAR(cdelt.pixel_scale_arcsec(), std::sqrt(1.5 * 2.5), 1e-12);
  const SkyCoord s = cdelt.pixel_to_sky({0, 0});
  EXPECT_NEAR(s.ra, 10.0, 1e-12);
  EXPECT_NEAR(s.dec, 20.0, 1e-12);
  // CROTA2 rotates without changing the scale.
  const Wcs rotated = read(make_header({{"CTYPE1", "RA---TAN"},
                                        {"CTYPE2", "DEC--TAN"},
                                        {"CDELT1", -1.0 / 3600},
                                        {"CDELT2", 1.0 / 3600},
                                        {"CROTA2", 30.0}}));
  EXPECT_NEAR(rotated.pixel_scale_arcsec(), 1.0, 1e-12);
}

TEST(WcsHeader, NoCelestialWcsGivesNullopt) {
  EXPECT_FALSE(Wcs::from_header(Header{}).has_value());
  EXPECT_FALSE(Wcs::from_header(make_header({})).has_value());
  EXPECT_FALSE(Wcs::from_header(make_header({{"CRPIX1", 10.0}, {"CDELT1", 2.0}})).has_value());
  EXPECT_FALSE(Wcs::from_header(make_header({{"CTYPE1", "LINEAR"}, {"CTYPE2", "LINEAR"}}))
                   .has_value());
}

void expect_bad_input(const Header& h, const std::string& text) {
  try {
    (void)Wcs::from_header(h);
    ADD_FAILURE() << "no error for " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    const std::string what = e.what();
    EXPECT_TRUE(what.starts_with("invalid WCS: ")) << what;
    EXPECT_NE(what.find(text), std::string::npos) << what;
  }
}

TEST(WcsHeader, InvalidWcsThrows) {
  Header h = tan_header();
  h.set("CTYPE1", "RA---XYZ");
  h.set("CTYPE2", "DEC--XYZ");
  expect_bad_input(h, "XYZ");

  Header half = tan_header();
  half.erase("CTYPE2");
  expect_bad_input(half, "celestial");

  Header singular = tan_header();
  singular.set("CD2_1", Header::Value(-2.1e-4));
  singular.set("CD2_2", Header::Value(3.0e-5));
  expect_bad_input(singular, "singular");
}

TEST(WcsHeader, EraseRemovesOnlyWcsCards) {
  Header h = sip_header();
  h.set("CROTA2", Header::Value(1.5));
  h.set("LONPOLE", Header::Value(180.0));
  h.set("RADESYS", "ICRS");
  h.set("DP1", "NAXES: 2");
  h.set("MJDREF", Header::Value(0.0));
  h.set("DATE-OBS", "2024-01-02T03:04:05");
  h.set("CCD-TEMP", Header::Value(-10.0));
  Wcs::erase_from(h);
  std::vector<std::string> keys;
  for (const auto& card : h.cards()) keys.push_back(card.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"OBJECT", "EXPTIME", "MJDREF", "DATE-OBS",
                                            "CCD-TEMP"}));
}

void expect_header_round_trip(const Header& original) {
  const Wcs wcs = read(original);
  Header out;
  out.set("OBJECT", "NGC 6888");
  out.set("CROTA2", Header::Value(45.0));  // stale WCS cards are replaced, not mixed in
  out.set("A_9_0", Header::Value(1.0));
  wcs.to_header(out);
  EXPECT_EQ(out.get_string("OBJECT"), "NGC 6888");
  EXPECT_FALSE(out.has("CROTA2"));
  EXPECT_FALSE(out.has("A_9_0"));
  EXPECT_FALSE(out.has("MJDREF"));  // written by wcshdo, but not a WCS card of ours
  expect_same_transforms(wcs, read(out));
}

TEST(WcsHeader, RoundTripTan) { expect_header_round_trip(tan_header()); }
TEST(WcsHeader, RoundTripZea) { expect_header_round_trip(zea_header()); }
TEST(WcsHeader, RoundTripTpv) { expect_header_round_trip(tpv_header()); }

TEST(WcsHeader, RoundTripSipWritesSipKeywords) {
  expect_header_round_trip(sip_header());
  Header out;
  read(sip_header()).to_header(out);
  // Native SIP cards, readable by astropy and ds9 (not Paper IV DPj records).
  EXPECT_EQ(out.get_string("CTYPE1"), "RA---TAN-SIP");
  EXPECT_EQ(out.get_string("CTYPE2"), "DEC--TAN-SIP");
  EXPECT_EQ(out.get_int("A_ORDER"), 3);
  EXPECT_EQ(out.get_int("BP_ORDER"), 2);
  EXPECT_EQ(out.get_double("A_2_0"), 4.0e-6);
  EXPECT_EQ(out.get_double("B_0_3"), 2.5e-9);
  EXPECT_EQ(out.get_double("AP_1_1"), 2.5e-6);
  EXPECT_FALSE(out.has("DP1"));
  EXPECT_FALSE(out.has("CPDIS1"));
}

TEST(WcsCopy, CopiesAreIndependent) {
  auto original = std::make_unique<Wcs>(read(sip_header()));
  Wcs copy(*original);
  Wcs assigned = Wcs::tan({1, 1}, {0, 0}, {1e-3, 0, 0, 1e-3});
  assigned = *original;
  original.reset();  // the copies own their own wcslib structs, distortion included
  expect_truth(copy, kSipTruth);
  expect_truth(assigned, kSipTruth);
  Wcs moved(std::move(copy));
  expect_truth(moved, kSipTruth);
  assigned = read(tpv_header());
  expect_truth(assigned, kTpvTruth);
  expect_truth(moved, kSipTruth);
}

TEST(WcsCopy, OneCopyPerThread) {
  const Wcs wcs = read(sip_header());
  constexpr std::size_t kN = 20000;
  std::vector<double> x(kN), y(kN);
  for (std::size_t i = 0; i < kN; ++i) {
    x[i] = static_cast<double>(i % 200) * 10.0;
    y[i] = static_cast<double>(i / 200) * 15.0;
  }
  std::vector<double> ra(kN), dec(kN);
  wcs.pixel_to_sky(x, y, ra, dec);
  std::vector<std::vector<double>> ras(2, std::vector<double>(kN));
  std::vector<std::vector<double>> decs = ras;
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 2; ++t) {
    threads.emplace_back([&, t, local = wcs] { local.pixel_to_sky(x, y, ras[t], decs[t]); });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ras[0], ra);
  EXPECT_EQ(decs[1], dec);
  EXPECT_EQ(ras[1], ra);
  EXPECT_EQ(decs[0], dec);
}

TEST(WcsArrays, EqualSinglePoints) {
  const Wcs wcs = read(sip_header());
  // More points than one wcslib block (4096), so block boundaries are crossed.
  constexpr std::size_t kN = 9001;
  std::vector<double> x(kN), y(kN), ra(kN), dec(kN), bx(kN), by(kN);
  for (std::size_t i = 0; i < kN; ++i) {
    x[i] = -50.0 + 0.37 * static_cast<double>(i % 6000);
    y[i] = -30.0 + 0.19 * static_cast<double>(i);
  }
  wcs.pixel_to_sky(x, y, ra, dec);
  wcs.sky_to_pixel(ra, dec, bx, by);
  for (std::size_t i = 0; i < kN; ++i) {
    const SkyCoord s = wcs.pixel_to_sky({x[i], y[i]});
    ASSERT_EQ(s.ra, ra[i]) << i;
    ASSERT_EQ(s.dec, dec[i]) << i;
    const PixelCoord p = wcs.sky_to_pixel(s);
    ASSERT_EQ(p.x, bx[i]) << i;
    ASSERT_EQ(p.y, by[i]) << i;
    ASSERT_NEAR(p.x, x[i], kPixelTol) << i;
    ASSERT_NEAR(p.y, y[i], kPixelTol) << i;
  }
}

TEST(WcsArrays, FailedPointsAreNaN) {
  const Wcs wcs = read(tan_header());
  // The antipode of the tangent point has no gnomonic projection.
  const std::vector<double> ra = {150.1, 330.1, 150.2};
  const std::vector<double> dec = {2.2, -2.2, 2.3};
  std::vector<double> x(3), y(3);
  wcs.sky_to_pixel(ra, dec, x, y);
  EXPECT_NEAR(x[0], 1023.5, kPixelTol);
  EXPECT_TRUE(std::isnan(x[1]) && std::isnan(y[1]));
  EXPECT_TRUE(std::isfinite(x[2]) && std::isfinite(y[2]));
  EXPECT_TRUE(std::isnan(wcs.sky_to_pixel({330.1, -2.2}).x));
  std::vector<double> short_out(2);
  EXPECT_THROW(wcs.sky_to_pixel(ra, dec, x, short_out), Error);
}

}  // namespace
}  // namespace ap
