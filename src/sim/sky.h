// Photometry of the simulated sky: filters, star and sky brightness in
// electrons, and an extended emission nebula.
//
// A filter passes photons_mag0 photons s^-1 cm^-2 from a star of magnitude 0
// in that filter; a star's magnitude in the filter is V + colour_coeff (B-V).
// Narrow-band filters share the colour coefficient of the broad band that
// contains them, so a star's narrow/broad flux ratio (the continuum ratio the
// continuum-subtraction stage must find) is exactly the ratio of their zero
// points. Emission lines pass each filter with the listed transmission.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/image.h"

namespace ap::sim {

struct Filter {
  std::string name;
  double photons_mag0;       // photons s^-1 cm^-2 for magnitude 0
  double colour_coeff;       // m_filter = V + colour_coeff * (B - V)
  double sky_mag_arcsec2;    // dark-site sky surface brightness
  double ha, oiii, sii;      // transmission of the nebular lines
  std::string continuum_of;  // broad band whose continuum a narrow band samples ("" if broad)
};

// iTelescope's filter names: Luminance, Clear, Red, Green, Blue, Ha, OIII, SII, B, V, R, I.
const std::vector<Filter>& filters();
// Case-insensitive; throws ap::Error (kUsage) listing the known names.
const Filter& find_filter(std::string_view name);

// Telescope throughput: collecting area times optics and detector efficiency.
struct Photometry {
  double effective_area_cm2;  // pi/4 D^2 (1 - obstruction^2) * efficiency
  double pixel_area_arcsec2;  // of one binned pixel

  // Electrons per second from a star of magnitude `mag` in `filter`.
  double star_rate(const Filter& filter, double mag) const;
  // Electrons per second per pixel from the sky background.
  double sky_rate(const Filter& filter) const;
  // Electrons per second per pixel from line emission of the given photon surface
  // brightnesses (photons s^-1 cm^-2 arcsec^-2).
  double line_rate(const Filter& filter, double ha, double oiii, double sii) const;
};

// An elliptical emission shell with filaments and a diffuse interior, like
// NGC 6888. Positions are offsets from the centre in arcsec on the tangent
// plane (east, north).
struct Nebula {
  double radius_arcsec = 600.0;  // semi-major axis of the shell
  double axis_ratio = 0.7;
  double angle_deg = 30.0;            // position angle of the major axis, east of north
  double thickness = 0.15;            // shell width (Gaussian sigma) as a fraction of the radius
  double ha_peak = 6.6e-4;            // Ha photons s^-1 cm^-2 arcsec^-2 on the brightest filament
  double oiii_ratio = 0.4;            // [OIII] / Ha
  double sii_ratio = 0.25;            // [SII] / Ha
  double phase1 = 0.0, phase2 = 0.0;  // filament pattern

  // Relative Ha surface brightness in [0, 1] at (east, north) arcsec from the centre.
  double profile(double east_arcsec, double north_arcsec) const;
  // Extent beyond which profile() is negligible, arcsec.
  double extent_arcsec() const { return 2.0 * radius_arcsec; }
};

// Pixel-from-sky map around the nebula centre: pixel = centre + J * (east, north).
struct LocalAffine {
  double x0, y0;  // 0-based pixel of the centre
  double j[4];    // d(x,y)/d(east,north) in pixels per arcsec, row-major
};

// Adds rate * nebula.profile() to every pixel of `image` the nebula covers.
void add_nebula(Image& image, const Nebula& nebula, const LocalAffine& map, double rate);

}  // namespace ap::sim
