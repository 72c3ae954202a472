"""Peer timing: star detection on a background-subtracted frame.

Usage: stars_detect.py FILE.fits photutils|sep FWHM NSIGMA SIGMA [REPEATS]. photutils:
DAOStarFinder(threshold=NSIGMA*SIGMA, fwhm=FWHM).find_stars(data - median). sep: sep.extract
(data - median, NSIGMA, err=SIGMA). Prints the number found, then the best seconds per run.
"""
import sys
import time

import numpy as np
from astropy.io import fits


def main():
    data = np.ascontiguousarray(fits.getdata(sys.argv[1]), dtype=np.float32)
    tool, fwhm, nsigma, sigma = sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    repeats = int(sys.argv[6]) if len(sys.argv) > 6 else 3
    data = data - np.median(data)
    if tool == "photutils":
        from photutils.detection import DAOStarFinder
        finder = DAOStarFinder(threshold=nsigma * sigma, fwhm=fwhm)
        run = lambda: len(finder.find_stars(data))
    else:
        import sep
        run = lambda: len(sep.extract(data, nsigma, err=sigma))
    best, n = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        n = run()
        best = min(best, time.perf_counter() - start)
    print(n)
    print(best)


if __name__ == "__main__":
    main()
