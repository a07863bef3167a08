import Augmentations
import Datasets
import Foundation
import ResultStore
import Tensors

/// What a classifier run reports while it works (for progress bars and logs; the run itself prints nothing).
public enum ClassifierRunEvent {
    /// A line worth telling the user (what was loaded, how the training set was made).
    case message(String)
    /// The seed is already in the result file.
    case skipped(seed: UInt64)
    /// The seed starts; it will take this many curve points (epochs, or evaluations of a step budget).
    case started(seed: UInt64, points: Int)
    /// A curve point of the seed (an epoch, or `evaluate_every` steps); the partial result holds the curves so far.
    case epoch(seed: UInt64, point: Int, partial: TrainingResult)
    /// The seed finished and is stored.
    case finished(seed: UInt64, result: TrainingResult)
}

/// The outcome of a classifier run: every finished seed's test accuracy and their summary.
public struct ClassifierRunSummary: Sendable {
    public let output: String
    public let accuracies: [(seed: UInt64, accuracy: Double)]
    public let mean: Double
    public let std: Double
}

/// Trains the reference classifier on a split (optionally with synthetic images from a sample set) for each seed,
/// evaluates it once on the held-out test set and stores each seed as it finishes; calling it again with the same
/// settings resumes after the last finished seed (`augbench train` is this call).
///
/// ```swift
/// var settings = ClassifierRunSettings()
/// settings.seeds = 3
/// settings.syntheticRatio = 1
/// let summary = try ClassifierRun.run(settings, split: "runs/split.h5", synthetic: "runs/cgan/samples.h5",
///                                     output: "runs/cgan-r1.h5", threads: 2)
/// ```
public enum ClassifierRun {
    public static func run(_ settings: ClassifierRunSettings, split: String, synthetic: String? = nil, output: String,
                           threads: Int, events: (ClassifierRunEvent) -> Void = { _ in }) throws -> ClassifierRunSummary {
        try settings.validate()
        if settings.syntheticOnly && synthetic == nil {
            throw ClassifierSettingsError("synthetic_only needs a sample set (--synthetic)")
        }
        try OutputPath.prepare(output)
        Threads.configure(threads)
        let data = try SplitFile.read(split).load()
        try ReferenceClassifier.check(imageShape: data.train.imageShape, source: split)
        events(.message("split \(split): \(data.train.count) train, \(data.validation.count) validation, \(data.test.count) test images"))
        let sampleSource = try synthetic.map { try DatasetSource.resolve($0) }
        let samples = try sampleSource?.load()
        if let samples {
            _ = try SyntheticMix.requiredCounts(real: data.train, synthetic: samples, ratio: settings.syntheticRatio,
                                                classes: settings.syntheticClasses ?? .all)
            events(.message("synthetic images: \(samples.count) in \(samples.source), ratio \(settings.syntheticRatio)"
                            + (settings.syntheticOnly ? ", synthetic only" : "")))
        }
        let record = try TrainingRunFile(path: output, settings: settings, splitPath: split, splitChecksum: SHA256.hex(ofFile: split),
                                         synthetic: sampleSource.map { ($0.path, try $0.fingerprint().combined) }, threads: threads,
                                         classNames: data.train.classNames)
        let existed = FileManager.default.fileExists(atPath: output)
        let finished = try record.prepare()
        var trainedAny = false
        // A new file that never received a seed goes with the failure, so that the same command with other
        // settings (a lower learning rate after a divergence) is not refused as a changed run.
        defer {
            if !existed && !trainedAny {
                try? FileManager.default.removeItem(atPath: output)
            }
        }
        for seed in settings.seedList {
            if finished.contains(seed) {
                events(.skipped(seed: seed))
                continue
            }
            let (train, composition) = try trainingSet(data.train, samples: samples, settings: settings, seed: seed)
            if samples != nil || settings.copies > 0 {
                events(.message("seed \(seed): \(composition.realPerClass.reduce(0, +)) real + \(composition.syntheticPerClass.reduce(0, +)) "
                                + "synthetic images" + (settings.copies > 0 ? ", \(settings.copies) augmented copies each" : "")
                                + " -> \(train.count) training images"))
            }
            let trainer = ClassifierTrainer(configuration: settings.trainingConfiguration(seed: seed), imageShape: train.imageShape,
                                            classCount: train.classCount)
            events(.started(seed: seed, points: trainer.evaluationCount(trainingImages: train.count)))
            let result = try trainer.train(train, validation: data.validation, test: data.test) { point, partial in
                events(.epoch(seed: seed, point: point, partial: partial))
            }
            try record.append(seed: seed, result: result, composition: composition, network: trainer.network)
            trainedAny = true
            events(.finished(seed: seed, result: result))
        }
        // A run with nothing new to add leaves its file as it is (unless the summary was never written).
        let stored = trainedAny ? nil : try record.storedSummary()
        let (mean, std, _) = try stored ?? record.writeSummary()
        return ClassifierRunSummary(output: output, accuracies: try record.testAccuracies(), mean: mean, std: std)
    }

    /// The seed's training set: the split's real images, the seed's draw of synthetic images, then offline
    /// expansion of the whole set when asked. Each step draws from its own stream of the seed.
    public static func trainingSet(_ real: ImageSet, samples: ImageSet?, settings: ClassifierRunSettings,
                                   seed: UInt64) throws -> (ImageSet, TrainingComposition) {
        var set = real, composition = TrainingComposition(real: real)
        if let samples {
            var draws = RandomGenerator(seed: seed).derived(6)
            (set, composition) = try SyntheticMix.compose(real: real, synthetic: samples, ratio: settings.syntheticRatio,
                                                          classes: settings.syntheticClasses ?? .all, syntheticOnly: settings.syntheticOnly, generator: &draws)
        }
        if settings.copies > 0 {
            set = try OfflineExpansion.expand(set, copies: settings.copies, pipeline: settings.augmentation, seed: seed)
        }
        return (set, composition)
    }
}
