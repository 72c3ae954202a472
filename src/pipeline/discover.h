// Finding the raw light frames of a night for `ap run`.
//
// A file is a raw light when its name follows iTelescope's raw light pattern
// (itelescope/names.h) and its primary header says IMAGETYP 'Light Frame'
// (MaxIm DL) or 'LIGHT'; a missing IMAGETYP, or a file whose header cannot
// be read, is accepted on the name alone (its first step will fail and say why).
// Frames are grouped by target, telescope, filter and night, the unit that
// quality grading and stacking work on.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "itelescope/names.h"

namespace ap::pipeline {

struct RawLight {
  std::filesystem::path path;
  itelescope::RawLightName name;
};

struct FrameGroup {
  std::string target;  // as in the file names (spaces already '_'); mosaic panels kept apart
  std::string telescope;
  std::string filter;
  std::string night;  // YYYYMMDD of the evening the night began (file name time - 12 h)
  std::vector<RawLight> frames;  // sorted by file name, i.e. by time

  // "NGC_6888:T20:Ha:20200716", the key of logs, manifests and reports.
  std::string key() const;
};

struct Discovery {
  std::vector<FrameGroup> groups;              // sorted by target, telescope, filter, night
  std::vector<std::filesystem::path> skipped;  // raw-looking names that are not lights
};

// Searches `data_dir` recursively (symbolic links are not followed). Throws
// ap::Error (kBadInput) when the directory is missing or holds no raw light.
Discovery discover_lights(const std::filesystem::path& data_dir);

}  // namespace ap::pipeline
