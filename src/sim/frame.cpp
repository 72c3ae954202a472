// What every simulated raw frame shares: the detector chain it goes through
// and its header, as MaxIm DL 6 writes it at iTelescope (shared reference,
// processing document section 11): OBJECT, TELESCOP and OBSERVER blank, site
// coordinates as sexagesimal strings, no WCS.
#include <cmath>
#include <numbers>

#include "sim/cosmics.h"
#include "sim/dataset.h"

namespace ap::sim {

std::filesystem::path Dataset::calibration_dir() const {
  return std::filesystem::path("cal") / telescope->id;
}

int Dataset::set_temp() const { return static_cast<int>(std::lround(telescope->set_temp_c)); }

std::uint64_t calibration_key(int date, int kind, int filter, int sequence) {
  return (std::uint64_t{1} << 40) | (static_cast<std::uint64_t>(date) << 32) |
         (static_cast<std::uint64_t>(kind) << 24) | (static_cast<std::uint64_t>(filter) << 16) |
         static_cast<std::uint64_t>(sequence);
}

ExposureResult expose(const Dataset& ds, Image& charge, const Exposure& e, Mask& cosmic) {
  const SimulateOptions& o = ds.options;
  const Physics& p = o.physics;
  const Detector& d = ds.detector;
  Rng photons = Rng::stream(o.seed, Stream::kPhotons, {e.key});
  collect_charge(charge, d, e.seconds, e.ccd_temp_c, p.dark_current, p.photon_noise, photons);
  ExposureResult result;
  if (p.cosmic_rays && e.seconds > 0.0) {
    Rng rng = Rng::stream(o.seed, Stream::kCosmics, {e.key});
    CosmicOptions co;
    co.pixel_um = ds.telescope->pixel_um * o.binning;
    co.mask_threshold_e = 2.0 * d.read_noise_e;
    result.cosmic_events = add_cosmic_rays(charge, cosmic, e.seconds, co, rng);
  }
  if (p.bleeding) bleed_columns(charge, d.full_well_e);
  apply_traps(charge, d);
  Rng noise = Rng::stream(o.seed, Stream::kReadout, {e.key});
  ReadoutFrame readout = e.readout;
  readout.read_noise = p.read_noise;
  result.stored = digitize(charge, d, readout, noise);
  return result;
}

Header maxim_header(const Dataset& ds, const std::string& imagetyp, const std::string& filter,
                    double exposure_s, UnixTime start, double ccd_temp_c) {
  const itelescope::Telescope& t = *ds.telescope;
  const int b = ds.options.binning;
  Header h;
  h.set("OBJECT", "", "");
  h.set("TELESCOP", "", "telescope used to acquire this image");
  h.set("INSTRUME", t.camera, "instrument or camera used");
  h.set("OBSERVER", "", "");
  h.set("DATE-OBS", iso_time(start), "YYYY-MM-DDThh:mm:ss observation start, UT");
  h.set("EXPTIME", exposure_s, "duration of exposure in seconds");
  h.set("EXPOSURE", exposure_s, "duration of exposure in seconds");
  h.set("SET-TEMP", static_cast<double>(ds.set_temp()), "CCD temperature setpoint in C");
  h.set("CCD-TEMP", ccd_temp_c, "CCD temperature at start of exposure in C");
  h.set("XPIXSZ", t.pixel_um * b, "pixel width in microns (after binning)");
  h.set("YPIXSZ", t.pixel_um * b, "pixel height in microns (after binning)");
  h.set("XBINNING", b, "binning factor in width");
  h.set("YBINNING", b, "binning factor in height");
  h.set("XORGSUBF", ds.x_origin, "subframe X position in binned pixels");
  h.set("YORGSUBF", ds.y_origin, "subframe Y position in binned pixels");
  h.set("READOUTM", "Normal", "readout mode of image");
  if (!filter.empty()) h.set("FILTER", filter, "filter used when taking image");
  h.set("IMAGETYP", imagetyp, "type of image");
  h.set("FOCALLEN", t.focal_length_mm, "focal length of telescope in mm");
  h.set("APTDIA", t.aperture_mm, "aperture diameter of telescope in mm");
  h.set("APTAREA",
        std::round(std::numbers::pi / 4.0 * t.aperture_mm * t.aperture_mm *
                   (1.0 - t.obstruction * t.obstruction)),
        "aperture area of telescope in mm^2");
  h.set("EGAIN", t.gain_e_per_adu, "electronic gain in e-/ADU");
  h.set("SBSTDVER", "SBFITSEXT Version 1.0", "version of SBFITSEXT standard in effect");
  h.set("SWCREATE", "MaxIm DL Version 6.24 (ap simulate)", "name of software");
  h.set("SITELAT", sexagesimal(ds.site->latitude_deg), "latitude of the imaging location");
  h.set("SITELONG", sexagesimal(ds.site->longitude_deg), "longitude of the imaging location");
  h.set("JD", julian_date(start), "Julian Date at start of exposure");
  h.set("PEDESTAL", -ds.options.pedestal_adu, "correction to add for zero-based ADU");
  h.set("ROWORDER", "TOP-DOWN", "order of the rows in image array");
  return h;
}

}  // namespace ap::sim
