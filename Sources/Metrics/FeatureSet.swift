import Datasets
import Foundation
import ResultStore
import Tensors

/// How feature sets are made: the extractor's batch, the cache, and the subsample that keeps metrics affordable.
public struct FeatureSetSettings: Codable, Sendable, Equatable {
    /// At most this many images of a set are used (a seeded random subset; 0 = all).
    public var maxSamples = 10000
    /// Seed of the subsample (each set draws from its own stream of it).
    public var seed: UInt64 = 0
    /// Read and write the feature cache.
    public var useCache = true

    /// The defaults: at most 10,000 images of each set, seed 0, the cache in use.
    public init() {}

    /// The settings' keys in a settings file (snake_case).
    public enum CodingKeys: String, CodingKey, CaseIterable {
        /// `seed`: the subsample's seed.
        case seed
        /// `max_samples`: at most this many images of each set (0 = all).
        case maxSamples = "max_samples"
        /// `use_cache`: whether the feature cache is read and written.
        case useCache = "use_cache"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = FeatureSetSettings()
        maxSamples = try c.decode(.maxSamples, default: d.maxSamples)
        seed = try c.decode(.seed, default: d.seed)
        useCache = try c.decode(.useCache, default: d.useCache)
        try decoder.validating(validate)
    }

    /// Throws a `MetricError` when `maxSamples` is negative.
    public func validate() throws {
        guard maxSamples >= 0 else { throw MetricError("max_samples must be 0 (all) or positive, got \(maxSamples)") }
    }
}

/// Features and logits of an image set under one extractor, with the labels they belong to: what every metric is
/// computed from. Made once per (data, extractor) and cached; subsampled per `FeatureSetSettings`.
public struct FeatureSet: Sendable {
    /// The set the features came from (after subsampling).
    public let images: ImageSet
    /// Features [N, 256] from the extractor's penultimate layer, row i for image i of `images`.
    public let features: Tensor
    /// The extractor's logits [N, classes], row i for image i: what the Inception-style score reads.
    public let logits: Tensor

    /// Pairs features and logits with the images they were computed from (rows in image order).
    public init(images: ImageSet, features: Tensor, logits: Tensor) {
        self.images = images
        self.features = features
        self.logits = logits
    }

    /// The cache key of a source's features: its files' checksums, the part of the files it reads (subset, HDF5
    /// group and dataset names, value range) and the extractor's checksum. Two subsets of one file never share it.
    public static func cacheKey(_ source: DatasetSource, extractorChecksum: String) throws -> String {
        let options = source.hdf5Options
        let part = [source.format.rawValue, source.isSingleSet ? "single" : source.subset.rawValue, options.group, options.imagesDataset,
                    options.labelsDataset, options.valueRange.map { "\($0.lowerBound),\($0.upperBound)" } ?? "inferred"]
        return FeatureCache.key(dataFingerprint: try source.fingerprint().combined + "\n" + part.joined(separator: "\n"),
                                extractorChecksum: extractorChecksum)
    }

    /// Loads the source's images and their features (from `cache` when it holds them), then keeps at most
    /// `settings.maxSamples` of them, drawn from stream `stream` of the seed.
    public static func make(_ source: DatasetSource, extractor: FeatureExtractor, settings: FeatureSetSettings = FeatureSetSettings(),
                            cache: FeatureCache? = .standard, stream: UInt64, log: (String) -> Void = { _ in }) throws -> FeatureSet {
        try settings.validate()
        let set = try source.load()
        let key = try cacheKey(source, extractorChecksum: extractor.checksum)
        let usedCache = settings.useCache ? cache : nil
        let features: Tensor, logits: Tensor
        if let cached = usedCache?.load(key), cached.features.shape[0] == set.count {
            log("features of \(source.description) from the cache")
            (features, logits) = cached
        } else {
            log("extracting features of \(set.count) images from \(source.description)")
            (features, logits) = try extractor.extract(set.images)
            if let usedCache {
                do { try usedCache.store(key, features: features, logits: logits, description: source.description) } catch {
                    log("warning: feature cache not written: \(error)")
                }
            }
        }
        let whole = FeatureSet(images: set, features: features, logits: logits)
        guard settings.maxSamples > 0, set.count > settings.maxSamples else { return whole }
        log("using \(settings.maxSamples) of the \(set.count) images of \(source.description) (max_samples)")
        return whole.subsample(settings.maxSamples, seed: settings.seed, stream: stream)
    }

    /// A seeded subset of `count` rows, in their original order.
    public func subsample(_ count: Int, seed: UInt64, stream: UInt64) -> FeatureSet {
        var generator = RandomGenerator(seed: seed).derived(stream)
        let rows = Array(generator.permutation(images.count).prefix(count)).sorted()
        return FeatureSet(images: images.subset(rows), features: features.gathering(rows), logits: logits.gathering(rows))
    }

    /// Every metric between this (real) set and a generated one; per-class FID when both have the same classes.
    public func metrics(against generated: FeatureSet, settings: MetricsReport.Settings = MetricsReport.Settings(),
                        warn: (String) -> Void = { _ in }) throws -> MetricsReport {
        let sameClasses = images.classNames == generated.images.classNames
        return try MetricsReport.compute(realFeatures: features, generatedFeatures: generated.features, generatedLogits: generated.logits,
                                         realLabels: sameClasses ? images.labels : nil, generatedLabels: sameClasses ? generated.images.labels : nil,
                                         classCount: images.classCount, settings: settings, warn: warn)
    }
}
