// Choosing masters from the calibration library.
#include <gtest/gtest.h>

#include <string>

#include "calib/caldb.h"

namespace ap {
namespace {

using itelescope::CalibrationType;

CalEntry entry(CalibrationType type, const std::string& date, double exposure = 0,
               const std::string& filter = "", int temp = -15, int size = 100) {
  CalEntry e;
  e.telescope = "T20";
  e.date = date;
  e.name.type = type;
  e.name.filter = filter;
  e.name.width = e.name.height = size;
  e.name.temperature_c = temp;
  e.name.exposure_s = exposure;
  e.path = "/cal/T20/Masters/x/" + date + "/" +
           itelescope::format_calibration_name(e.name);
  return e;
}

LightInfo light() {
  LightInfo l;
  l.name = "raw.fit";
  l.telescope = "T20";
  l.filter = "Ha";
  l.width = l.height = 100;
  l.set_temp = -15;
  l.exposure_s = 300;
  l.date = "2020-07-17";
  return l;
}

TEST(Caldb, DarkOfTheNearestLongerExposureAndTheLatestDateNotAfterTheLight) {
  CalLibrary lib;
  lib.entries = {entry(CalibrationType::kBias, "2020-03"),
                 entry(CalibrationType::kBias, "2020-07-04"),
                 entry(CalibrationType::kBias, "2020-08"),  // after the light
                 entry(CalibrationType::kDark, "2020-07-04", 180),
                 entry(CalibrationType::kDark, "2020-07-04", 600),
                 entry(CalibrationType::kDark, "2020-03", 900),
                 entry(CalibrationType::kFlat, "2020-07-04", 5, "Red"),
                 entry(CalibrationType::kFlat, "2020-03", 5, "Ha"),
                 entry(CalibrationType::kFlat, "2020-07-04", 5, "Ha", -25)};
  const CalMatch m = match_calibration(lib, light());
  ASSERT_TRUE(m.complete());
  EXPECT_EQ(m.bias.entry->date, "2020-07-04");
  EXPECT_EQ(m.dark.entry->name.exposure_s, 600);  // at least as long, nearest
  EXPECT_EQ(m.flat.entry->date, "2020-03");       // the only Ha flat at the right temperature
  bool temperature_reason = false;
  for (const auto& r : m.flat.refused) temperature_reason |= r.find("temperature -25") != r.npos;
  EXPECT_TRUE(temperature_reason);

  LightInfo binned = light();
  binned.binning = 2;
  const CalMatch none = match_calibration(lib, binned);
  EXPECT_FALSE(none.complete());
  EXPECT_NE(none.bias.refused.front().find("binning 1 (light: 2)"), std::string::npos);
}

TEST(Caldb, LaterMastersOnlyWhenThereIsNoEarlierOne) {
  CalLibrary lib;
  lib.entries = {entry(CalibrationType::kBias, "2020-09-01"),
                 entry(CalibrationType::kBias, "2020-08")};
  EXPECT_EQ(match_calibration(lib, light()).bias.entry->date, "2020-08");
}

}  // namespace
}  // namespace ap
