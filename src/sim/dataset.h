// Internal to the simulator: the fully planned dataset that its parts (light
// frames, calibration library, truth record) share. Everything random about a
// frame that is not a pixel value is decided here, before any pixel is drawn.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/header.h"
#include "itelescope/telescopes.h"
#include "sim/detector.h"
#include "sim/flat.h"
#include "sim/observing.h"
#include "sim/psf.h"
#include "sim/simulate.h"
#include "sim/sky.h"
#include "sim/stars.h"

namespace ap::sim {

struct LightFrame {
  std::size_t index = 0;  // generation order; keys the frame's random streams
  std::string filter;
  int sequence = 1;  // per filter and panel
  int panel_x = 0, panel_y = 0;
  std::string target;            // as in the file name ("NGC_6888", "NGC_6888_x1_y2")
  std::string delivered_target;  // as iTelescope spells it ("NGC 6888", "NGC 6888_x1_y2")
  UnixTime start = 0;            // UTC
  double ccd_temp_c = 0.0;
  Psf psf;
  double transparency = 1.0;
  double sky_rate = 0.0;        // e-/s per pixel at the frame centre (before the flat)
  double sky_gradient_x = 0.0;  // fractional change per pixel
  double sky_gradient_y = 0.0;
  double dither_east_arcsec = 0.0, dither_north_arcsec = 0.0;
  double rotation_deg = 0.0;  // position angle of the +y axis, east of north
  std::string poor;           // "", "seeing", "trailing" or "cloud"
  double bias_offset_adu = 0.0;
  double bad_row_adu = 0.0;
  std::filesystem::path file;      // relative to the output directory, as after ingest
  std::filesystem::path delivery;  // with zip: the archive holding the frame, else empty
  std::filesystem::path truth_file;
  Header wcs;  // the true WCS as header cards
};

struct CalibrationDate {
  int index = 0;             // 0 = the latest, with raws
  std::string name;          // directory name: "2020-07-04" or "2020-03"
  UnixTime time = 0;         // afternoon of that date, UTC
  std::string dark_calstat;  // "M" (bias still in the dark) or "BM"
  double bias_drift_adu = 0.0;
};

// What one light frame turned out to contain (counts for the truth record).
struct LightSummary {
  std::size_t stars = 0;
  std::size_t cosmic_events = 0;
  std::size_t cosmic_pixels = 0;
  std::size_t saturated_pixels = 0;
};

// One written calibration master, for the truth record.
struct MasterRecord {
  std::filesystem::path file;  // relative to the output directory
  std::string type;            // "Bias", "Dark", "Flat"
  std::string date;
  std::string filter;
  std::string calstat;
  int frames = 0;
};

struct CalibrationSummary {
  std::vector<MasterRecord> masters;
  std::size_t raw_files = 0;
};

struct Dataset {
  SimulateOptions options;
  const itelescope::Telescope* telescope = nullptr;
  const itelescope::Site* site = nullptr;
  std::string target_name;         // as given, with spaces
  std::string target_source;       // "OpenNGC" or "--ra/--dec"
  double ra = 0.0, dec = 0.0;      // target (and nebula) centre
  int width = 0, height = 0;       // binned frame size
  int x_origin = 0, y_origin = 0;  // binned sub-frame origin on the sensor
  double scale_arcsec = 0.0;       // binned pixel scale
  double camera_angle_deg = 0.0;
  Photometry photometry;
  Detector detector;
  StarField field;
  Nebula nebula;
  std::vector<LightFrame> lights;
  std::vector<CalibrationDate> dates;
  std::vector<FlatField> flats;  // latest date, one per options.filters entry

  std::filesystem::path path(const std::filesystem::path& relative) const {
    return options.output_dir / relative;
  }
  std::filesystem::path calibration_dir() const;  // "cal/<TEL>"
  // Temperature written in master names and SET-TEMP.
  int set_temp() const;
};

// Random-stream key of a calibration frame (light frames use their index).
std::uint64_t calibration_key(int date, int kind, int filter, int sequence);

// The MaxIm DL header of a raw frame (FILTER only when `filter` is not empty).
Header maxim_header(const Dataset& ds, const std::string& imagetyp, const std::string& filter,
                    double exposure_s, UnixTime start, double ccd_temp_c);

// The detector chain every frame goes through: dark current and photon noise,
// cosmic rays (flagged in `cosmic`), bleeding, charge traps and digitizing.
// `charge` holds the expected photo-electrons and is used up. `key` selects
// the frame's random streams (a light frame's index or calibration_key()).
struct Exposure {
  double seconds = 0.0;
  double ccd_temp_c = 0.0;
  ReadoutFrame readout;
  std::uint64_t key = 0;
};
struct ExposureResult {
  std::vector<std::uint16_t> stored;
  std::size_t cosmic_events = 0;
};
ExposureResult expose(const Dataset& ds, Image& charge, const Exposure& exposure, Mask& cosmic);

// Writes the light frame and its truth file.
LightSummary make_light_frame(const Dataset& ds, const LightFrame& frame);

// Writes the calibration library: raws for the latest date, masters for every date.
CalibrationSummary make_calibration(const Dataset& ds);

// Writes truth.json.
void write_truth(const Dataset& ds, const std::vector<LightSummary>& lights,
                 const CalibrationSummary& calibration);

}  // namespace ap::sim
