"""Peer timing: numpy.median and astropy.stats.sigma_clipped_stats of a float32 image.

Usage: stats.py FILE.f32 median|sigclip [REPEATS]. FILE.f32 holds raw native float32
values. sigclip uses sigma=3, maxiters=5, cenfunc='median', stdfunc='std' (the
original's call). Prints the best seconds per run on the last line.
"""
import sys
import time
import warnings

import numpy as np
from astropy.stats import sigma_clipped_stats


def main():
    data = np.fromfile(sys.argv[1], dtype=np.float32)
    operation = sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    if operation == "median":
        run = lambda: np.median(data)
    elif operation == "sigclip":
        run = lambda: sigma_clipped_stats(data, sigma=3.0, maxiters=5, cenfunc="median",
                                          stdfunc="std")
    else:
        sys.exit(f"stats.py: unknown operation {operation!r}")
    warnings.simplefilter("ignore")
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    print(best)


if __name__ == "__main__":
    main()
