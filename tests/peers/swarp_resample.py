"""Peer: SWarp resampling one frame onto the grid of a template FITS image.

Usage: swarp_resample.py IN.fits TEMPLATE.fits OVERSAMPLING OUT.fits
The template's size and celestial WCS become SWarp's output header (its .head file);
Lanczos3, the given oversampling, no background subtraction, flux scaled by the pixel
scales (FSCALASTRO FIXED, SWarp's default).
"""
import os
import shutil
import subprocess
import sys
import tempfile

from astropy.io import fits

KEEP = ("NAXIS", "CTYPE", "CRVAL", "CRPIX", "CDELT", "CD1_", "CD2_", "PC1_", "PC2_", "CUNIT",
        "RADESYS", "EQUINOX", "LONPOLE", "LATPOLE")


def main():
    src, template, over, out = sys.argv[1:5]
    header = fits.getheader(template)
    lines = [card.image.rstrip() for card in header.cards if card.keyword.startswith(KEEP)]
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "coadd.head"), "w") as f:
            f.write("\n".join(lines + ["END"]) + "\n")
        subprocess.run(["SWarp", os.path.abspath(src), "-IMAGEOUT_NAME", "coadd.fits",
                        "-WEIGHTOUT_NAME", "coadd.weight.fits", "-RESAMPLING_TYPE", "LANCZOS3",
                        "-OVERSAMPLING", over, "-SUBTRACT_BACK", "N", "-RESAMPLE_DIR", d,
                        "-NTHREADS", "1", "-WRITE_XML", "N", "-VERBOSE_TYPE", "QUIET"],
                       cwd=d, check=True, stdout=subprocess.DEVNULL)
        shutil.move(os.path.join(d, "coadd.fits"), out)


if __name__ == "__main__":
    main()
