// Times of a simulated night: when the target is observed, and the date and
// time strings iTelescope writes (UTC in DATE-OBS and JD, site standard time
// in file names).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "itelescope/telescopes.h"

namespace ap::sim {

// Seconds since 1970-01-01T00:00:00 UTC (leap seconds ignored, as in FITS DATE-OBS).
using UnixTime = std::int64_t;

// 00:00 UTC of a YYYYMMDD date; throws ap::Error (kUsage) for anything else.
UnixTime parse_night(std::string_view yyyymmdd);

std::string iso_time(UnixTime t);      // "2020-07-17T05:17:44"
std::string compact_date(UnixTime t);  // "20200717"
std::string compact_time(UnixTime t);  // "051744"
std::string month_text(UnixTime t);    // "2020-07"
std::string day_text(UnixTime t);      // "2020-07-04"

double julian_date(UnixTime t);
// JD corrected to the Sun's centre for a target at (ra, dec) degrees.
double heliocentric_julian_date(double jd, double ra, double dec);

// Altitude (degrees, no refraction) of (ra, dec) seen from the site at time t.
double altitude_deg(double ra, double dec, const itelescope::Site& site, UnixTime t);

// Hour angle (degrees in (-180, 180], negative before transit) of right ascension `ra`.
double hour_angle_deg(double ra, const itelescope::Site& site, UnixTime t);

// UTC start of a sequence lasting `duration_s` on the night that begins on the
// local evening of `night` (00:00 UTC of its date): the start between local
// 20:00 and 05:00 that puts the target highest at mid-sequence.
UnixTime plan_start(UnixTime night, double duration_s, double ra, double dec,
                    const itelescope::Site& site);

// "+32 54 11" style sexagesimal degrees, as MaxIm DL writes SITELAT/SITELONG.
std::string sexagesimal(double degrees);

}  // namespace ap::sim
