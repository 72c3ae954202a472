"""Peer timing: astropy.io.fits reading a FITS image into float32.

Usage: fits_read.py FILE [REPEATS]. Prints the best seconds per read on the last line.
"""
import sys
import time

import numpy as np
from astropy.io import fits


def main():
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        with fits.open(path, memmap=False) as hdul:
            data = hdul[0].data.astype(np.float32)
        best = min(best, time.perf_counter() - start)
        del data
    print(best)


if __name__ == "__main__":
    main()
