import Augmentations
import Datasets
import Foundation
import Metrics
import ResultStore
import Tensors

/// Settings of training a feature extractor for the generative metrics (`augbench extractor train`).
public struct ExtractorTrainingSettings: Codable, Sendable, Equatable {
    public var epochs = 12
    public var seed: UInt64 = 0
    /// Light augmentation that keeps classes recognisable.
    public var augmentation = try! AugmentationPipeline(parsing: "shift=2,hflip")
    /// Recorded with every metric made with the extractor (nil: the data folder's name + "-cnn256").
    public var name: String?

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable { case epochs, seed, augmentation, name }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ExtractorTrainingSettings()
        epochs = try c.decode(.epochs, default: d.epochs)
        seed = try c.decode(.seed, default: d.seed)
        augmentation = try c.decode(.augmentation, default: d.augmentation)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        try decoder.validating(validate)
    }

    public func validate() throws {
        if let problem = SettingLimits.violation("epochs", epochs, 1...SettingLimits.epochs) { throw ClassifierSettingsError(problem) }
    }
}

/// Trains a feature extractor on a dataset's whole training subset, tests it on the test subset and saves it with
/// what made it: Adam 1e-3, batch 128, the rate divided by 10 after 2/3 and 9/10 of the epochs.
public enum ExtractorTraining {
    public static func run(_ settings: ExtractorTrainingSettings, data: DatasetSource, output: String, threads: Int,
                           events: (ClassifierRunEvent) -> Void = { _ in }) throws -> (extractorName: String, result: TrainingResult) {
        try settings.validate()
        try OutputPath.prepare(output)
        Threads.configure(threads)
        let train = try data.load(), test = try data.withSubset(.test).load()
        try train.requireImages(for: "training an extractor")
        try test.requireImages(for: "testing an extractor")
        events(.message("training the extractor on \(train.count) images, testing on \(test.count)"))
        var configuration = TrainingConfiguration(epochs: settings.epochs, batchSize: 128, learningRate: 1e-3, seed: settings.seed,
                                                  augmentation: settings.augmentation)
        configuration.decayEpochs = [settings.epochs * 2 / 3, settings.epochs * 9 / 10].filter { $0 > 0 }
        let network = FeatureExtractor.makeNetwork(imageShape: train.imageShape, classCount: train.classCount, seed: settings.seed)
        let trainer = ClassifierTrainer(configuration: configuration, network: network)
        events(.started(seed: settings.seed, points: settings.epochs))
        let result = try trainer.train(train, validation: nil, test: test) { epoch, partial in
            events(.epoch(seed: settings.seed, point: epoch, partial: partial))
        }
        events(.finished(seed: settings.seed, result: result))
        let name = settings.name ?? "\((data.path as NSString).lastPathComponent)-cnn\(FeatureExtractor.featureDimension)"
        try FeatureExtractor.save(network: network, imageShape: train.imageShape, classNames: train.classNames, name: name,
                                  provenance: ["data": data.description, "data_sha256": try data.fingerprint().combined,
                                               "seed": String(settings.seed), "epochs": String(settings.epochs),
                                               "augmentation": settings.augmentation.description,
                                               "command": CommandLine.arguments.joined(separator: " ")],
                                  accuracy: result.testAccuracy, to: output)
        return (name, result)
    }
}
