import Datasets
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

// The guard would turn libhdf5's crashes and hangs into exits; scripts/fuzz.sh replays those inputs through augbench.
HDF5ReadGuard.isEnabled = false
runFuzzer(fuzzHDF5ImageSet)
