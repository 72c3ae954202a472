"""Peer: photutils DAOStarFinder and exact circular aperture photometry.

Usage: photutils_stars.py IN.fits OUT.csv --fwhm F --threshold T [--mask MASK.fits]
           [--radius R]

IN holds background-subtracted data. DAOStarFinder(threshold=T, fwhm=F) with every other
parameter at its photutils default; with --radius also the aperture_photometry sum
(method 'exact') of a circle of radius R at every detection. Writes one line per source:
x,y,sharpness,roundness1,roundness2,peak,flux[,aperture_sum] (0-based coordinates).
"""
import argparse

import numpy as np
from astropy.io import fits
from photutils.aperture import CircularAperture, aperture_photometry
from photutils.detection import DAOStarFinder


def main():
    p = argparse.ArgumentParser()
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--fwhm", type=float, required=True)
    p.add_argument("--threshold", type=float, required=True)
    p.add_argument("--mask")
    p.add_argument("--radius", type=float)
    a = p.parse_args()
    data = fits.getdata(a.input).astype(float)
    mask = fits.getdata(a.mask).astype(bool) if a.mask else None
    found = DAOStarFinder(threshold=a.threshold, fwhm=a.fwhm).find_stars(data, mask=mask)
    with open(a.output, "w") as out:
        if found is None:
            return
        cols = [found[c] for c in ("xcentroid", "ycentroid", "sharpness", "roundness1",
                                   "roundness2", "peak", "flux")]
        if a.radius:
            pos = np.transpose((found["xcentroid"], found["ycentroid"]))
            phot = aperture_photometry(data, CircularAperture(pos, r=a.radius), method="exact")
            cols.append(phot["aperture_sum"])
        for row in zip(*cols):
            out.write(",".join(repr(float(v)) for v in row) + "\n")


if __name__ == "__main__":
    main()
