#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test in release mode (numeric code is ~20x slower in debug).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift test -c release "$@"
