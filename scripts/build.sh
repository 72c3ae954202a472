#!/usr/bin/env bash
# Configures and builds into build/ (extra CMake arguments are passed on).
#   scripts/build.sh [BUILD_DIR] [--target NAME] [-DOPTION=VALUE ...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
if [[ $# -gt 0 && "$1" != -* ]]; then dir=$1; shift; fi
target=()
if [[ $# -gt 1 && "$1" == --target ]]; then target=(--target "$2"); shift 2; fi
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)" "${target[@]}"
