// iTelescope names and the site/telescope table.
#include <gtest/gtest.h>

#include "core/error.h"
#include "itelescope/names.h"
#include "itelescope/telescopes.h"

namespace ap::itelescope {
namespace {

TEST(ITelescopeNames, ParsesTheReferenceExample) {
  const auto n =
      parse_raw_light_name("raw-T05-davestrickland-NGC_6888-20200716-231744-Ha-BIN1-E-180-001.fit");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->prefix, "raw");
  EXPECT_EQ(n->telescope, "T05");
  EXPECT_EQ(n->observer, "davestrickland");
  EXPECT_EQ(n->target, "NGC_6888");
  EXPECT_EQ(n->date, "20200716");
  EXPECT_EQ(n->time, "231744");
  EXPECT_EQ(n->filter, "Ha");
  EXPECT_EQ(n->binning, 1);
  EXPECT_EQ(n->pier, "E");
  EXPECT_DOUBLE_EQ(n->exposure_s, 180.0);
  EXPECT_EQ(n->sequence, 1);
  EXPECT_EQ(n->extension, ".fit");
}

TEST(ITelescopeNames, RawLightNamesRoundTrip) {
  RawLightName n;
  n.telescope = "T20";
  n.observer = "dave strickland";  // spaces become '_'
  n.target = "Cygnus Loop_x2_y3";
  n.date = "20210708";
  n.time = "220604";
  n.filter = "Ha";
  n.binning = 2;
  n.pier = "W";
  n.exposure_s = 0.5;
  n.sequence = 12;
  const std::string text = format_raw_light_name(n);
  EXPECT_EQ(text,
            "raw-T20-dave_strickland-Cygnus_Loop_x2_y3-20210708-220604-Ha-BIN2-W-0.5-012.fit");
  const auto back = parse_raw_light_name(text);
  ASSERT_TRUE(back.has_value());
  RawLightName expected = n;
  expected.observer = "dave_strickland";
  expected.target = "Cygnus_Loop_x2_y3";
  EXPECT_EQ(*back, expected);
  EXPECT_EQ(format_raw_light_name(*back), text);
}

TEST(ITelescopeNames, TargetsWithDashesAndDerivedPrefixesParse) {
  const auto n =
      parse_raw_light_name("cal-T05-obs-HE_2300-0630-20210214-031500-Red-BIN1-E-300-004.fits.fz");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->prefix, "cal");
  EXPECT_EQ(n->target, "HE_2300-0630");
  EXPECT_EQ(n->extension, ".fits.fz");
  EXPECT_EQ(n->sequence, 4);
}

TEST(ITelescopeNames, RejectsOtherNames) {
  EXPECT_FALSE(parse_raw_light_name(
      "raw-T05-obs-M82-2020071-231744-Ha-BIN1-E-180-001.fit"));  // 7-digit date
  EXPECT_FALSE(
      parse_raw_light_name("raw-T05-obs-M82-20200716-231744-Ha-BIN1-X-180-001.fit"));  // pier
  EXPECT_FALSE(parse_raw_light_name("raw-T05-obs-M82-20200716-231744-Ha-BIN1-E-180-001.txt"));
  EXPECT_FALSE(parse_raw_light_name("Master_Bias_1_2184x1472_Bin1x1_Temp-10C_ExpTime0ms.fit"));
}

TEST(ITelescopeNames, MosaicSuffixes) {
  const MosaicTarget m = split_mosaic("CygnusLoop_x1_y4");
  EXPECT_EQ(m.base, "CygnusLoop");
  EXPECT_EQ(m.panel_x, 1);
  EXPECT_EQ(m.panel_y, 4);
  EXPECT_EQ(format_mosaic(m), "CygnusLoop_x1_y4");
  const MosaicTarget spaced = split_mosaic("Cygnus Loop x2 y1");
  EXPECT_EQ(spaced.base, "Cygnus Loop");
  EXPECT_EQ(spaced.panel_x, 2);
  EXPECT_FALSE(split_mosaic("NGC 6888").is_panel());
  EXPECT_FALSE(split_mosaic("Box_x0_y1").is_panel());
  EXPECT_EQ(format_mosaic(split_mosaic("NGC 6888")), "NGC 6888");
  EXPECT_EQ(underscore_spaces("NGC 6888 deep"), "NGC_6888_deep");
}

TEST(ITelescopeNames, ParsesTheReferenceMasters) {
  const auto dark =
      parse_calibration_name("Master_Dark_1_2184x1472_Bin1x1_Temp-10C_ExpTime300s.fit");
  ASSERT_TRUE(dark.has_value());
  EXPECT_EQ(dark->type, CalibrationType::kDark);
  EXPECT_EQ(dark->binning, 1);
  EXPECT_EQ(dark->width, 2184);
  EXPECT_EQ(dark->height, 1472);
  EXPECT_EQ(dark->temperature_c, -10);
  EXPECT_DOUBLE_EQ(dark->exposure_s, 300.0);
  EXPECT_TRUE(dark->is_master());

  const auto binned =
      parse_calibration_name("Master_Dark_2_2004x1336_Bin2x2_Temp-15C_ExpTime900s.fit");
  ASSERT_TRUE(binned.has_value());
  EXPECT_EQ(binned->binning, 2);
  EXPECT_EQ(binned->width, 2004);

  const auto bias =
      parse_calibration_name("Master_Bias_1_2184x1472_Bin1x1_Temp-10C_ExpTime0ms.fit");
  ASSERT_TRUE(bias.has_value());
  EXPECT_EQ(bias->type, CalibrationType::kBias);
  EXPECT_DOUBLE_EQ(bias->exposure_s, 0.0);

  const auto mask =
      parse_calibration_name("Master_Badpix_1_4008x2672_Bin1x1_Temp-15C_ExpTime900s.fit");
  ASSERT_TRUE(mask.has_value());
  EXPECT_EQ(mask->type, CalibrationType::kBadpix);
}

TEST(ITelescopeNames, CalibrationNamesRoundTrip) {
  CalibrationName flat;
  flat.type = CalibrationType::kFlat;
  flat.filter = "Red";
  flat.width = 2048;
  flat.height = 2048;
  flat.temperature_c = -15;
  flat.exposure_s = 5.0;
  EXPECT_EQ(format_calibration_name(flat),
            "Master_Flat_Red_1_Red_2048x2048_Bin1x1_Temp-15C_ExpTime5s.fit");
  EXPECT_EQ(parse_calibration_name(format_calibration_name(flat)), flat);

  CalibrationName raw = flat;
  raw.exposure_s = 2.5;  // not a whole number of seconds: written in ms
  raw.sequence = 3;
  EXPECT_EQ(format_calibration_name(raw),
            "Flat_Red_1_Red_2048x2048_Bin1x1_Temp-15C_ExpTime2500ms-003.fit");
  EXPECT_EQ(parse_calibration_name(format_calibration_name(raw)), raw);

  CalibrationName bias;
  bias.binning = 2;
  bias.width = 1092;
  bias.height = 736;
  bias.temperature_c = 0;
  EXPECT_EQ(format_calibration_name(bias), "Master_Bias_2_1092x736_Bin2x2_Temp0C_ExpTime0ms.fit");
  EXPECT_EQ(parse_calibration_name(format_calibration_name(bias)), bias);
}

TEST(ITelescopeNames, RejectsInconsistentCalibrationNames) {
  // Binning fields disagree; a flat without its filter; a bias with one; a master with a sequence.
  EXPECT_FALSE(parse_calibration_name("Master_Dark_2_2184x1472_Bin1x1_Temp-10C_ExpTime300s.fit"));
  EXPECT_FALSE(parse_calibration_name("Master_Flat_1_2184x1472_Bin1x1_Temp-10C_ExpTime5s.fit"));
  EXPECT_FALSE(
      parse_calibration_name("Master_Bias_Red_1_Red_2184x1472_Bin1x1_Temp-10C_ExpTime0ms.fit"));
  EXPECT_FALSE(
      parse_calibration_name("Master_Bias_1_2184x1472_Bin1x1_Temp-10C_ExpTime0ms-001.fit"));
  EXPECT_FALSE(parse_calibration_name("Bias_1_2184x1472_Bin1x1_Temp-10C_ExpTime0ms.fit"));
}

TEST(ITelescopeSites, SiteTableMatchesTheReference) {
  const Site& nm = site_for_telescope("T05");
  EXPECT_EQ(nm.mpc_code, "H06");
  EXPECT_NEAR(nm.latitude_deg, 32.903308, 1e-6);
  EXPECT_NEAR(nm.longitude_deg, -105.528700, 1e-6);
  EXPECT_DOUBLE_EQ(nm.elevation_m, 2222.0);
  EXPECT_EQ(site_for_telescope("iTelescope T24").mpc_code, "U69");
  const Site& ss = site_for_telescope("t32");
  EXPECT_EQ(ss.mpc_code, "Q62");
  EXPECT_NEAR(ss.latitude_deg, -31.273333, 1e-6);
  EXPECT_NEAR(ss.longitude_deg, 149.069722, 1e-6);
  const Site& spain = site_for_telescope("T18");
  EXPECT_EQ(spain.mpc_code, "I89");
  EXPECT_NEAR(spain.longitude_deg, -2.326944, 1e-6);
  EXPECT_DOUBLE_EQ(spain.elevation_m, 1607.0);
  // Every telescope the original's calibrate_all.sh accepts has a site.
  for (const char* id : {"T05", "T09", "T14", "T16", "T20", "T32"})
    EXPECT_NO_THROW(site_for_telescope(id));
}

TEST(ITelescopeSites, UnknownTelescopesAreUsageErrors) {
  try {
    site_for_telescope("T99");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("T99"), std::string::npos);
  }
  try {
    find_telescope("T02");  // a real site entry without an instrument profile
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("T20"), std::string::npos);  // lists the known ones
  }
}

TEST(ITelescopeTelescopes, ProfilesAreConsistent) {
  // The reference's worked example: T31 at 12 um and 2259 mm gives 1.0957"/px.
  EXPECT_NEAR(find_telescope("T31").pixel_scale_arcsec(), 1.0957, 1e-4);
  EXPECT_EQ(find_telescope("T05").sensor_width, 2184);
  EXPECT_EQ(find_telescope("T05").sensor_height, 1472);
  EXPECT_DOUBLE_EQ(find_telescope("T05").set_temp_c, -10.0);
  EXPECT_EQ(find_telescope("iTelescope T20").sensor_width, 4008);
  EXPECT_DOUBLE_EQ(find_telescope("T20").set_temp_c, -15.0);
  bool spanish = false;
  for (const Telescope& t : telescopes()) {
    EXPECT_EQ(t.site().name, t.site_name) << t.id;
    EXPECT_EQ(&site_for_telescope(t.id), &t.site()) << t.id;
    EXPECT_GT(t.gain_e_per_adu, 0.0);
    EXPECT_GT(t.read_noise_e, 0.0);
    spanish = spanish || t.site().mpc_code == "I89";
  }
  EXPECT_TRUE(spanish);
}

}  // namespace
}  // namespace ap::itelescope
