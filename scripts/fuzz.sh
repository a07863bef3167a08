#!/usr/bin/env bash
# Builds the libFuzzer targets (FuzzTesting/, every module compiled with -sanitize=fuzzer,address) and runs each for
# SECONDS (default 600), starting from the committed corpus FuzzTesting/Corpus/<target>. New interesting inputs go to
# FuzzTesting/.build/corpus/<target>; a crash, trap, leak-free out-of-memory (an allocation over 2 GB) or a hang
# (over 10 s per input) is saved as FuzzTesting/findings/<target>-crash-... and the script exits non-zero.
# --merge folds the new inputs into the committed corpus (libFuzzer's -merge=1 keeps only those that add coverage).
#
# Usage: scripts/fuzz.sh [--seconds N] [--jobs N] [--merge] [--replay] [TARGET...]   (--replay: only replay the
#        HDF5 targets' saved findings, see below)
#   scripts/fuzz.sh --seconds 60 FuzzPNG        a one-minute smoke run of one target
#   scripts/fuzz.sh --jobs 2 --merge            every target for 10 minutes, two at a time, corpus updated
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600 jobs=1 merge=0 replay_only=0 targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        --jobs) jobs=$2; shift 2 ;;
        --merge) merge=1; shift ;;
        --replay) replay_only=1; shift ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "Error: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
all=(FuzzIDX FuzzHDF5ImageSet FuzzPNG FuzzSplitFile FuzzAugmentationYAML FuzzProtocolYAML)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

[ -x .build/release/augbench ] || swift build -c release 2>&1 | tail -1   # replays HDF5 inputs (see below)
echo "fuzz: building the targets (release, -sanitize=fuzzer,address)"
(cd FuzzTesting && swift build -c release -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -v "warning: Cannot export local symbol" | tail -3)
bin=FuzzTesting/.build/release
mkdir -p FuzzTesting/findings

# libhdf5 1.10.8 (Debian 12) crashes or loops forever on some damaged files (h5dump -A too) and asks malloc for sizes
# read from damaged headers. AugBench guards its reads (ResultStore/HDF5ReadGuard.swift: one Error: line and exit 1
# instead). The guard would stop the fuzzer, so the two HDF5 targets fuzz with it off, in fork mode past crashes,
# timeouts and out-of-memory reports; then every such input is run again with the guard on and no malloc limit, and
# must either be read (exit 0) or end in the guard's one line: anything else is a finding.
hdf5_targets=" FuzzHDF5ImageSet FuzzSplitFile "

# True when AddressSanitizer's report names a frame inside libhdf5 (other than its memcpy/memmove/memset interceptors).
libhdf5_memory_error() {
    grep -q "ERROR: AddressSanitizer" "$1" && grep -A3 "ERROR: AddressSanitizer" "$1" | grep -v "in memcpy\|in memmove\|in memset" | grep -q "#[0-9]* .*libhdf5"
}

replay_hdf5_findings() {
    local target=$1 status=0 read=0 guarded=0 asan=0
    local log=FuzzTesting/.build/$target-replay.log
    for input in FuzzTesting/findings/"$target"-*; do
        [ -e "$input" ] || continue
        local code=0
        AUGBENCH_FUZZ_GUARD=1 AUGBENCH_HDF5_METADATA_SECONDS=2 SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
            timeout 120 "$bin/$target" -timeout=100 -rss_limit_mb=16384 "$input" > "$log" 2>&1 || code=$?
        if libhdf5_memory_error "$log" || grep -q "ERROR: libFuzzer: out-of-memory" "$log"; then
            # An out-of-bounds access inside libhdf5, which AddressSanitizer sees through its memcpy interceptor and
            # the release build may not notice at all, or an input whose replay needs more memory than the
            # AddressSanitizer build may take: the release augbench must read the file or refuse it cleanly.
            local release=0
            AUGBENCH_HDF5_METADATA_SECONDS=2 timeout 60 .build/release/augbench data info "$input" > "$log.release" 2>&1 || release=$?
            if [ $release -eq 0 ] || { [ $release -le 123 ] && [ "$(grep -c '^Error:' "$log.release")" = 1 ]; }; then
                asan=$((asan + 1)); mv "$input" "FuzzTesting/findings/release-judged-$(basename "$input")"
            else
                echo "fuzz: $target: $input: fails under AddressSanitizer, and augbench data info exits $release on it: a finding"; status=1
            fi
        elif grep -q "ERROR: AddressSanitizer\|ERROR: libFuzzer\|deadly signal" "$log"; then
            echo "fuzz: $target: $input: fails with the guard on (exit $code): a finding"; status=1
        elif [ $code -eq 0 ]; then
            read=$((read + 1)); mv "$input" "FuzzTesting/findings/read-with-guard-$(basename "$input")"
        elif [ $code -eq 1 ] && [ "$(grep -c '^Error: .*: damaged HDF5 file: libhdf5 ' "$log")" = 1 ]; then
            guarded=$((guarded + 1)); mv "$input" "FuzzTesting/findings/guarded-$(basename "$input")"
        else
            echo "fuzz: $target: $input: exit $code with the guard on: a finding"; status=1
        fi
    done
    echo "fuzz: $target: inputs that crashed, hung or over-allocated in libhdf5 without the guard: $guarded end in its one Error: line," \
         "$read are read with it on, $asan fail only under AddressSanitizer (out-of-bounds reads inside libhdf5, or more memory than" \
         "its build may take) and the release augbench reads or refuses them cleanly"
    return $status
}

run_target() {
    local target=$1 work=FuzzTesting/.build/corpus/$1 mode=()
    mkdir -p "$work"
    rm -f FuzzTesting/findings/"$target"-*
    case "$hdf5_targets" in *" $target "*) mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1) ;; esac
    local status=0
    # Leak detection off: Swift's runtime keeps metadata and caches for the life of the process by design. Swift's
    # own backtracer off, so that libFuzzer reports the signal of a trap.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$bin/$target" "$work" "FuzzTesting/Corpus/$target" \
        -max_total_time="$seconds" -rss_limit_mb=4096 -malloc_limit_mb=2048 -timeout=10 -print_final_stats=1 "${mode[@]}" \
        -artifact_prefix="FuzzTesting/findings/$target-" > "FuzzTesting/.build/$target.log" 2>&1 || status=$?
    local runs
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "FuzzTesting/.build/$target.log" | grep -o '[0-9]*$' | tail -1 || true)
    [ -n "$runs" ] || runs=$(grep -o '#[0-9]*' "FuzzTesting/.build/$target.log" | tail -1 | tr -d '#' || true)
    if [ $status -eq 0 ]; then
        echo "fuzz: $target: ${runs:-?} inputs in $seconds s, no crash"
    else
        echo "fuzz: $target: FINDING after ${runs:-?} inputs (exit $status); see FuzzTesting/.build/$target.log and FuzzTesting/findings/"
        grep -m3 "ERROR\|Fatal error\|deadly signal\|out-of-memory\|timeout" "FuzzTesting/.build/$target.log" | sed 's/^/    /' || true
    fi
    # In fork mode the fuzzer's exit status reflects the inputs it was told to go past; the replay decides.
    case "$hdf5_targets" in *" $target "*) status=0; replay_hdf5_findings "$target" || status=1 ;; esac
    return $status
}

failed=0
if [ $replay_only -eq 1 ]; then
    for target in "${targets[@]}"; do
        case "$hdf5_targets" in *" $target "*) replay_hdf5_findings "$target" || failed=1 ;; esac
    done
    exit $failed
fi
running=0
for target in "${targets[@]}"; do
    run_target "$target" &
    running=$((running + 1))
    if [ $running -ge "$jobs" ]; then wait -n || failed=1; running=$((running - 1)); fi
done
while [ $running -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done

if [ $merge -eq 1 ] && [ $failed -eq 0 ]; then
    for target in "${targets[@]}"; do
        SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$bin/$target" -merge=1 "FuzzTesting/Corpus/$target" "FuzzTesting/.build/corpus/$target" \
            -malloc_limit_mb=2048 -timeout=10 > "FuzzTesting/.build/$target-merge.log" 2>&1
        echo "fuzz: $target: committed corpus now $(find "FuzzTesting/Corpus/$target" -type f | wc -l) files"
    done
fi
exit $failed
