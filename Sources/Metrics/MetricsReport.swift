import Foundation
import ResultStore
import Tensors

/// Every metric between a real and a generated set, computed in one place, and its HDF5 record (kind "metrics").
public struct MetricsReport: Sendable {
    /// FID: Frechet distance between the real and generated features' Gaussians (0 for equal statistics).
    public var fid = 0.0
    /// KID over random subsets of both sets: mean and standard deviation.
    public var kid = KernelDistance(mean: 0, std: 0, subsets: 0, subsetSize: 0)
    /// Inception-style score of the generated set's logits.
    public var inceptionScore = InceptionScore(mean: 0, std: 0)
    /// Precision, recall, density and coverage of the generated set against the real one.
    public var manifold = ManifoldMetrics(precision: 0, recall: 0, density: 0, coverage: 0)
    /// FID per class (nil where a class has fewer than 2 images on either side).
    public var perClassFID: [Double?] = []
    /// Distance from each generated sample to its nearest real sample, in feature space.
    public var nearestRealDistances: [Double] = []
    /// Mean and covariance of the real features.
    public var realStatistics: FeatureStatistics
    /// Mean and covariance of the generated features.
    public var generatedStatistics: FeatureStatistics

    /// Settings of the computation (decodable with snake_case keys; unknown keys and impossible values are errors).
    public struct Settings: Codable, Sendable, Equatable {
        /// Random subsets KID averages over (torch-fidelity: 100).
        public var kidSubsets = 100
        /// Shrinks, with a warning, for sets smaller than this.
        public var kidSubsetSize = 1000
        /// Seed of the KID subsets.
        public var seed: UInt64 = 0
        /// Neighbours of precision and recall.
        public var k = 3
        /// Neighbours of density and coverage.
        public var densityK = 5
        /// Parts the Inception-style score is computed on (fewer when the generated set is smaller).
        public var inceptionSplits = 10
        /// The defaults: 100 KID subsets of 1000, seed 0, k = 3, density k = 5, 10 splits.
        public init() {}

        /// The settings' keys in a settings file (snake_case).
        public enum CodingKeys: String, CodingKey, CaseIterable {
            /// `seed` and `k`, spelled as their properties.
            case seed, k
            /// `kid_subsets`: random subsets of KID.
            case kidSubsets = "kid_subsets"
            /// `kid_subset_size`: samples of each set in a KID subset.
            case kidSubsetSize = "kid_subset_size"
            /// `density_k`: neighbours of density and coverage.
            case densityK = "density_k"
            /// `inception_splits`: parts of the Inception-style score.
            case inceptionSplits = "inception_splits"
        }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Settings()
            kidSubsets = try c.decode(.kidSubsets, default: d.kidSubsets)
            kidSubsetSize = try c.decode(.kidSubsetSize, default: d.kidSubsetSize)
            seed = try c.decode(.seed, default: d.seed)
            k = try c.decode(.k, default: d.k)
            densityK = try c.decode(.densityK, default: d.densityK)
            inceptionSplits = try c.decode(.inceptionSplits, default: d.inceptionSplits)
            try decoder.validating(validate)
        }

        /// Throws a `MetricError` for KID subsets outside 1...100,000, subsets below 2 samples, or k or splits below 1.
        public func validate() throws {
            if let problem = SettingLimits.firstViolation([("kid_subsets", kidSubsets, 1...SettingLimits.kidSubsets),
                                                           ("kid_subset_size", kidSubsetSize, 2...Int.max)]) { throw MetricError(problem) }
            guard k > 0, densityK > 0, inceptionSplits > 0 else { throw MetricError("k, density_k and inception_splits must be positive") }
        }
    }

    /// All metrics from features (and logits of the generated set), with labels for per-class FID when given.
    public static func compute(realFeatures: Tensor, generatedFeatures: Tensor, generatedLogits: Tensor,
                               realLabels: [Int]?, generatedLabels: [Int]?, classCount: Int, settings: Settings = Settings(),
                               warn: (String) -> Void = { _ in }) throws -> MetricsReport {
        var report = MetricsReport(realStatistics: try FeatureStatistics(features: realFeatures),
                                   generatedStatistics: try FeatureStatistics(features: generatedFeatures))
        report.fid = try FrechetDistance.compute(report.realStatistics, report.generatedStatistics)
        report.kid = try KernelDistance.compute(realFeatures, generatedFeatures, subsets: settings.kidSubsets,
                                                subsetSize: settings.kidSubsetSize, seed: settings.seed, warn: warn)
        report.inceptionScore = try InceptionScore.compute(logits: generatedLogits, splits: min(settings.inceptionSplits, generatedLogits.shape[0]))
        report.manifold = try ManifoldMetrics.compute(real: realFeatures, generated: generatedFeatures, k: settings.k, densityK: settings.densityK)
        report.nearestRealDistances = try MemorisationDistances.nearest(generated: generatedFeatures, real: realFeatures)
        if let realLabels, let generatedLabels {
            report.perClassFID = try (0..<classCount).map { c -> Double? in
                let r = realLabels.indices.filter { realLabels[$0] == c }, g = generatedLabels.indices.filter { generatedLabels[$0] == c }
                guard r.count >= 2, g.count >= 2 else { return nil }
                return try FrechetDistance.compute(realFeatures.gathering(r), generatedFeatures.gathering(g))
            }
            if report.perClassFID.contains(where: { $0 != nil }) && min(realLabels.count, generatedLabels.count) / max(1, classCount) < realFeatures.shape[1] {
                warn("per-class FID uses fewer samples per class than feature dimensions: a biased, noisy estimate; compare it only between runs of equal size")
            }
        }
        return report
    }

    /// Writes the record; `extractor` names and fingerprints the feature extractor used.
    public func write(to path: String, extractorName: String, extractorChecksum: String, real: String, generated: String,
                      settings: Settings, features: (real: Tensor, generated: Tensor)? = nil) throws {
        let file = try HDF5File.create(path, kind: .metrics)
        let root = file.root
        try root.setAttribute("extractor", extractorName)
        try root.setAttribute("extractor_sha256", extractorChecksum)
        try root.setAttribute("real", real)
        try root.setAttribute("generated", generated)
        try root.setAttribute("fid", fid)
        try root.setAttribute("kid_mean", kid.mean)
        try root.setAttribute("kid_std", kid.std)
        try root.setAttribute("kid_subsets", Int64(kid.subsets))
        try root.setAttribute("kid_subset_size", Int64(kid.subsetSize))
        try root.setAttribute("inception_score_mean", inceptionScore.mean)
        try root.setAttribute("inception_score_std", inceptionScore.std)
        try root.setAttribute("precision", manifold.precision)
        try root.setAttribute("recall", manifold.recall)
        try root.setAttribute("density", manifold.density)
        try root.setAttribute("coverage", manifold.coverage)
        try root.setAttribute("k", Int64(settings.k))
        try root.setAttribute("density_k", Int64(settings.densityK))
        try root.setAttribute("seed", Int64(bitPattern: settings.seed))
        try root.write("per_class_fid", perClassFID.map { $0 ?? .nan }, shape: [perClassFID.count])
        try root.write("nearest_real_distance", nearestRealDistances, shape: [nearestRealDistances.count])
        for (name, statistics) in [("real", realStatistics), ("generated", generatedStatistics)] {
            let group = try root.createGroup(name)
            try group.setAttribute("count", Int64(statistics.count))
            try group.write("feature_mean", statistics.mean, shape: [statistics.dimension])
            try group.write("feature_covariance", statistics.covariance, shape: [statistics.dimension, statistics.dimension],
                            compression: .gzip(level: 4))
        }
        if let features {
            try root.group("real").write("features", features.real, compression: .gzip(level: 4))
            try root.group("generated").write("features", features.generated, compression: .gzip(level: 4))
        }
        try file.commit()
    }

    /// The headline numbers of a metrics file, in report order: fid, kid_mean, inception_score_mean, precision,
    /// recall, density, coverage.
    public static func headline(_ path: String) throws -> [(name: String, value: Double)] {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(.metrics)
        return try ["fid", "kid_mean", "inception_score_mean", "precision", "recall", "density", "coverage"].map {
            ($0, try file.root.attribute($0, as: Double.self))
        }
    }

    /// Throws unless two metric files were made with the same extractor weights.
    public static func requireSameExtractor(_ first: String, _ second: String) throws {
        func fingerprint(_ path: String) throws -> (String, String) {
            let file = try HDF5File.open(path)
            defer { file.close() }
            try file.requireKind(.metrics)
            return (try file.root.stringAttribute("extractor"), try file.root.stringAttribute("extractor_sha256"))
        }
        let (a, b) = (try fingerprint(first), try fingerprint(second))
        guard a.1 == b.1 else {
            throw MetricError("\(first) was measured with extractor \(a.0) (\(a.1.prefix(12))), \(second) with \(b.0) "
                              + "(\(b.1.prefix(12))): numbers from different extractors are not comparable")
        }
    }
}
