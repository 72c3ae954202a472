#!/bin/sh
# Seed corpus of a fuzz target, into DIRECTORY:
#   fuzz_fits_read: small valid FITS files of every kind the reader handles, written by astropy;
#   fuzz_yaml_read: an ap run configuration and a bad-pixel list.
#   tests/fuzz/make_corpus.sh fuzz_fits_read corpus && build-fuzz/tests/fuzz/fuzz_fits_read corpus
set -eu
[ $# -eq 2 ] || { echo "usage: $0 FUZZER DIRECTORY" >&2; exit 2; }
mkdir -p "$2"
if [ "$1" = fuzz_yaml_read ]; then
  printf 'run:\n  jobs: 2\n  data: data\n  stages: [metadata, stars]\nstars:\n  sigma: 5.5\n  enabled: true\n' >"$2/run.yaml"
  printf '# bad pixels\nbad_columns: [12, 13]\nbad_rows: []\nbad_rectangles:\n  - [1, 5, 10, 20]\n' >"$2/badpix.yaml"
  exit 0
fi
/usr/bin/python3 - "$2" <<'PY'
import os
import sys
import warnings

import numpy as np
from astropy.io import fits

out = sys.argv[1]
warnings.simplefilter("ignore")
rng = np.random.default_rng(1)


def save(name, hdus):
    fits.HDUList(hdus).writeto(os.path.join(out, name), overwrite=True, checksum=True)


shape = (6, 8)
h = fits.Header()
h["EXPTIME"] = ("300", "numeric string")
h["PEDESTAL"] = -100
h["HIERARCH ESO DET DIT"] = 1.5
h["LONGSTR"] = "x" * 150
h["HISTORY"] = "seed"
save("u16.fits", [fits.PrimaryHDU(rng.integers(0, 65535, shape).astype(np.uint16), h)])

for dtype in (np.uint8, np.int16, np.int32, np.int64, np.float32, np.float64):
    data = (rng.random(shape) * 100).astype(dtype)
    save(f"{np.dtype(dtype).name}.fits", [fits.PrimaryHDU(data)])

f32 = rng.random(shape).astype(np.float32)
f32[2, 3] = np.nan
scaled = fits.PrimaryHDU(rng.integers(-1000, 1000, shape).astype(np.int16))
scaled.header["BSCALE"] = 0.5
scaled.header["BZERO"] = 10.0
scaled.header["BLANK"] = -1000
save("scaled.fits", [scaled])
table = fits.BinTableHDU.from_columns([
    fits.Column(name="X", format="D", array=np.arange(3.0)),
    fits.Column(name="N", format="J", array=np.arange(3)),
    fits.Column(name="NAME", format="8A", array=["a", "bb", "ccc"]),
], name="CAT")
save("multi.fits", [fits.PrimaryHDU(), fits.ImageHDU(f32, name="SCI"),
                    fits.ImageHDU(np.zeros(shape, np.uint8), name="MASK"), table])
save("table.fits", [fits.PrimaryHDU(), table])
save("cube.fits", [fits.PrimaryHDU(np.zeros((2,) + shape, np.float32))])
save("plane.fits", [fits.PrimaryHDU(np.zeros((1,) + shape, np.float32))])
save("rice.fits", [fits.PrimaryHDU(), fits.CompImageHDU(
    rng.integers(0, 4000, shape).astype(np.int16), compression_type="RICE_1")])
save("gzip.fits", [fits.PrimaryHDU(), fits.CompImageHDU(f32, compression_type="GZIP_2")])
PY
