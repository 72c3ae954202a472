#!/usr/bin/env bash
# The README's main job: install, build, and run `ap demo`: simulate an
# iTelescope night (T20 on NGC 6888 in Red, Green, Blue and Ha, 10 frames of
# 2048x2048 each, with its calibration library), rebuild the masters from their
# raws, process the night with `ap run` and write the report.
#   scripts/demo.sh [DIR]   (default: ./demo; a second run reuses it and is up to date)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build -DAP_BUILD_TESTS=OFF -DAP_BUILD_BENCH=OFF
build/src/ap demo "${1:-demo}"
