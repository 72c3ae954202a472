"""Peer: astroscrappy.detect_cosmics (Debian python3-astroscrappy) on a FITS image.

Usage: astroscrappy_cosmics.py IN.fits OUT_MASK.fits --gain G --readnoise R
           [--sigclip 4.5] [--sigfrac 0.3] [--objlim 5] [--niter 4] [--satlevel ADU]
           [--fsmode median|convolve] [--psffwhm 2.5] [--psfsize 7] [--no-sepmed]
           [--cleantype meanmask] [--clean OUT_CLEAN.fits]
       astroscrappy_cosmics.py --fake OUT.fits

The image is read as float32 (HDU 0). satlevel is given in ADU, as ap takes it, and passed
to astroscrappy in electrons (gain x ADU). Writes the cosmic-ray mask as uint8 (1 = cosmic
ray) and optionally the cleaned image.
--fake writes the frame of astroscrappy's own test (tests/fake_data.make_fake_data: 1001x1001,
seed 200, 100 single-pixel cosmic rays) as float32 in HDU 0 and its cosmic-ray truth as a
uint8 image extension CRMASK.
"""
import argparse

import numpy as np
from astropy.io import fits


def main():
    p = argparse.ArgumentParser()
    p.add_argument("input", nargs="?")
    p.add_argument("output", nargs="?")
    p.add_argument("--fake")
    p.add_argument("--gain", type=float)
    p.add_argument("--readnoise", type=float)
    p.add_argument("--sigclip", type=float, default=4.5)
    p.add_argument("--sigfrac", type=float, default=0.3)
    p.add_argument("--objlim", type=float, default=5.0)
    p.add_argument("--niter", type=int, default=4)
    p.add_argument("--satlevel", type=float, default=65535.0)
    p.add_argument("--fsmode", default="median")
    p.add_argument("--psffwhm", type=float, default=2.5)
    p.add_argument("--psfsize", type=int, default=7)
    p.add_argument("--cleantype", default="meanmask")
    p.add_argument("--no-sepmed", action="store_true")
    p.add_argument("--clean")
    a = p.parse_args()

    if a.fake:
        from astroscrappy.tests import fake_data
        data, truth = fake_data.make_fake_data()
        fits.HDUList([fits.PrimaryHDU(np.asarray(data, dtype=np.float32)),
                      fits.ImageHDU(truth.astype(np.uint8), name="CRMASK")]).writeto(
                          a.fake, overwrite=True)
        return

    from astroscrappy import detect_cosmics
    data = fits.getdata(a.input, 0).astype(np.float32)
    mask, clean = detect_cosmics(
        data, sigclip=a.sigclip, sigfrac=a.sigfrac, objlim=a.objlim, gain=a.gain,
        readnoise=a.readnoise, satlevel=a.satlevel * a.gain, niter=a.niter,
        sepmed=not a.no_sepmed, cleantype=a.cleantype, fsmode=a.fsmode,
        psffwhm=a.psffwhm, psfsize=a.psfsize)
    fits.PrimaryHDU(mask.astype(np.uint8)).writeto(a.output, overwrite=True)
    if a.clean:
        fits.PrimaryHDU(np.asarray(clean, dtype=np.float32)).writeto(a.clean, overwrite=True)


if __name__ == "__main__":
    main()
