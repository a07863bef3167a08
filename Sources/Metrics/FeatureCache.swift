import Foundation
import ResultStore
import Tensors

/// Features and logits of a dataset under one extractor, cached in HDF5 files named by the SHA-256 of the data's
/// fingerprint and the extractor's checksum: a changed dataset or extractor never hits a stale entry.
public struct FeatureCache: Sendable {
    /// Folder holding the cache's entries, one `<key>.h5` file each.
    public let directory: String

    /// A cache in `directory`.
    public init(directory: String) { self.directory = directory }

    /// `$AUGBENCH_CACHE`, else `$XDG_CACHE_HOME/augbench/features`, else `~/.cache/augbench/features`.
    public static var standard: FeatureCache {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["AUGBENCH_CACHE"] { return FeatureCache(directory: explicit) }
        let base = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        return FeatureCache(directory: (base as NSString).appendingPathComponent("augbench/features"))
    }

    /// The entry name of a dataset's fingerprint under an extractor: the SHA-256 of both, in hex.
    public static func key(dataFingerprint: String, extractorChecksum: String) -> String {
        SHA256.hex(of: Array("\(dataFingerprint)\n\(extractorChecksum)".utf8))
    }

    private func path(_ key: String) -> String { (directory as NSString).appendingPathComponent("\(key).h5") }

    /// The cached features and logits, or nil when absent (or unreadable, which is treated as absent).
    public func load(_ key: String) -> (features: Tensor, logits: Tensor)? {
        guard FileManager.default.fileExists(atPath: path(key)), let file = try? HDF5File.open(path(key)) else { return nil }
        defer { file.close() }
        guard (try? file.requireKind(.featureCache)) != nil,
              let features = try? file.root.readTensor("features"), let logits = try? file.root.readTensor("logits") else { return nil }
        return (features, logits)
    }

    /// Writes the features and logits under `key`; `description` records the data they came from.
    public func store(_ key: String, features: Tensor, logits: Tensor, description: String) throws {
        let file = try HDF5File.create(path(key), kind: .featureCache)
        try file.root.setAttribute("source", description)
        try file.root.write("features", features, compression: .gzip(level: 1))
        try file.root.write("logits", logits, compression: .gzip(level: 1))
        try file.commit()
    }
}
