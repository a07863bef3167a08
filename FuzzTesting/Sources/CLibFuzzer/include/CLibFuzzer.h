#ifndef AUGBENCH_CLIBFUZZER_H
#define AUGBENCH_CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer): parses libFuzzer's options from argv and calls
/// `callback` with each input. SwiftPM renames an executable's own `main` and points `main` at it, so the targets
/// start the driver themselves instead of relying on libFuzzer's `main`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
