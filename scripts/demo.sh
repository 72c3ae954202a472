#!/usr/bin/env bash
# The README's main job: install, build, simulate an iTelescope night and run
# the stages implemented so far on it (ap demo will replace this).
#   scripts/demo.sh [OUTPUT_DIR]   (default: ./demo)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build -DAP_BUILD_TESTS=OFF -DAP_BUILD_BENCH=OFF
out=${1:-demo}
ap=build/src/ap
"$ap" --help
rm -rf "$out"
"$ap" simulate "$out" --frames 2 --filters Red,Ha --size 1024x1024 --max-stars 3000
first=$(find "$out/data" -name 'raw-*.fit' | sort | head -n 1)
"$ap" info "$first"
"$ap" background "$first" "$out/background.fits" --subtracted "$out/sky-subtracted.fits"
"$ap" info "$out/sky-subtracted.fits"
echo "Demo data and results are in $out/"
