#include "sim/observing.h"

#include <erfa.h>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <numbers>
#include <regex>

#include "core/error.h"

namespace ap::sim {
namespace {

using namespace std::chrono;

constexpr double kDeg = std::numbers::pi / 180.0;
constexpr double kUnixEpochJd = 2440587.5;
constexpr double kLightAuPerDay = 173.1446326846693;

struct Civil {
  year_month_day date;
  hh_mm_ss<seconds> time;
};

Civil civil(UnixTime t) {
  const sys_seconds tp{seconds(t)};
  const sys_days day = floor<days>(tp);
  return {year_month_day(day), hh_mm_ss<seconds>(tp - day)};
}

int year_of(const year_month_day& d) { return static_cast<int>(d.year()); }
unsigned month_of(const year_month_day& d) { return static_cast<unsigned>(d.month()); }
unsigned day_of(const year_month_day& d) { return static_cast<unsigned>(d.day()); }

}  // namespace

UnixTime parse_night(std::string_view text) {
  static const std::regex kDate(R"((\d{4})(\d{2})(\d{2}))");
  const std::string s(text);
  std::smatch m;
  if (std::regex_match(s, m, kDate)) {
    const year_month_day d{year(std::stoi(m[1].str())),
                           month(static_cast<unsigned>(std::stoi(m[2].str()))),
                           day(static_cast<unsigned>(std::stoi(m[3].str())))};
    if (d.ok()) return duration_cast<seconds>(sys_days(d).time_since_epoch()).count();
  }
  throw Error(ExitCode::kUsage, fmt::format("night '{}' is not a date YYYYMMDD", text));
}

std::string iso_time(UnixTime t) {
  const Civil c = civil(t);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}", year_of(c.date), month_of(c.date),
                     day_of(c.date), c.time.hours().count(), c.time.minutes().count(),
                     c.time.seconds().count());
}

std::string compact_date(UnixTime t) {
  const Civil c = civil(t);
  return fmt::format("{:04d}{:02d}{:02d}", year_of(c.date), month_of(c.date), day_of(c.date));
}

std::string compact_time(UnixTime t) {
  const Civil c = civil(t);
  return fmt::format("{:02d}{:02d}{:02d}", c.time.hours().count(), c.time.minutes().count(),
                     c.time.seconds().count());
}

std::string month_text(UnixTime t) {
  const Civil c = civil(t);
  return fmt::format("{:04d}-{:02d}", year_of(c.date), month_of(c.date));
}

std::string day_text(UnixTime t) {
  const Civil c = civil(t);
  return fmt::format("{:04d}-{:02d}-{:02d}", year_of(c.date), month_of(c.date), day_of(c.date));
}

double julian_date(UnixTime t) { return kUnixEpochJd + static_cast<double>(t) / 86400.0; }

double heliocentric_julian_date(double jd, double ra, double dec) {
  double pvh[2][3];
  double pvb[2][3];
  eraEpv00(jd, 0.0, pvh, pvb);
  const double s[3] = {std::cos(dec * kDeg) * std::cos(ra * kDeg),
                       std::cos(dec * kDeg) * std::sin(ra * kDeg), std::sin(dec * kDeg)};
  const double projection = pvh[0][0] * s[0] + pvh[0][1] * s[1] + pvh[0][2] * s[2];
  return jd + projection / kLightAuPerDay;
}

double hour_angle_deg(double ra, const itelescope::Site& site, UnixTime t) {
  const double gmst = 280.46061837 + 360.98564736629 * (julian_date(t) - 2451545.0);
  const double h = std::fmod(gmst + site.longitude_deg - ra, 360.0);
  return h > 180.0 ? h - 360.0 : h <= -180.0 ? h + 360.0 : h;
}

double altitude_deg(double ra, double dec, const itelescope::Site& site, UnixTime t) {
  const double hour_angle = hour_angle_deg(ra, site, t) * kDeg;
  const double lat = site.latitude_deg * kDeg;
  const double sin_alt = std::sin(lat) * std::sin(dec * kDeg) +
                         std::cos(lat) * std::cos(dec * kDeg) * std::cos(hour_angle);
  return std::asin(sin_alt) / kDeg;
}

UnixTime plan_start(UnixTime night, double duration_s, double ra, double dec,
                    const itelescope::Site& site) {
  const auto local_hour = [&](double h) {
    return night + static_cast<UnixTime>(std::lround((h - site.utc_offset_hours) * 3600.0));
  };
  const UnixTime first = local_hour(20.0);
  const UnixTime last = std::max(first, local_hour(29.0) - static_cast<UnixTime>(duration_s));
  const auto half = static_cast<UnixTime>(duration_s / 2.0);
  UnixTime best = first;
  double best_alt = -91.0;
  for (UnixTime t = first; t <= last; t += 300) {
    const double alt = altitude_deg(ra, dec, site, t + half);
    if (alt > best_alt) {
      best_alt = alt;
      best = t;
    }
  }
  return best;
}

std::string sexagesimal(double degrees) {
  const long total = std::lround(std::fabs(degrees) * 3600.0);
  return fmt::format("{}{:02d} {:02d} {:02d}", degrees < 0 ? "-" : "", total / 3600,
                     (total / 60) % 60, total % 60);
}

}  // namespace ap::sim
