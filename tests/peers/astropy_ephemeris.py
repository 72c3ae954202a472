"""Peer: astropy/astroplan positions for the metadata stage.

Usage: astropy_ephemeris.py IN.txt OUT.txt. Each input line: LAT LON HEIGHT ISO_UTC RA DEC.
Each output line: alt az ha lst airmass moon_alt moon_az moon_illum moon_sep sun_alt bjd_tdb
(degrees, JD). Offline: no IERS download, DUT1 = 0 (as ap), no refraction (pressure 0);
the Moon from astropy's built-in ephemeris (ERFA moon98) seen from the site; the hour angle from
the apparent (TETE) right ascension; the Moon separation is the angle between the Moon's and the target's horizontal positions.
"""
import sys
import warnings

import astropy.units as u
from astropy.coordinates import TETE, AltAz, EarthLocation, SkyCoord, get_body
from astropy.time import Time
from astropy.utils import iers

iers.conf.auto_download = False
iers.conf.iers_degraded_accuracy = "ignore"
warnings.simplefilter("ignore")
from astroplan import moon_illumination  # noqa: E402


def sky(loc, t, target):
    """The metadata stage's quantities at time t for the target seen from loc, in output order."""
    frame = AltAz(obstime=t, location=loc, pressure=0 * u.hPa)
    aa = target.transform_to(frame)
    moon = get_body("moon", t, loc).transform_to(frame)
    sun = get_body("sun", t, loc).transform_to(frame)
    lst = t.sidereal_time("apparent", longitude=loc.lon)
    ha = (lst - target.transform_to(TETE(obstime=t, location=loc)).ra).wrap_at(180 * u.deg)
    bjd = t.tdb + t.light_travel_time(target, "barycentric", location=loc)
    return (aa.alt.deg, aa.az.deg, ha.deg, lst.deg, aa.secz, moon.alt.deg, moon.az.deg,
            moon_illumination(t), moon.separation(aa).deg, sun.alt.deg, bjd.jd)


def main():
    out = []
    for line in open(sys.argv[1]):
        lat, lon, height, iso, ra, dec = line.split()
        loc = EarthLocation.from_geodetic(float(lon) * u.deg, float(lat) * u.deg, float(height) * u.m)
        t = Time(iso, scale="utc", location=loc)
        t.delta_ut1_utc = 0.0
        target = SkyCoord(float(ra) * u.deg, float(dec) * u.deg, frame="icrs")
        out.append(" ".join(repr(float(v)) for v in sky(loc, t, target)))
    open(sys.argv[2], "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
