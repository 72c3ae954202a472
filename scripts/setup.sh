#!/usr/bin/env bash
# Installs the Debian 12 packages this project needs (idempotent).
#   scripts/setup.sh          build and run: compilers, libraries, Tycho-2 index files
#   scripts/setup.sh --tests  also the peer tools the tests compare against, and clang for fuzzing
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libcfitsio-dev wcslib-dev liberfa-dev libastrometry-dev astrometry.net
  astrometry-data-tycho2-10-19-littleendian
  libcli11-dev libspdlog-dev libfmt-dev libyaml-cpp-dev nlohmann-json3-dev libeigen3-dev
  libpng-dev libtiff-dev libcairo2-dev libcurl4-openssl-dev libzip-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [[ "${1:-}" == "--tests" ]]; then
  packages+=(
    clang-14 libclang-rt-14-dev
    python3-numpy python3-astropy python3-ccdproc python3-photutils python3-sep
    python3-astroscrappy python3-astroplan python3-reproject swarp stiff chromium
  )
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
[[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
echo "Installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
