"""Peer timing: astroscrappy.detect_cosmics with the settings of bench_cosmics.

Usage: astroscrappy_cosmics.py FILE.fits GAIN READNOISE [NITER] [REPEATS]. Times
detect_cosmics(data, gain, readnoise, niter, satlevel=65535 * gain) with the library defaults
otherwise (sigclip 4.5, sigfrac 0.3, objlim 5, sepmed, meanmask, fsmode median). Prints the
number of flagged pixels, then the best seconds per run on the last line.
"""
import sys
import time

import numpy as np
from astropy.io import fits
from astroscrappy import detect_cosmics


def main():
    data = fits.getdata(sys.argv[1]).astype(np.float32)
    gain, readnoise = float(sys.argv[2]), float(sys.argv[3])
    niter = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        mask, _ = detect_cosmics(data, gain=gain, readnoise=readnoise, niter=niter,
                                 satlevel=65535.0 * gain)
        best = min(best, time.perf_counter() - start)
    print(int(mask.sum()))
    print(best)


if __name__ == "__main__":
    main()
