#!/usr/bin/env bash
# Trains every GAN variant for its default steps on Fashion-MNIST with 100 images per class, for seeds 0-2 (each
# seed draws its own split, as in the classifier protocol), and collects each run's final sample grid and loss
# curve under Reports/gan-variants/. Runs that finished are skipped and interrupted ones resume, so the script
# can be run again after a stop. About 70 minutes on 2 cores.
#   bash scripts/gan-variants.sh [RUNS_FOLDER] [SEEDS...]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/gan-variants}"
shift || true
seeds=("${@:-0 1 2}")
seeds=(${seeds[@]})
data=/usr/share/datasets/fashion-mnist
report=Reports/gan-variants
augbench=.build/release/augbench
[ -x "$augbench" ] || { bash scripts/install-dependencies.sh; swift build -c release; }
mkdir -p "$out" "$report"

for seed in "${seeds[@]}"; do
  split="$out/fmnist-100-seed$seed.h5"
  [ -f "$split" ] || $augbench data split --data "$data" --per-class 100 --seed "$seed" -q --output "$split"
  for variant in dcgan cgan acgan wgan wgan-gp sngan; do
    run="$out/$variant-seed$seed"
    if [ -f "$run/done" ]; then continue; fi
    start=$(date +%s)
    if [ -f "$run/checkpoint.h5" ]; then
      $augbench gan train --resume --output "$run" -q
    else
      $augbench gan train --split "$split" --variant "$variant" --seed "$seed" --threads 2 --output "$run" -q
    fi
    echo "$(( $(date +%s) - start ))" > "$run/done"
    last=$(ls "$run"/samples-step-*.png | sort -t- -k3 -n | tail -1)
    cp "$last" "$report/$variant-seed$seed.png"
    cp "$run/losses.csv" "$report/$variant-seed$seed-losses.csv"
    echo "$variant seed $seed: $(tail -1 "$run/losses.csv") in $(cat "$run/done") s"
  done
done
