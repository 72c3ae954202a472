#!/usr/bin/env bash
# The README's test command: install, build, and run the whole test suite:
# a short libFuzzer run of every fuzz target, the unit/truth/peer tests under
# AddressSanitizer + UndefinedBehaviorSanitizer, and the same tests in Release.
#   scripts/test.sh            everything
#   AP_FUZZ_SECONDS=N          fuzzing time per target (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
export AP_THREADS=${AP_THREADS:-$jobs}

scripts/setup.sh --tests

echo "== libFuzzer"
scripts/build.sh build-fuzz --target fuzzers -DAP_FUZZ=ON -DAP_BUILD_TESTS=OFF -DAP_BUILD_BENCH=OFF \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo
for fuzzer in build-fuzz/tests/fuzz/fuzz_*; do
  [[ -x "$fuzzer" ]] || continue
  name=$(basename "$fuzzer")
  corpus=build-fuzz/corpus/$name
  mkdir -p "$corpus"
  tests/fuzz/make_corpus.sh "$name" "$corpus"
  log=build-fuzz/$name.log
  if ! "$fuzzer" -max_total_time="${AP_FUZZ_SECONDS:-60}" -rss_limit_mb=4096 -artifact_prefix=build-fuzz/ \
      -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "$name: the fuzzer found a crash (input saved in build-fuzz, see above)"
    exit 1
  fi
  tail -n 3 "$log"
done

echo "== AddressSanitizer + UndefinedBehaviorSanitizer"
scripts/build.sh build-asan -DAP_SANITIZE=ON -DAP_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS=suppressions="$PWD/../tests/lsan.supp" \
  ctest --output-on-failure -j "$jobs")

echo "== Release build and tests"
scripts/build.sh build
(cd build && ctest --output-on-failure -j "$jobs")
