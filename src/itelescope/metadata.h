// The metadata step (`ap metadata`, the original's ap_add_metadata): who,
// where and what from the iTelescope file name (or a YAML of keywords for
// "Premium" files whose names carry nothing), the target's coordinates, and
// with ERFA (astro/ephemeris.h) the circumstances of the exposure.
//
// Keywords written: OBSERVER, OBSERVAT, LAT-OBS, LONG-OBS and LON-OBS, ALT-OBS,
// TELESCOP, OBJECT, OBJNAME, RA-OBJ, DEC-OBJ, AIRMASS (at exposure start, as
// the original), and at mid-exposure AIRM-MID, ALT-OBJ, AZ-OBJ, HA-OBJ, LST,
// MOONALT, MOONILL, MOONSEP, SUNALT and BJD-TDB; MJD-OBS and MJD-MID; a
// HISTORY card. Target coordinates come from, in order: the options' ra/dec,
// the header (RA-OBJ/DEC-OBJ, OBJCTRA/OBJCTDEC, RA/DEC), OpenNGC, and only
// with `online` the CDS Sesame service.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "astro/sesame.h"
#include "core/header.h"

namespace ap::itelescope {

enum class MetadataMode { kItelescope, kYamlKeyval };

// "itelescope" or "yamlkeyval" (any case); throws ap::Error (kUsage) otherwise.
MetadataMode parse_metadata_mode(std::string_view text);

struct MetadataOptions {
  MetadataMode mode = MetadataMode::kItelescope;
  std::string target;             // overrides the file name's target
  std::optional<double> ra, dec;  // degrees, override every other source
  std::filesystem::path yaml_file;  // yamlkeyval mode
  bool online = false;              // allow CDS Sesame
  astro::SesameOptions sesame = astro::SesameOptions::defaults();
};

// The metadata keywords for a frame with `header` (set them on a copy of
// the header, or in the file with update_header()). `file_name` is the frame's
// file name (only its base name is parsed; "cal-" and similar prefixes in
// front of a raw name are skipped). Throws ap::Error (kBadInput) naming what
// is missing: an unparsable name, an unknown telescope, an unresolvable
// target, no DATE-OBS or no EXPOSURE/EXPTIME.
Header metadata_keywords(const Header& header, std::string_view file_name,
                         const MetadataOptions& options);

}  // namespace ap::itelescope
