#!/usr/bin/env bash
# Runs the fashion-low-data baseline (211 units) on a Slurm cluster: 8 array tasks of 2 CPUs, then the merge, then
# the check against Baselines/fashion-low-data.expected.yaml. Run it on the login node from the repository, with
# augbench built there (swift build -c release). RUNS must be on storage every compute node sees (a shared home or
# project folder), and so must this checkout (the tasks run its .build/release/augbench).
#   RUNS=/shared/$USER/augbench-runs PARTITION=short bash Baselines/slurm/fashion-low-data.sh
# A task that dies (time limit, node failure, scancel) is finished by running this script again: finished units are
# never redone. When the merge job is done:
#   .build/release/augbench baseline fashion-low-data --output "$RUNS/fashion-low-data"   # the check, nothing to train
#   .build/release/augbench report "$RUNS/fashion-low-data" --output reports/fashion-low-data
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${RUNS:?set RUNS to a folder every node sees}"
options=(--tasks "${TASKS:-8}" --cpus-per-task "${CPUS:-2}" --time "${TIME:-2:00:00}")
[ -n "${PARTITION:-}" ] && options+=(--partition "$PARTITION")
.build/release/augbench slurm Baselines/fashion-low-data.yaml --output "$runs/fashion-low-data" "${options[@]}" --submit
