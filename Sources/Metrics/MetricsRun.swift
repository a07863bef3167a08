import Datasets
import Foundation
import ResultStore

/// One metrics computation as a library call: features of a real and a generated set under one extractor, every
/// metric of `MetricsReport`, written to a metrics file (`augbench metrics` and each GAN unit of a protocol).
public enum MetricsRun {
    /// Measures `generated` against `real` and writes the metrics file.
    ///
    /// - Parameters:
    ///   - real: the real images (usually a test subset).
    ///   - generated: the images to measure (a sample set, or real images for a floor).
    ///   - extractor: nil for the embedded Fashion-MNIST extractor.
    ///   - features: how feature sets are cached and subsampled.
    ///   - settings: the metrics' own settings (KID subsets, k of the manifold metrics).
    ///   - output: the metrics file to write.
    ///   - saveFeatures: also store both feature sets in the file.
    ///   - log: progress lines.
    ///   - warn: warnings, such as a KID subset shrunk to fit a small set.
    public static func run(real: DatasetSource, generated: DatasetSource, extractor: String? = nil,
                           features: FeatureSetSettings = FeatureSetSettings(), settings: MetricsReport.Settings = MetricsReport.Settings(),
                           output: String, saveFeatures: Bool = false, log: (String) -> Void = { _ in },
                           warn: (String) -> Void = { _ in }) throws -> (report: MetricsReport, real: FeatureSet, generated: FeatureSet) {
        try settings.validate()
        try OutputPath.prepare(output)
        let model = try FeatureExtractor.load(path: extractor)
        log("extractor \(model.name) (\(model.checksum.prefix(12)))")
        let realSet = try FeatureSet.make(real, extractor: model, settings: features, stream: 1, log: log)
        let generatedSet = try FeatureSet.make(generated, extractor: model, settings: features, stream: 2, log: log)
        let report = try realSet.metrics(against: generatedSet, settings: settings, warn: warn)
        try report.write(to: output, extractorName: model.name, extractorChecksum: model.checksum, real: realSet.images.source,
                         generated: generatedSet.images.source, settings: settings,
                         features: saveFeatures ? (realSet.features, generatedSet.features) : nil)
        return (report, realSet, generatedSet)
    }
}
