"""Peer timing: sep.Background (SExtractor's background) with the same boxes.

Usage: sep_background.py FILE.fits BOX_HEIGHT BOX_WIDTH [REPEATS]. Times
sep.Background(data, bw, bh, fw=3, fh=3) plus its full-size background and RMS maps.
Prints the best seconds per run on the last line.
"""
import sys
import time

import numpy as np
import sep
from astropy.io import fits


def main():
    data = np.ascontiguousarray(fits.getdata(sys.argv[1]), dtype=np.float32)
    bh, bw = int(sys.argv[2]), int(sys.argv[3])
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        bkg = sep.Background(data, bw=bw, bh=bh, fw=3, fh=3)
        bkg.back()
        bkg.rms()
        best = min(best, time.perf_counter() - start)
    print(best)


if __name__ == "__main__":
    main()
