import Datasets
import FuzzSupport
import ResultStore

/// An input is a split file, read without checking its sources (they are not on this machine).
func fuzzSplitFile(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzInput.withFile(start, count, suffix: ".h5") { path in
        _ = try? SplitFile.read(path, verifySources: false)
    }
    return 0
}

// The guard would turn libhdf5's crashes and hangs into exits; scripts/fuzz.sh replays those inputs through augbench.
HDF5ReadGuard.isEnabled = false
runFuzzer(fuzzSplitFile)
