"""Peer timing: the metadata stage's sky positions with astropy and astroplan.

Usage: metadata_ephemeris.py FRAMES. For FRAMES instants 5 minutes apart in one night at
iTelescope New Mexico, looking at NGC 6888: the target's altitude, azimuth, airmass and hour
angle, the local sidereal time, the Moon's position, illumination and separation, the Sun's
altitude and the barycentric Julian date, as ap metadata writes them (offline: no IERS download,
no refraction). Each frame is computed on its own, as a pipeline calls it per file. Prints the
seconds for all the frames on the last line.
"""
import sys
import time
import warnings

import astropy.units as u
from astropy.coordinates import TETE, AltAz, EarthLocation, SkyCoord, get_body
from astropy.time import Time
from astropy.utils import iers

iers.conf.auto_download = False
iers.conf.iers_degraded_accuracy = "ignore"
warnings.simplefilter("ignore")
from astroplan import moon_illumination  # noqa: E402


def frame(loc, target, iso):
    t = Time(iso, scale="utc", location=loc)
    altaz = AltAz(obstime=t, location=loc, pressure=0 * u.hPa)
    aa = target.transform_to(altaz)
    moon = get_body("moon", t, loc).transform_to(altaz)
    sun = get_body("sun", t, loc).transform_to(altaz)
    lst = t.sidereal_time("apparent", longitude=loc.lon)
    ha = (lst - target.transform_to(TETE(obstime=t, location=loc)).ra).wrap_at(180 * u.deg)
    bjd = t.tdb + t.light_travel_time(target, "barycentric", location=loc)
    return (aa.alt.deg, aa.az.deg, aa.secz, ha.deg, moon.alt.deg, moon_illumination(t),
            moon.separation(aa).deg, sun.alt.deg, bjd.jd)


def main():
    frames = int(sys.argv[1])
    loc = EarthLocation.from_geodetic(-105.5287 * u.deg, 32.903308 * u.deg, 2222 * u.m)
    target = SkyCoord(303.027 * u.deg, 38.355 * u.deg, frame="icrs")
    start0 = Time("2020-07-17T04:00:00", scale="utc")
    instants = [(start0 + k * 300 * u.s).isot for k in range(frames)]
    frame(loc, target, instants[0])  # imports and caches warmed up, as ap's first frame
    start = time.perf_counter()
    for iso in instants:
        frame(loc, target, iso)
    print("ok")
    print(time.perf_counter() - start)


if __name__ == "__main__":
    main()
