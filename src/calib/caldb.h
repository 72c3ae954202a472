// The calibration library: iTelescope's tree of master frames, and which
// masters a light frame gets.
//
//   <root>/<TEL>/Masters/{Bias,Darks,Flats}/<YYYY-MM or YYYY-MM-DD>/Master_*.fit
//
// Masters are known by their file names (itelescope/names.h: type, filter,
// binning, size, temperature, exposure) and their directory's date. A light
// gets, for each type, the candidate that
//   - has its telescope, binning and size, and (flats) its filter;
//   - has a temperature within the tolerance of its SET-TEMP;
//   - (darks) has the nearest exposure, preferring one at least as long;
//   - has the nearest date, preferring one not after the light.
// Every candidate refused is reported with the reason, so that "no flat" can
// be understood and fixed. A bad-pixel mask (Master_Badpix_...) is taken from
// the chosen dark's directory when one has the dark's binning and size.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/header.h"
#include "itelescope/names.h"

namespace ap {

struct CalEntry {
  std::filesystem::path path;
  std::string telescope;  // "T20"
  std::string date;       // the directory's "YYYY-MM" or "YYYY-MM-DD"
  itelescope::CalibrationName name;
};

struct CalLibrary {
  std::filesystem::path root;
  std::vector<CalEntry> entries;  // sorted by path

  // Throws ap::Error (kBadInput) when `root` is missing or holds no master.
  static CalLibrary scan(const std::filesystem::path& root);
};

// What the choice needs to know about a light frame.
struct LightInfo {
  std::string name;  // for messages
  std::string telescope;
  std::string filter;
  int binning = 1;
  int width = 0, height = 0;
  double set_temp = 0.0;
  double exposure_s = 0.0;
  std::string date;  // YYYY-MM-DD (DATE-OBS)

  // From the header (XBINNING, NAXIS1/2 or the given size, FILTER, SET-TEMP,
  // EXPOSURE/EXPTIME, DATE-OBS) and the iTelescope file name (telescope).
  // Throws ap::Error (kBadInput) naming the file for a missing keyword.
  static LightInfo from(const std::filesystem::path& path, const Header& header, int width,
                        int height);
};

struct CalChoice {
  std::optional<CalEntry> entry;
  std::string why;                   // why this one
  std::vector<std::string> refused;  // "<file>: <reason>" for every other candidate
};

struct CalMatch {
  CalChoice bias, dark, flat, badpix;
  bool complete() const { return bias.entry && dark.entry && flat.entry; }
};

CalMatch match_calibration(const CalLibrary& library, const LightInfo& light,
                           double temp_tolerance = 1.0);

}  // namespace ap
