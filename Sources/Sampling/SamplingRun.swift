import Datasets
import Foundation
import ResultStore
import GANs
import Metrics
import Tensors

/// Samples a GAN checkpoint into a filtered, labelled sample set file, with a grid of kept samples beside it
/// (`augbench gan sample` is this call). Only the split's training and validation images are read.
///
/// ```swift
/// let set = try SamplingRun.run(SamplingPlan(perClass: 100, filters: [.confidence(threshold: 0.5)]),
///                               checkpoint: "runs/cgan/checkpoint.h5", output: "runs/cgan/samples.h5", threads: 2)
/// ```
public enum SamplingRun {
    /// The grid written beside a sample set: OUTPUT without `.h5`, plus `-grid.png`.
    public static func gridPath(_ output: String) -> String {
        (output.hasSuffix(".h5") ? String(output.dropLast(3)) : output) + "-grid.png"
    }

    public static func run(_ plan: SamplingPlan, checkpoint: String, output: String, threads: Int,
                           log: (String) -> Void = { _ in }) throws -> SampleSet {
        try plan.validate()
        try OutputPath.prepare(output)
        Threads.configure(threads)
        let gan = try TrainedGAN.load(checkpoint)
        let data = try SplitFile.read(gan.splitPath).loadTrainingImages()
        log("\(gan.configuration.variant.rawValue) at step \(gan.step), split \(gan.splitPath)")
        // The embedded extractor serves the realism and feature-memorisation filters when it fits the images.
        let extractor = try FeatureExtractor.bundledPath.map(FeatureExtractor.load)
        let fits = extractor.map { $0.imageShape == data.train.imageShape && $0.classNames.count == data.train.classCount } ?? false
        let sampler = GANSampler(gan: gan, train: data.train, validation: data.validation, extractor: fits ? extractor : nil)
        let set = try sampler.run(plan, log: log)
        let kept = try set.kept()
        guard kept.count > 0 else {
            throw SamplingError("the filters rejected every candidate; nothing was written to \(output) (loosen the filters)")
        }
        try GANSampler.write(set, to: output, checkpoint: URL(fileURLWithPath: checkpoint).standardizedFileURL.path, step: gan.step,
                             variant: gan.configuration.variant.rawValue)
        let rows = (0..<kept.classCount).flatMap { c in kept.labels.indices.filter { kept.labels[$0] == c }.prefix(10) }
        try PNGImage.grid(kept.images.gathering(rows), columns: 10).write(gridPath(output))
        return set
    }
}

extension SampleSet {
    /// Candidates, rejections per filter and kept samples, per class, as a text table.
    public var countsTable: String {
        let names = filters.map(\.description) + ["surplus"]
        let width = max(12, 2 + (names.map(\.count).max() ?? 0))
        func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        var candidates = [Int](repeating: 0, count: classNames.count)
        for label in labels { candidates[label] += 1 }
        var lines = [pad("class") + classNames.indices.map { String(format: "%6d", $0) }.joined()]
        lines.append(pad("candidates") + candidates.map { String(format: "%6d", $0) }.joined())
        for (name, row) in zip(names, rejections) { lines.append(pad("- " + name) + row.map { String(format: "%6d", $0) }.joined()) }
        lines.append(pad("kept") + keptPerClass.map { String(format: "%6d", $0) }.joined())
        return lines.joined(separator: "\n")
    }
}
