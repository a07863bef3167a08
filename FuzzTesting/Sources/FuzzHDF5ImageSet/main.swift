import Datasets
import Foundation
import FuzzSupport
import ResultStore

/// An input is an HDF5 file read as an image set (`images` and `labels` at the root), then as its `train` group.
/// (Not through `DatasetSource.load`, whose in-process cache would answer a rewritten file of the same size and time.)
func fuzzHDF5ImageSet(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzInput.withFile(start, count, suffix: ".h5") { path in
        _ = try? HDF5ImageSetIO.load(path)
        _ = try? HDF5ImageSetIO.load(path, options: HDF5ImageSetIO.ReadOptions(group: "train"))
    }
    return 0
}

// The guard turns libhdf5's crashes and hangs into an error line and exit 1, which would stop the fuzzer: it is off
// while fuzzing, and scripts/fuzz.sh replays every input that crashed or hung with it on (AUGBENCH_FUZZ_GUARD=1).
HDF5ReadGuard.isEnabled = ProcessInfo.processInfo.environment["AUGBENCH_FUZZ_GUARD"] == "1"
runFuzzer(fuzzHDF5ImageSet)
