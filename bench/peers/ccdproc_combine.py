"""Peer timing: ccdproc.combine of raw frames with the original's rejection.

Usage: ccdproc_combine.py FILE... Per pixel: centre np.ma.median, spread
astropy mad_std, reject beyond 5 spreads (one pass), average of the rest, with
the original's 5e8-byte memory limit (ccdproc then combines in tiles, re-reading
every file per tile). Prints the seconds of one combination on the last line.
"""
import sys
import time
import warnings

import numpy as np
from astropy.stats import mad_std

import ccdproc


def main():
    files = sys.argv[1:]
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    ccdproc.combine(files, method="average", unit="adu", sigma_clip=True,
                    sigma_clip_low_thresh=5, sigma_clip_high_thresh=5,
                    sigma_clip_func=np.ma.median, sigma_clip_dev_func=mad_std, mem_limit=5e8)
    print(time.perf_counter() - start)


if __name__ == "__main__":
    main()
