#!/usr/bin/env bash
# The main job on the default data (Fashion-MNIST from Debian's dataset-fashion-mnist):
# installs what is missing, builds in release, describes the data, draws the low-data and imbalanced splits the
# experiments use, and writes a sample grid. Outputs go to runs/ (or the folder given as the first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs}"
data=/usr/share/datasets/fashion-mnist

bash scripts/install-dependencies.sh
swift build -c release
augbench=.build/release/augbench

$augbench data info "$data"
$augbench data split --data "$data" --per-class 100 --validation-per-class 20 --seed 0 --output "$out/fmnist-100-seed0.h5"
$augbench data split --data "$data" --per-class 200 --minority 3:10 --minority 5:10 --validation-per-class 10 --seed 0 \
  --output "$out/fmnist-minority-seed0.h5"
$augbench data info "$out/fmnist-minority-seed0.h5"
$augbench data grid "$data" --per-class 12 --output "$out/fmnist-grid.png"
echo "main job finished: results in $out/"
