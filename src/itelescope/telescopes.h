// iTelescope observatories and telescopes: the one site table of the library
// (the metadata stage and the simulator both read it) and the instrument
// profiles the simulator uses.
//
// Sites and their telescope lists follow the original ApAddMetadata table
// (shared reference, processing document section 6). Instrument values come
// from the shared reference where it states them (T05 2184x1472 at -10 C,
// T20 4008x2672 at -15 C, T31 12 um pixels, 2259 mm, 3056x3056) and are
// realistic values for the named optics and cameras otherwise.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ap::itelescope {

struct Site {
  std::string name;      // OBSERVAT, e.g. "iTelescope New Mexico"
  std::string place;     // "Mayhill, NM, USA"
  std::string mpc_code;  // Minor Planet Center observatory code
  double latitude_deg;   // geodetic WGS84, north positive
  double longitude_deg;  // east positive, (-180, 180]
  double elevation_m;
  std::string time_zone;    // IANA name (informative)
  double utc_offset_hours;  // standard (winter) time, used for local times in file names
  std::vector<std::string> telescopes;  // "T05", ...
};

struct Telescope {
  std::string id;          // "T20"
  std::string optics;      // description, e.g. "Takahashi FSQ-106ED f/5 refractor"
  std::string camera;      // INSTRUME
  double aperture_mm;      // APTDIA
  double obstruction;      // central obstruction, fraction of the aperture diameter
  double focal_length_mm;  // FOCALLEN
  int sensor_width;        // unbinned pixels
  int sensor_height;
  double pixel_um;  // unbinned pixel size
  double gain_e_per_adu;
  double read_noise_e;
  double dark_current_e_per_s;  // per unbinned pixel at the set temperature
  double set_temp_c;            // SET-TEMP of the calibration library
  double bias_adu;              // mean bias level
  double vignetting;            // fractional light loss at the sensor corner
  double fwhm_arcsec;           // typical delivered image FWHM (seeing, optics, guiding)
  std::string site_name;        // key into sites()

  // Unbinned plate scale, arcsec per pixel: 206.265 * pixel_um / focal_length_mm.
  double pixel_scale_arcsec() const;
  const Site& site() const;
};

// All sites, in a fixed order.
const std::vector<Site>& sites();

// All telescopes with an instrument profile, in a fixed order.
const std::vector<Telescope>& telescopes();

// "T20", "t20", "iTelescope T20" and "iTelescope-T20" all name T20.
std::string normalize_telescope_id(std::string_view name);

// The site of any telescope in the site table (also those without a profile).
// Throws ap::Error (kUsage) naming the telescope when it is unknown.
const Site& site_for_telescope(std::string_view name);

// The instrument profile. Throws ap::Error (kUsage) listing the known ids.
const Telescope& find_telescope(std::string_view name);

}  // namespace ap::itelescope
