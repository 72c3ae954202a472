#!/usr/bin/env bash
# Runs every stage benchmark (ap and its peers side by side) and prints the
# ratio tables that docs/PERFORMANCE.md records.
#   bench/run_all.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
for b in "$build"/bench/bench_*; do
  [[ -x "$b" ]] || continue
  echo "== $(basename "$b")"
  "$b" --benchmark_min_time=0.5
done
