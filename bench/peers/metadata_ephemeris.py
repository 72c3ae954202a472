"""Peer timing: the metadata stage's sky positions with astropy and astroplan.

Usage: metadata_ephemeris.py FRAMES. For FRAMES instants 5 minutes apart in one night at
iTelescope New Mexico, looking at NGC 6888: the target's altitude, azimuth, airmass and hour
angle, the local sidereal time, the Moon's position, illumination and separation, the Sun's
altitude and the barycentric Julian date, as ap metadata writes them, computed by the test suite's
peer (tests/peers/astropy_ephemeris.py: offline, no refraction). Each frame is computed on its own,
as a pipeline calls it per file. Prints the seconds for all the frames on the last line.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "peers"))
import astropy.units as u  # noqa: E402
from astropy.coordinates import EarthLocation, SkyCoord  # noqa: E402
from astropy.time import Time  # noqa: E402
from astropy_ephemeris import sky  # noqa: E402


def main():
    frames = int(sys.argv[1])
    loc = EarthLocation.from_geodetic(-105.5287 * u.deg, 32.903308 * u.deg, 2222 * u.m)
    target = SkyCoord(303.027 * u.deg, 38.355 * u.deg, frame="icrs")
    start0 = Time("2020-07-17T04:00:00", scale="utc")
    instants = [(start0 + k * 300 * u.s).isot for k in range(frames)]
    sky(loc, Time(instants[0], scale="utc", location=loc), target)  # caches warmed, as ap's first frame
    start = time.perf_counter()
    for iso in instants:
        sky(loc, Time(iso, scale="utc", location=loc), target)
    print("ok")
    print(time.perf_counter() - start)


if __name__ == "__main__":
    main()
