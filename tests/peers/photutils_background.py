"""Peer: photutils Background2D with the original ap_measure_background recipe.

Usage: photutils_background.py IN.fits OUT_BG.fits OUT_RMS.fits --box HEIGHT WIDTH
           [--filter 3] [--pct 25] [--sigma 3] [--estimator median|sextractor]
           [--dilate 13] [--no-mask] [--mask-out MASK.fits]

Source mask: detect_threshold(nsigma=2, SigmaClip(sigma=3, maxiters=10)), detect_sources
(npixels=5, 8-connected), dilated by a DILATE x DILATE square. Background2D with that mask,
exclude_percentile=PCT, SigmaClip(sigma=SIGMA) (astropy default maxiters=5), the given
estimator, StdBackgroundRMS and every other setting at its default (edge_method 'pad',
BkgZoomInterpolator). Writes the background and RMS maps as float64 FITS.
"""
import argparse
import warnings

import numpy as np
from astropy.io import fits
from astropy.stats import SigmaClip
from photutils.background import Background2D, MedianBackground, SExtractorBackground
from photutils.segmentation import detect_sources, detect_threshold


def source_mask(data, dilate):
    threshold = detect_threshold(data, nsigma=2.0, sigma_clip=SigmaClip(sigma=3.0, maxiters=10))
    segm = detect_sources(data, threshold, npixels=5)
    if segm is None:
        return np.zeros(data.shape, dtype=bool)
    return segm.make_source_mask(footprint=np.ones((dilate, dilate), dtype=bool))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("input")
    p.add_argument("out_bg")
    p.add_argument("out_rms")
    p.add_argument("--box", type=int, nargs=2, required=True, metavar=("HEIGHT", "WIDTH"))
    p.add_argument("--filter", type=int, default=3)
    p.add_argument("--pct", type=float, default=25.0)
    p.add_argument("--sigma", type=float, default=3.0)
    p.add_argument("--estimator", default="median", choices=["median", "sextractor"])
    p.add_argument("--dilate", type=int, default=13)
    p.add_argument("--no-mask", action="store_true")
    p.add_argument("--mask-out")
    a = p.parse_args()
    warnings.simplefilter("ignore")

    data = fits.getdata(a.input).astype(np.float64)
    mask = np.zeros(data.shape, dtype=bool) if a.no_mask else source_mask(data, a.dilate)
    if a.mask_out:
        fits.writeto(a.mask_out, mask.astype(np.uint8), overwrite=True)
    estimator = MedianBackground() if a.estimator == "median" else SExtractorBackground()
    bkg = Background2D(data, tuple(a.box), filter_size=(a.filter, a.filter), mask=mask,
                       exclude_percentile=a.pct, sigma_clip=SigmaClip(sigma=a.sigma),
                       bkg_estimator=estimator)
    fits.writeto(a.out_bg, bkg.background, overwrite=True)
    fits.writeto(a.out_rms, bkg.background_rms, overwrite=True)
    print(f"median {bkg.background_median} rms {bkg.background_rms_median}")


if __name__ == "__main__":
    main()
