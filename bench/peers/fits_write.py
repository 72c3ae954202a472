"""Peer timing: astropy.io.fits writing a float32 image.

Usage: fits_write.py OUTFILE WIDTH HEIGHT [REPEATS]. Prints the best seconds per write.
"""
import sys
import time

import numpy as np
from astropy.io import fits


def main():
    path, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    data = np.random.default_rng(1).normal(1000, 10, (height, width)).astype(np.float32)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fits.PrimaryHDU(data).writeto(path, overwrite=True)
        best = min(best, time.perf_counter() - start)
    print(best)


if __name__ == "__main__":
    main()
