"""Peer timing: STIFF making an 8-bit TIFF from three FITS images.

Usage: stiff_rgb.py R.fits G.fits B.fits. Quantile levels (0.6 black as ap's power stretch,
0.999 white), gamma 2.2, colour saturation 1, 2 threads. Prints "ok", then the seconds.
"""
import os
import subprocess
import sys
import tempfile
import time


def main():
    with tempfile.TemporaryDirectory() as d:
        cmd = ["stiff", *sys.argv[1:4], "-OUTFILE_NAME", os.path.join(d, "rgb.tif"),
               "-BITS_PER_CHANNEL", "8", "-MIN_TYPE", "QUANTILE", "-MIN_LEVEL", "0.6",
               "-MAX_TYPE", "QUANTILE", "-MAX_LEVEL", "0.999", "-GAMMA", "2.2", "-COLOUR_SAT", "1.0",
               "-NTHREADS", "2", "-WRITE_XML", "N", "-VERBOSE_TYPE", "QUIET"]
        start = time.perf_counter()
        subprocess.run(cmd, cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print("ok")
        print(time.perf_counter() - start)


if __name__ == "__main__":
    main()
