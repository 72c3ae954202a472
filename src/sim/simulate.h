// `ap simulate`: a night of iTelescope data on the real sky, with every
// defect the pipeline must remove and a truth record for every frame.
//
// Output tree (OUTDIR):
//   cal/<TEL>/Masters/{Bias,Darks,Flats}/<date>/Master_*.fit   masters for every date
//   cal/<TEL>/Raws/{Bias,Darks,Flats}/<latest date>/*-NNN.fit   the raws of the latest masters
//   data/<TEL>/<Target>/<YYYYMMDD>/raw-<TEL>-...-NNN.fit        light frames (MaxIm DL headers)
//     (with zip: data/<TEL>/<Target with spaces>/<YYYYMMDD>/<raw name with spaces>.zip)
//   truth.json                                                  dataset, telescope, frames
//   truth/<light frame stem>.fits   cosmic-ray mask (primary, with the true WCS) + STARS table
//
// The same options and seed give byte-identical files: every frame and every
// component draws from its own random stream, and no wall-clock time is written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ap::sim {

// Each switch turns one ingredient of the simulation on or off.
struct Physics {
  bool catalogue_stars = true;  // Tycho-2 stars from the astrometry.net index files
  bool synthetic_stars = true;  // fainter stars from the number-count law
  bool nebula = true;
  bool sky = true;
  bool sky_gradient = true;
  bool photon_noise = true;
  bool read_noise = true;
  bool dark_current = true;
  bool hot_pixels = true;   // hot and dead pixels
  bool bad_columns = true;  // bad columns and the bad row
  bool bias_structure = true;
  bool prnu = true;
  bool vignetting = true;
  bool dust = true;
  bool cosmic_rays = true;
  bool bleeding = true;
  bool dithers = true;  // pointing offsets and rotations between frames
  bool poor_frames = true;

  // Turns off the named components: "noise" (photon and read noise), "stars",
  // "flat" (vignetting, dust, prnu), "defects" (hot pixels, bad columns, bias
  // structure) or any field name above ("cosmic_rays", "nebula", ...).
  // Throws ap::Error (kUsage) for an unknown name.
  void disable(const std::string& name);
};

struct SimulateOptions {
  std::filesystem::path output_dir;
  std::string telescope = "T20";
  std::string target = "NGC 6888";  // resolved with OpenNGC unless ra/dec are given
  std::optional<double> ra_deg, dec_deg;
  std::vector<std::string> filters = {"Red", "Green", "Blue", "Ha"};
  int frames = 5;  // light frames per filter (and mosaic panel)
  double exposure_s = 300.0;
  int binning = 1;
  int width = 0, height = 0;       // unbinned sub-frame; 0: min(2048, sensor)
  std::string night = "20200716";  // local date of the evening, YYYYMMDD
  std::string observer = "apsim";
  std::uint64_t seed = 1;
  bool force = false;              // write into a non-empty output directory
  bool zip = false;                // deliver the lights as iTelescope does: one zip per frame,
                                   // spaces in the target's directory and file names
  int mosaic_x = 1, mosaic_y = 1;  // panels "<Target>_x<i>_y<j>" when more than one

  // Calibration library.
  bool calibration = true;
  int bias_frames = 10, dark_frames = 10, flat_frames = 5;  // raws per master
  int master_dates = 2;  // the latest has raws and CALSTAT 'M' darks
  double flat_exposure_s = 5.0;
  double flat_level_adu = 25000.0;

  // Pointing and image quality.
  double dither_px = 30.0;        // maximum offset from the panel centre
  double rotation_deg = 0.05;     // rms frame-to-frame rotation
  double distortion_px = 1.5;     // SIP radial distortion at the corners (0: pure TAN)
  int poor_frames = 3;            // doubled seeing, trailing, thick cloud (in turn)
  double fwhm_arcsec = 0.0;       // 0: the telescope's typical value
  double beta = 3.0;              // Moffat beta
  double nebula_ha = 2e-15;       // peak Ha surface brightness, erg s^-1 cm^-2 arcsec^-2
  double pedestal_adu = 100.0;    // stored = ADU + pedestal, PEDESTAL = -pedestal
  double faint_limit = 19.5;      // V of the faintest synthetic stars
  std::size_t max_stars = 20000;  // in the whole field (the faint limit rises to keep it)
  std::filesystem::path catalogue_dir = "/usr/share/astrometry";
  Physics physics;
};

struct SimulateResult {
  std::size_t light_frames = 0;
  std::size_t calibration_frames = 0;  // raw bias, dark and flat files written
  std::size_t masters = 0;
  std::size_t field_stars = 0;
  std::size_t catalogue_stars = 0;
  std::filesystem::path truth_file;
};

// Throws ap::Error (kUsage) for an unknown telescope or filter, a target that
// cannot be resolved without --ra/--dec, a size that is too large or not
// divisible by the binning, and a non-empty output directory without force.
SimulateResult simulate(const SimulateOptions& options);

}  // namespace ap::sim
