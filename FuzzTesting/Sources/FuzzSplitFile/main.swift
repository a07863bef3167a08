import Datasets
import Foundation
import FuzzSupport
import ResultStore

/// An input is a split file, read without checking its sources (they are not on this machine).
func fuzzSplitFile(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzInput.withFile(start, count, suffix: ".h5") { path in
        _ = try? SplitFile.read(path, verifySources: false)
    }
    return 0
}

// The guard turns libhdf5's crashes and hangs into an error line and exit 1, which would stop the fuzzer: it is off
// while fuzzing, and scripts/fuzz.sh replays every input that crashed or hung with it on (AUGBENCH_FUZZ_GUARD=1).
HDF5ReadGuard.isEnabled = ProcessInfo.processInfo.environment["AUGBENCH_FUZZ_GUARD"] == "1"
runFuzzer(fuzzSplitFile)
