#!/usr/bin/env bash
# Where the instructions of one training step go: one DCGAN step (batch 64, D step + G step) and one classifier step
# (batch 128), each counted by valgrind's callgrind on 1 thread. A step in the steady state: the counts of a run of 3
# steps minus those of a run of 1 step, halved (the first step also allocates and zeroes every buffer, which later
# steps reuse). Instruction counts repeat exactly for the same binary and inputs whatever else the machine runs
# (timer samples do not); they are not seconds: a product kernel does about 16 FLOP per instruction, a copy loop
# one element per several.
#
# Prints two Markdown tables per step: instructions by kind of work (self cost of each function, grouped by name)
# and by layer and direction (inclusive cost of each layer type's forward and backward).
#
# usage: Benchmarks/profile.sh [dcgan|classifier ...]   (both by default, in parallel; about 20 minutes)
#        Benchmarks/profile.sh --summarise CALLGRIND_FILE STEPS TITLE [BASE_FILE]   (the tables of existing runs:
#        (FILE - BASE_FILE) / STEPS)
# KEEP=folder keeps the callgrind files. Needs valgrind (Debian's package). Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind > /dev/null || { echo "Error: valgrind not found (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# counts FILE [BASE_FILE] INCLUSIVE(yes/no): "count name" per function, BASE_FILE's counts subtracted.
counts() {
    local file=$1 base=$2 inclusive=$3
    { callgrind_annotate --inclusive="$inclusive" --threshold=100 "$file" 2> /dev/null | sed 's/^/+ /'
      [ -z "$base" ] || callgrind_annotate --inclusive="$inclusive" --threshold=100 "$base" 2> /dev/null | sed 's/^/- /'; } |
    awk '
        $1 ~ /^[+-]$/ && $2 ~ /^[0-9,]+$/ && $3 ~ /^\(/ {
            sign = $1; count = $2; gsub(",", "", count); name = $0
            sub(/^[+-] +[0-9,]+ \([ 0-9.]+%\) +/, "", name)
            sub(/ \[[^]]*\/augbench[^]\/]*\]$/, "", name)   # the path of the profiled copy differs between runs
            total[name] += (sign == "+" ? count : -count)
        }
        END { for (name in total) if (total[name] > 0) printf "%.0f %s\n", total[name], name }   # mawk: %d stops at 2^31'
}

# summarise FILE STEPS TITLE [BASE_FILE]: the two tables, counts of FILE minus BASE_FILE, divided by STEPS.
summarise() {
    local file=$1 steps=$2 title=$3 base=${4:-} total
    counts "$file" "$base" no > "$work/self"
    counts "$file" "$base" yes > "$work/inclusive"
    echo
    echo "## $title"
    echo
    echo "| kind of work | instructions (M) | share |"
    echo "| --- | ---: | ---: |"
    awk -v steps="$steps" '
        !/PROGRAM TOTALS/ {
            count = $1; name = $0
            sub(/^[0-9]+ /, "", name)
            kind = "other"
            if (name ~ /openblas/) kind = "matrix products (OpenBLAS: kernels and packing)"
            else if (name ~ /im2col|col2im|unfold|foldEntryMajor|foldPatchMajor|padImages/) kind = "im2col / col2im (and zero borders)"
            else if (name ~ /ToChannelMajor|ToBatchMajor|addRowSums/) kind = "layout copies, bias sums"
            else if (name ~ /memset|memmove|memcpy/) kind = "memset / memcpy (libc)"
            else if (name ~ /BatchNorm/) kind = "BatchNorm"
            else if (name ~ /Elementwise|ReLU|Tanh|Sigmoid|Activation/) kind = "activations"
            else if (name ~ /Pool/) kind = "pooling"
            else if (name ~ /Dropout/) kind = "dropout"
            else if (name ~ /Adam|Optimizer|zeroGradients/) kind = "optimiser"
            else if (name ~ /Loss|CrossEntropy|countCorrect/) kind = "losses"
            else if (name ~ /RandomGenerator|s_sin|e_log|__cos|__sin|__log/) kind = "random numbers"
            else if (name ~ /malloc|free|swift_alloc|swift_release|swift_retain|swift_bridgeObject|swift_beginAccess|_int_/) kind = "allocation, reference counting"
            total += count; sum[kind] += count
        }
        END {
            n = 0
            for (k in sum) order[++n] = k
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (sum[order[j]] > sum[order[i]]) { t = order[i]; order[i] = order[j]; order[j] = t }
            for (i = 1; i <= n; i++) printf "| %s | %.1f | %.1f%% |\n", order[i], sum[order[i]] / (steps * 1e6), 100 * sum[order[i]] / total
            printf "| **total** | **%.1f** | |\n", total / (steps * 1e6)
        }' "$work/self"

    echo
    echo "| layer, direction (all instances) | instructions (M) | share |"
    echo "| --- | ---: | ---: |"
    total=$(awk '/PROGRAM TOTALS/ { print $1 }' "$work/inclusive")
    # The largest inclusive count among a method's symbols is the method itself (its closures count less).
    for entry in "Conv2D forward:6Conv2DC7forward_4mode" "Conv2D backward:6Conv2DC8backward5input" \
                 "ConvTranspose2D forward:15ConvTranspose2DC7forward_4mode" "ConvTranspose2D backward:15ConvTranspose2DC8backward5input" \
                 "BatchNorm forward:9BatchNormC7forward_4mode" "BatchNorm backward:9BatchNormC8backward5input" \
                 "Linear forward:6LinearC7forward_4mode" "Linear backward:6LinearC8backward5input" \
                 "MaxPool2D forward:9MaxPool2DC7forward_4mode" "MaxPool2D backward:9MaxPool2DC8backward5input" \
                 "Adam update:4AdamC6update" "gradients set to zero:zeroGradients"; do
        label=${entry%%:*} pattern=${entry#*:}
        awk -v steps="$steps" -v label="$label" -v pattern="$pattern" -v total="$total" '
            index($0, pattern) { if ($1 + 0 > best) best = $1 + 0 }
            END { if (best > 0) printf "| %s | %.1f | %.1f%% |\n", label, best / (steps * 1e6), 100 * best / total }' "$work/inclusive"
    done
}

if [ "${1:-}" = --summarise ]; then
    [ $# -ge 4 ] && [ -f "$2" ] || { echo "Error: --summarise needs CALLGRIND_FILE STEPS TITLE [BASE_FILE]" >&2; exit 2; }
    summarise "$2" "$3" "$4" "${5:-}"
    exit 0
fi
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(dcgan classifier)

swift build -c release > /dev/null
# valgrind 3.19 cannot read the DWARF that Swift writes ("possibly corrupted debuginfo"): profile a copy without it
# (function names stay, from the symbol table).
cp .build/release/augbench "$work/augbench"
cp -r .build/release/*.resources "$work/" 2> /dev/null || true
strip --strip-debug "$work/augbench"
echo "# $(date -u +%Y-%m-%d), $(git describe --always --dirty 2> /dev/null || echo '?'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "$("$work/augbench" bench --only none --seconds 0 | head -1 | sed 's/^# //')"

# run WORKLOAD STEPS: callgrind of STEPS untimed steps (--warm-up STEPS --seconds 0 times none) into $work.
run() {
    local workload=$1 steps=$2 only toggles
    case "$workload" in
        dcgan) only=dcgan_step_b64 toggles=(--toggle-collect='*GANModelC17discriminatorStep*' --toggle-collect='*GANModelC13generatorStep*'
                                           --toggle-collect='*GeneratorC7forward5noise*') ;;
        classifier) only=classifier_step_b128 toggles=(--toggle-collect='*ClassifierTrainerC4step*') ;;
    esac
    valgrind --tool=callgrind --callgrind-out-file="$work/$workload-$steps.callgrind" "${toggles[@]}" \
        "$work/augbench" bench --only "$only" --seconds 0 --warm-up "$steps" --threads 1 > "$work/$workload-$steps.log" 2>&1
}

for workload in "${workloads[@]}"; do
    case "$workload" in dcgan|classifier) ;; *) echo "Error: unknown workload '$workload' (dcgan, classifier)" >&2; exit 2 ;; esac
done
for workload in "${workloads[@]}"; do run "$workload" 1 & run "$workload" 3 & done
wait
for workload in "${workloads[@]}"; do
    summarise "$work/$workload-3.callgrind" 2 "$workload step, instructions per step in the steady state, 1 thread" "$work/$workload-1.callgrind"
    [ -z "${KEEP:-}" ] || { mkdir -p "$KEEP"; cp "$work/$workload"-[13].callgrind "$KEEP/"; }
done
