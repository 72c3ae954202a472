"""Peer for `ap combine`: ccdproc.combine with the original's rejection.

Usage: ccdproc_combine.py OUT.fits IN.fits...
Per pixel: centre np.ma.median, spread astropy mad_std, reject beyond 5 spreads
(one pass), average of the rest. Writes the combined image, the mask (uint8) and
the uncertainty, all in float64 except the mask, to OUT.fits as HDUs 0, MASK, UNCERT.
"""
import sys
import warnings

import numpy as np
from astropy.io import fits
from astropy.stats import mad_std

import ccdproc


def main():
    out, inputs = sys.argv[1], sys.argv[2:]
    warnings.simplefilter("ignore")
    combined = ccdproc.combine(inputs, method="average", unit="adu", sigma_clip=True,
                               sigma_clip_low_thresh=5, sigma_clip_high_thresh=5,
                               sigma_clip_func=np.ma.median, sigma_clip_dev_func=mad_std,
                               dtype=np.float64)
    hdus = fits.HDUList([
        fits.PrimaryHDU(np.asarray(combined.data, dtype=np.float64)),
        fits.ImageHDU(np.asarray(combined.mask, dtype=np.uint8), name="MASK"),
        fits.ImageHDU(np.asarray(combined.uncertainty.array, dtype=np.float64), name="UNCERT"),
    ])
    hdus.writeto(out, overwrite=True)


if __name__ == "__main__":
    main()
