#!/usr/bin/env bash
# Installs the Debian packages AugBench builds, tests and runs with. Safe to run repeatedly.
#   OpenBLAS (BLAS + LAPACK), libhdf5 (serial) and its command-line tools, zlib, libpng,
#   Fashion-MNIST (the default data), python3-h5py (tests check that h5py reads every file we write) and
#   chromium (a test opens the HTML report headless, checks its console and takes its screenshot).
set -euo pipefail

packages=(pkg-config libopenblas-dev libhdf5-dev hdf5-tools zlib1g-dev libpng-dev dataset-fashion-mnist python3-h5py chromium)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
