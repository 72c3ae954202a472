#include "astro/ephemeris.h"

#include <erfa.h>
#include <erfam.h>

#include <cmath>
#include <cstdio>
#include <string>

namespace ap::astro {
namespace {

constexpr double kDeg = ERFA_DR2D;
constexpr double kLightAuPerDay = ERFA_DC;

struct Vec {
  double v[3];
};

Vec sub(const Vec& a, const Vec& b) { return {{a.v[0] - b.v[0], a.v[1] - b.v[1], a.v[2] - b.v[2]}}; }
Vec scale(const Vec& a, double k) { return {{a.v[0] * k, a.v[1] * k, a.v[2] * k}}; }
double norm(const Vec& a) { return std::sqrt(a.v[0] * a.v[0] + a.v[1] * a.v[1] + a.v[2] * a.v[2]); }

Horizontal observed(double ri, double di, eraASTROM& astrom) {
  double aob, zob, hob, dob, rob;
  eraAtioq(ri, di, &astrom, &aob, &zob, &hob, &dob, &rob);
  return {90.0 - zob * kDeg, eraAnp(aob) * kDeg, eraAnpm(hob) * kDeg};
}

// A solar-system body at `from_site` (au, ICRS axes, from the observatory to
// the body where it was when its light left): light deflection and aberration
// of the moving observatory as for a star, then the horizon (no refraction),
// which is astropy's ICRS-to-AltAz for a body at a finite distance.
Horizontal observed_body(Vec from_site, eraASTROM& astrom) {
  double rc, dc, ri, di;
  eraC2s(from_site.v, &rc, &dc);
  eraAtciqz(eraAnp(rc), dc, &astrom, &ri, &di);
  return observed(ri, di, astrom);
}

}  // namespace

std::optional<UtcTime> UtcTime::parse(std::string_view iso) {
  const std::string s(iso);
  int y, mo, d, h = 0, mi = 0;
  double sec = 0.0;
  char tail = 0;
  const int n = std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%lf%c", &y, &mo, &d, &h, &mi, &sec, &tail);
  if (n != 3 && n != 6) return std::nullopt;
  UtcTime t;
  if (eraDtf2d("UTC", y, mo, d, h, mi, sec, &t.jd1, &t.jd2) < 0) return std::nullopt;
  return t;
}

UtcTime UtcTime::plus_seconds(double seconds) const { return {jd1, jd2 + seconds / 86400.0}; }

double Horizontal::airmass() const { return 1.0 / std::cos((90.0 - alt_deg) / kDeg); }

Ephemeris ephemeris(const Location& site, const UtcTime& when, double ra_deg, double dec_deg) {
  const double elong = site.longitude_deg / kDeg, phi = site.latitude_deg / kDeg;
  eraASTROM astrom;
  double eo;
  eraApco13(when.jd1, when.jd2, 0.0, elong, phi, site.height_m, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
            &astrom, &eo);
  double tai1, tai2, tt1, tt2;
  eraUtctai(when.jd1, when.jd2, &tai1, &tai2);
  eraTaitt(tai1, tai2, &tt1, &tt2);
  const double ut1 = when.jd1, ut2 = when.jd2;  // DUT1 = 0

  Ephemeris e;
  double ri, di;
  eraAtciq(ra_deg / kDeg, dec_deg / kDeg, 0.0, 0.0, 0.0, 0.0, &astrom, &ri, &di);
  e.target = observed(ri, di, astrom);
  e.lst_deg = eraAnp(eraGst06a(ut1, ut2, tt1, tt2) + elong) * kDeg;

  // The site relative to the geocentre (au; astrom.eb is the site from the
  // barycentre), and the Earth around the Sun and the barycentre.
  double site_pv[2][3];
  eraPvtob(elong, phi, site.height_m, 0.0, 0.0, 0.0, eraEra00(ut1, ut2), site_pv);
  double helio[2][3], bary[2][3];
  eraEpv00(tt1, tt2, helio, bary);
  const Vec earth_velocity{{bary[1][0], bary[1][1], bary[1][2]}};
  const Vec site_geo = sub({{astrom.eb[0], astrom.eb[1], astrom.eb[2]}}, {{bary[0][0], bary[0][1], bary[0][2]}});

  // The Moon where it was when its light left it (the Earth's barycentric
  // motion over the light time included), as astropy's get_body has it.
  Vec moon_geo{}, moon_from_site{};
  double light_days = 0.0;
  for (int pass = 0; pass < 3; ++pass) {
    double pv[2][3];
    eraMoon98(tt1, tt2 - light_days, pv);
    moon_geo = {{pv[0][0], pv[0][1], pv[0][2]}};
    moon_from_site = sub(sub(moon_geo, scale(earth_velocity, light_days)), site_geo);
    light_days = norm(moon_from_site) / kLightAuPerDay;
  }
  e.moon = observed_body(moon_from_site, astrom);
  const Vec sun_geo{{-helio[0][0], -helio[0][1], -helio[0][2]}};
  e.sun = observed_body(sub(sun_geo, site_geo), astrom);
  e.moon_separation_deg =
      eraSeps(e.target.az_deg / kDeg, e.target.alt_deg / kDeg, e.moon.az_deg / kDeg,
              e.moon.alt_deg / kDeg) * kDeg;
  // Illuminated fraction from the Sun-Moon elongation seen from the geocentre.
  Vec sun = sun_geo;
  const double elongation = eraSepp(sun.v, moon_geo.v);
  const double phase = std::atan2(norm(sun_geo) * std::sin(elongation),
                                  norm(moon_geo) - norm(sun_geo) * std::cos(elongation));
  e.moon_illumination = 0.5 * (1.0 + std::cos(phase));

  // BJD(TDB): TDB plus the light time from the site to the barycentre along the target.
  double target_dir[3];
  eraS2c(ra_deg / kDeg, dec_deg / kDeg, target_dir);
  const double ut_fraction = std::fmod(ut1 - 0.5 + ut2, 1.0);
  const double spin_axis_km = std::hypot(site_pv[0][0], site_pv[0][1]) / 1000.0;
  const double tdb_minus_tt = eraDtdb(tt1, tt2, ut_fraction < 0 ? ut_fraction + 1 : ut_fraction,
                                      elong, spin_axis_km, site_pv[0][2] / 1000.0);
  double along = 0.0;
  for (int i = 0; i < 3; ++i) along += astrom.eb[i] * target_dir[i];
  e.bjd_tdb = tt1 + tt2 + tdb_minus_tt / 86400.0 + along / kLightAuPerDay;
  return e;
}

}  // namespace ap::astro
