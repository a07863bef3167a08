#!/usr/bin/env bash
# Runs AugBench's benchmark and the PyTorch anchor script back to back, several rounds, same thread count,
# and prints the median rate of each and their ratio per workload (> 1 means AugBench is faster).
#
# usage: Benchmarks/compare-with-pytorch.sh [THREADS] [ROUNDS]
# Needs the anchor script (../shared/anchors/torch_workloads.py, or ANCHORS=folder) and creates the PyTorch
# virtual environment in ${VENV:-/tmp/ref} when it is missing (a few GB). Not run by CI.
# Set UNSET_OPENBLAS_CORETYPE=1 to also run AugBench with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
rounds="${2:-3}"
anchors="${ANCHORS:-$(cd .. && pwd)/shared/anchors}"
venv="${VENV:-/tmp/ref}"

[ -f "$anchors/torch_workloads.py" ] || { echo "error: $anchors/torch_workloads.py not found (set ANCHORS)" >&2; exit 1; }
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, scipy" 2>/dev/null; then
  echo "creating the PyTorch environment in $venv (a few GB, several minutes)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch scipy h5py numpy
fi
swift build -c release >/dev/null
augbench=${AUGBENCH:-.build/release/augbench}   # AUGBENCH=path compares another build (an older commit's)

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq "$rounds"); do
  echo "round $round/$rounds" >&2
  "$augbench" bench --threads "$threads" | grep -v '^#' | sed 's/^/augbench /' >> "$results"
  if [ "${UNSET_OPENBLAS_CORETYPE:-0}" = 1 ]; then
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$augbench" bench --threads "$threads" | grep -v '^#' | sed 's/^/augbench-unset /' >> "$results"
  fi
  "$venv/bin/python" "$anchors/torch_workloads.py" "$threads" | sed 's/^/pytorch /' >> "$results"
done

echo "threads $threads, $rounds rounds, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$venv/bin/python" - "$results" <<'PY'
import sys, statistics, collections
rates = collections.defaultdict(list)
for line in open(sys.argv[1]):
    side, name, value, *_ = line.split()
    rates[(side, name)].append(float(value))
names = sorted({name for side, name in rates})
# FLOP per unit of each workload (anchors/README.md), for achieved GFLOP/s.
flop = {"classifier_step_b128": 3.2, "dcgan_step_b64": 10.3, "extract_1000": 8.5}
sgemm = rates.get(("augbench", "sgemm_2048"))
if sgemm:
    print(f"OpenBLAS sgemm 2048^3 through AugBench's threads: {statistics.median(sgemm):.1f} GFLOP/s")
print(f"{'workload':24} {'augbench':>10} {'pytorch':>10} {'ratio':>7} {'GFLOP/s':>8}")
for name in names:
    ours, theirs = rates.get(("augbench", name)), rates.get(("pytorch", name))
    if not ours or not theirs:
        continue
    a, p = statistics.median(ours), statistics.median(theirs)
    line = f"{name:24} {a:10.2f} {p:10.2f} {a / p:7.2f} {a * flop.get(name, 0):8.1f}"
    unset = rates.get(("augbench-unset", name))
    if unset:
        line += f"   (coretype unset: {statistics.median(unset):.2f}, ratio {statistics.median(unset) / p:.2f})"
    print(line)
PY
