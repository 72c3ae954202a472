"""Peer timing: SWarp resampling and median-combining FITS frames onto a given grid.

Usage: swarp_stack.py GRID_HEADER.txt OVERSAMPLING FRAME.fits... The grid comes from a
FITS header text (SWarp's .head file: the output image's WCS and NAXIS1/2). Lanczos3, the
given oversampling, median combine, no background subtraction, flux scaling from the pixel
scales (FSCALASTRO FIXED), 2 threads. Prints "ok", then the seconds of one run.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time


def main():
    head, over, frames = sys.argv[1], sys.argv[2], sys.argv[3:]
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(head, os.path.join(d, "coadd.head"))
        cmd = ["SWarp", *frames, "-IMAGEOUT_NAME", os.path.join(d, "coadd.fits"),
               "-WEIGHTOUT_NAME", os.path.join(d, "coadd.weight.fits"), "-RESAMPLING_TYPE", "LANCZOS3",
               "-OVERSAMPLING", over, "-COMBINE_TYPE", "MEDIAN", "-SUBTRACT_BACK", "N",
               "-RESAMPLE_DIR", d, "-NTHREADS", "2", "-WRITE_XML", "N", "-VERBOSE_TYPE", "QUIET"]
        start = time.perf_counter()
        subprocess.run(cmd, cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print("ok")
        print(time.perf_counter() - start)


if __name__ == "__main__":
    main()
