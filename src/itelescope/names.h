// iTelescope file and directory names (shared reference, calibration document
// section 11): raw light frames, calibration masters and their raw frames,
// mosaic panel suffixes, and the space-to-underscore rule of the ingest step.
//
//   raw-T05-davestrickland-NGC_6888-20200716-231744-Ha-BIN1-E-180-001.fit
//   Master_Dark_1_2184x1472_Bin1x1_Temp-10C_ExpTime300s.fit
//   Master_Flat_Red_1_Red_2048x2048_Bin1x1_Temp-15C_ExpTime5s.fit
//
// Parsing is stricter than the original's split on '-': the date, time,
// filter, binning, pier side, exposure and sequence are taken from the right,
// so a target that contains '-' still parses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ap::itelescope {

// Every space replaced by '_' (what iTelescope users do after unzipping).
std::string underscore_spaces(std::string_view text);

// A Telescopius mosaic panel: "CygnusLoop_x1_y1" is panel (1, 1) of "CygnusLoop".
struct MosaicTarget {
  std::string base;
  int panel_x = 0;  // 0: not a mosaic panel
  int panel_y = 0;
  bool is_panel() const { return panel_x > 0; }
};

// Splits a trailing "_x<i>_y<j>" (or " x<i> y<j>") from a target name.
MosaicTarget split_mosaic(std::string_view target);
// base + "_x<i>_y<j>", or base alone when the panel is 0.
std::string format_mosaic(const MosaicTarget& target);

struct RawLightName {
  std::string prefix = "raw";  // "raw", or "cal" etc. for derived files
  std::string telescope;       // "T05"
  std::string observer;
  std::string target;  // as in the file name: spaces already '_'
  std::string date;    // YYYYMMDD (local date at the site)
  std::string time;    // HHMMSS (local time at the site)
  std::string filter;
  int binning = 1;
  std::string pier = "E";  // "E" or "W"
  double exposure_s = 0.0;
  int sequence = 1;
  std::string extension = ".fit";

  bool operator==(const RawLightName&) const = default;
};

// "raw-T05-obs-NGC_6888-20200716-231744-Ha-BIN1-E-180-001.fit"; spaces in
// the observer, target and filter become '_'.
std::string format_raw_light_name(const RawLightName& name);
// Parses a bare file name (no directories); nullopt when it does not follow the pattern.
std::optional<RawLightName> parse_raw_light_name(std::string_view file_name);

enum class CalibrationType { kBias, kDark, kFlat, kBadpix };

const char* calibration_type_name(CalibrationType type);  // "Bias", "Dark", ...

// A master ("Master_Dark_1_...fit") or, with sequence > 0, one of the raw
// frames it was combined from ("Dark_1_..._ExpTime300s-003.fit").
struct CalibrationName {
  CalibrationType type = CalibrationType::kBias;
  std::string filter;  // flats only
  int binning = 1;
  int width = 0;  // binned size
  int height = 0;
  int temperature_c = 0;
  double exposure_s = 0.0;  // written as "<E>s" when a whole number of seconds, else "<ms>ms"
  int sequence = 0;         // 0 for a master
  std::string extension = ".fit";

  bool is_master() const { return sequence == 0; }
  bool operator==(const CalibrationName&) const = default;
};

std::string format_calibration_name(const CalibrationName& name);
std::optional<CalibrationName> parse_calibration_name(std::string_view file_name);

}  // namespace ap::itelescope
