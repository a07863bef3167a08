#!/usr/bin/env bash
# The main job on the default data (Fashion-MNIST from Debian's dataset-fashion-mnist). Installs what is missing,
# builds in release, then:
#   1. describes the data;
#   2. runs the `quick` baseline (Baselines/quick.yaml): every arm (original, traditional, cGAN, cGAN +
#      traditional, synthetic-only, more real data, mixup, cutmix) at 10 images per class over 4 seeds, the paired
#      statistics and a verdict per comparison, then each arm's mean against the expected results;
#   3. writes a grid of the first seed's cGAN samples and a preview of the traditional augmentation;
#   4. writes the run's report (index.html: one self-contained page; README.md; a CSV per table) and prints its path.
# Outputs go to runs/ (or the folder given as the first argument); running it again reuses what is done.
# Takes about 5 minutes on 2 cores after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs}"
data=/usr/share/datasets/fashion-mnist

bash scripts/install-dependencies.sh
swift build -c release
augbench=.build/release/augbench

$augbench data info "$data"
$augbench baseline quick --output "$out/quick"

samples=$(ls "$out"/quick/units/samples/K10/seed0/*.h5 | head -1)
$augbench data grid "$samples" --per-class 10 --output "$out/quick-cgan-samples-seed0.png"
$augbench augment preview "$data" --augment traditional --output "$out/augment-traditional.png"
echo "main job finished: results in $out/quick (run.h5 holds every statistic; units/ every model and sample set)"
echo "report:"
$augbench report "$out/quick" --output "$out/quick-report" --quiet
