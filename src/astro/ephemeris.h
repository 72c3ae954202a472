// Where things are in the sky of an observatory at an instant, with ERFA
// (the library astropy itself calls): the target's altitude, azimuth, hour
// angle and airmass, local sidereal time, the Moon and the Sun, and the
// barycentric Julian date of the target.
//
// Conventions, those of astropy/astroplan with no atmosphere given:
// geometric positions without refraction, UT1 = UTC (DUT1 taken as 0, at
// most 0.9 s) and no polar motion, the Moon from ERFA's moon98 series
// (astropy's built-in ephemeris) seen from the observatory (diurnal
// parallax included), azimuth from north through east.
#pragma once

#include <optional>
#include <string_view>

namespace ap::astro {

struct Location {
  double latitude_deg = 0.0;   // geodetic WGS84
  double longitude_deg = 0.0;  // east positive
  double height_m = 0.0;
};

// A UTC instant as ERFA's two-part quasi-JD.
struct UtcTime {
  double jd1 = 0.0, jd2 = 0.0;

  // "2020-07-17T07:25:00[.sss]" (FITS DATE-OBS, UTC); nullopt when malformed.
  static std::optional<UtcTime> parse(std::string_view iso);
  UtcTime plus_seconds(double seconds) const;
  double mjd() const { return (jd1 - 2400000.5) + jd2; }
};

struct Horizontal {
  double alt_deg = 0.0;
  double az_deg = 0.0;  // north 0, east 90
  double ha_deg = 0.0;  // hour angle, (-180, 180], negative before transit
  // Secant of the zenith distance (the original's AIRMASS); negative below the horizon.
  double airmass() const;
};

struct Ephemeris {
  Horizontal target;
  double lst_deg = 0.0;  // local apparent sidereal time
  Horizontal moon;
  double moon_illumination = 0.0;   // illuminated fraction, 0..1
  double moon_separation_deg = 0.0;  // from the target, as seen from the site
  Horizontal sun;
  double bjd_tdb = 0.0;  // barycentric Julian date (TDB) of the target
};

// (ra, dec): ICRS degrees.
Ephemeris ephemeris(const Location& site, const UtcTime& when, double ra_deg, double dec_deg);

}  // namespace ap::astro
