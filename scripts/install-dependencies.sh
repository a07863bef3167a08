#!/usr/bin/env bash
# Installs the Debian packages AugBench builds, tests and runs with. Safe to run repeatedly.
#   OpenBLAS (BLAS + LAPACK), libhdf5 (serial) and its command-line tools, zlib, libpng,
#   Fashion-MNIST (the default data), python3-h5py (tests check that h5py reads every file we write),
#   chromium (a test opens the HTML report headless, checks its console and takes its screenshot),
#   python3-venv (for the tools' virtual environment below) and jq (scripts/docs.sh reads DocC's output with it).
# Then cffconvert 2.0.0 from PyPI (a test validates CITATION.cff with it), in a virtual environment inside the
# repository, .venv-tools/ (ignored by git).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

packages=(pkg-config libopenblas-dev libhdf5-dev hdf5-tools zlib1g-dev libpng-dev dataset-fashion-mnist python3-h5py chromium
          python3-venv jq)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

tools="$repo/.venv-tools"
if [ ! -x "$tools/bin/cffconvert" ]; then
  echo "installing: cffconvert==2.0.0 (PyPI) into $tools" >&2
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q --disable-pip-version-check cffconvert==2.0.0
fi
