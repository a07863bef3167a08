#!/usr/bin/env bash
# Times one GAN-augmented arm (cGAN with DiffAugment, sampling, the classifier on real + synthetic images) in
# AugBench (`augbench run` on a one-arm protocol) and in plain PyTorch (Benchmarks/torch_gan_arm.py), interleaved,
# and prints each round's seconds, the medians and their ratio (AugBench / PyTorch: below 1 means AugBench is faster).
#
# usage: Benchmarks/time-gan-arm.sh [THREADS] [ROUNDS]
# The arm: K images per class, GAN_STEPS at GAN_BATCH, PER_CLASS x OVERSAMPLE candidates per class with a sampler
# classifier of SAMPLER_EPOCHS, the classifier for CLF_STEPS at CLF_BATCH (validation every EVERY); override any of
# them in the environment. Creates the PyTorch environment in ${VENV:-/tmp/ref} when missing. Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
rounds="${2:-3}"
data=/usr/share/datasets/fashion-mnist
venv="${VENV:-/tmp/ref}"
: "${K:=100}" "${GAN_STEPS:=3000}" "${GAN_BATCH:=64}" "${PER_CLASS:=100}" "${OVERSAMPLE:=3}" "${SAMPLER_EPOCHS:=30}"
: "${CLF_STEPS:=1000}" "${CLF_BATCH:=128}" "${EVERY:=50}"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  echo "creating the PyTorch environment in $venv (a few GB, several minutes)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch numpy
fi
swift build -c release >/dev/null
augbench=.build/release/augbench

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/arm.yaml" <<YAML
name: gan-arm-timing
dataset: $data
split: {per_class: $K, validation_per_class: 20}
seeds: 1
gan_metrics: false
classifier: {steps: $CLF_STEPS, batch_size: $CLF_BATCH, evaluate_every: $EVERY, select_best_validation: true}
arms:
  - gan:
      gan: {variant: cgan, diffaugment: true, steps: $GAN_STEPS, batch_size: $GAN_BATCH}
      sampling: {per_class: $PER_CLASS, oversample: $OVERSAMPLE, classifier_epochs: $SAMPLER_EPOCHS}
      ratio: 1
YAML

echo "threads $threads, $rounds rounds, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "arm: K $K, cgan+DiffAugment $GAN_STEPS steps x $GAN_BATCH, $PER_CLASS x $OVERSAMPLE candidates/class, sampler $SAMPLER_EPOCHS epochs, classifier $CLF_STEPS steps x $CLF_BATCH"
ours=() theirs=()
for round in $(seq "$rounds"); do
  rm -rf "$work/run"
  start=$(date +%s.%N)
  "$augbench" run "$work/arm.yaml" --output "$work/run" --threads "$threads" --quiet >/dev/null
  ours+=("$(awk "BEGIN {print $(date +%s.%N) - $start}")")
  # Seconds of each unit AugBench ran (split, GAN, samples, classifier), from the run folder's timings.csv.
  units=$(awk -F, 'NR > 1 {printf "%s%s %.1f", (NR > 2 ? ", " : ""), $2, $4}' "$work/run/timings.csv")
  start=$(date +%s.%N)
  line=$("$venv/bin/python" Benchmarks/torch_gan_arm.py "$data" "$K" "$GAN_STEPS" "$GAN_BATCH" "$PER_CLASS" "$OVERSAMPLE" \
         "$SAMPLER_EPOCHS" "$CLF_STEPS" "$CLF_BATCH" "$EVERY" "$threads")
  theirs+=("$(awk "BEGIN {print $(date +%s.%N) - $start}")")
  printf "round %d: augbench %.1f s (%s), pytorch %.1f s (%s)\n" "$round" "${ours[-1]}" "$units" "${theirs[-1]}" "$line"
done
median() { printf "%s\n" "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
a=$(median "${ours[@]}") p=$(median "${theirs[@]}")
printf "median: augbench %.1f s, pytorch %.1f s, ratio %.2f (goal: 0.70 or less)\n" "$a" "$p" "$(awk "BEGIN {print $a / $p}")"
