"""Peer timing: Debian's solve-field on the same star list as bench_solve.

Usage: solve_field.py XYLIST.fits WIDTH HEIGHT RA DEC SCALE [REPEATS]. Runs solve-field on
the FITS 1-based X, Y list with the same hints ap gets (centre within 2 degrees, scale within
a factor 1.3), no plots and no new FITS image, and times the whole call, as a user would pay
it per frame. Prints "solved" or "unsolved", then the best seconds per run.
"""
import os
import subprocess
import sys
import tempfile
import time


def main():
    xy, w, h, ra, dec, scale = sys.argv[1:7]
    repeats = int(sys.argv[7]) if len(sys.argv) > 7 else 3
    s = float(scale)
    best, solved = float("inf"), False
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            cmd = ["solve-field", "--no-plots", "--overwrite", "--new-fits", "none", "--width", w,
                   "--height", h, "--x-column", "X", "--y-column", "Y", "--sort-column", "FLUX",
                   "--scale-units", "arcsecperpix", "--scale-low", str(s / 1.3),
                   "--scale-high", str(s * 1.3), "--ra", ra, "--dec", dec, "--radius", "2",
                   "--cpulimit", "60", "-D", out, xy]
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            best = min(best, time.perf_counter() - start)
            solved = os.path.exists(os.path.join(out, os.path.splitext(os.path.basename(xy))[0] + ".solved"))
    print("solved" if solved else "unsolved")
    print(best)


if __name__ == "__main__":
    main()
