/// Versions written into every file AugBench produces.
public enum AugBenchVersion {
    /// The suite's release version (semantic versioning).
    public static let current = "0.1.0"
    /// Version of the HDF5 layout conventions (documented in docs/FILE-FORMATS.md); bumped on incompatible change.
    public static let fileFormat: Int64 = 1
}
