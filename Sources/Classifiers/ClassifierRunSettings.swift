import Augmentations
import Foundation
import ResultStore

/// Settings of a classifier run (`augbench train`, and every classifier arm of a protocol): one source of truth
/// for each option and its default. Decodes from a protocol's YAML or JSON with snake_case keys; unknown keys
/// and impossible values are errors.
public struct ClassifierRunSettings: Codable, Sendable, Equatable {
    public var epochs = 40
    /// A budget of optimizer steps instead of epochs (the same for every arm of a comparison).
    public var steps: Int?
    /// With `steps`: optimizer steps between two validation evaluations (and curve points).
    public var evaluateEvery = 50
    /// Evaluate the weights with the best validation accuracy (ties: the later) on the test set; the last
    /// weights' test accuracy is stored too.
    public var selectBestValidation = false
    public var batchSize = 128
    public var learningRate: Float = 1e-3
    /// Label smoothing of the cross-entropy (0 = none).
    public var labelSmoothing: Float = 0
    /// First seed; seed s fixes the classifier's initialisation, shuffling, dropout, augmentation draws and the
    /// choice of synthetic images, so runs of different arms are paired by seed.
    public var seed: UInt64 = 0
    /// Seeds seed, seed + 1, ... seed + seeds - 1.
    public var seeds = 1
    /// Traditional augmentation: drawn afresh for every batch, or once into `copies` copies per image.
    public var augmentation = AugmentationPipeline.none
    /// Batch-level mixup or cutmix (nil: none), applied after `augmentation` to every training batch.
    public var mixing: BatchMixing?
    /// Offline expansion: each training image (real and synthetic) followed by this many augmented copies.
    public var copies = 0
    /// With a sample set: synthetic images per class = ratio x the split's real training images of that class.
    public var syntheticRatio = 1.0
    /// With a sample set: which classes get synthetic images (nil: all, by `syntheticRatio`; `.minority`: the
    /// classes below the largest, topped up to it).
    public var syntheticClasses: SyntheticClasses?
    /// With a sample set: train on the synthetic images alone (the classification accuracy score, CAS).
    public var syntheticOnly = false

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case epochs, steps, seed, seeds, augmentation, copies, mixing
        case evaluateEvery = "evaluate_every"
        case selectBestValidation = "select_best_validation"
        case batchSize = "batch_size"
        case learningRate = "learning_rate"
        case labelSmoothing = "label_smoothing"
        case syntheticRatio = "synthetic_ratio"
        case syntheticOnly = "synthetic_only"
        case syntheticClasses = "synthetic_classes"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ClassifierRunSettings()
        epochs = try c.decode(.epochs, default: d.epochs)
        steps = try c.decodeIfPresent(Int.self, forKey: .steps)
        evaluateEvery = try c.decode(.evaluateEvery, default: d.evaluateEvery)
        selectBestValidation = try c.decode(.selectBestValidation, default: d.selectBestValidation)
        batchSize = try c.decode(.batchSize, default: d.batchSize)
        learningRate = try c.decode(.learningRate, default: d.learningRate)
        labelSmoothing = try c.decode(.labelSmoothing, default: d.labelSmoothing)
        seed = try c.decode(.seed, default: d.seed)
        seeds = try c.decode(.seeds, default: d.seeds)
        augmentation = try c.decode(.augmentation, default: d.augmentation)
        copies = try c.decode(.copies, default: d.copies)
        mixing = try c.decodeIfPresent(BatchMixing.self, forKey: .mixing)
        syntheticRatio = try c.decode(.syntheticRatio, default: d.syntheticRatio)
        syntheticOnly = try c.decode(.syntheticOnly, default: d.syntheticOnly)
        // `all` is the default and is stored as its absence, so that naming it does not change a run's checksum.
        syntheticClasses = try c.decodeIfPresent(SyntheticClasses.self, forKey: .syntheticClasses).flatMap { $0 == .all ? nil : $0 }
        try decoder.validating(validate)
    }

    /// Refuses values no run can use, naming the setting.
    public func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw ClassifierSettingsError(message) }
        }
        if let problem = SettingLimits.firstViolation([
            ("epochs", epochs, 1...SettingLimits.epochs), ("steps", steps ?? 1, 1...SettingLimits.steps),
            ("evaluate_every", evaluateEvery, 1...SettingLimits.steps), ("seeds", seeds, 1...SettingLimits.seeds),
            ("batch_size", batchSize, 1...SettingLimits.batchSize),
        ]) { throw ClassifierSettingsError(problem) }
        try require(seed.addingReportingOverflow(UInt64(seeds - 1)).overflow == false, "seed + seeds - 1 exceeds 2^64 - 1")
        try require(learningRate > 0 && learningRate.isFinite, "learning_rate must be positive and finite, got \(learningRate)")
        try require(labelSmoothing >= 0 && labelSmoothing < 1, "label_smoothing must be in [0, 1), got \(labelSmoothing)")
        try require((0...OfflineExpansion.maximumCopies).contains(copies), "copies must be in 0...\(OfflineExpansion.maximumCopies), got \(copies)")
        try require(syntheticRatio >= 0 && syntheticRatio.isFinite, "synthetic_ratio must be non-negative and finite, got \(syntheticRatio)")
        try require(!syntheticOnly || syntheticRatio > 0, "synthetic_only needs synthetic_ratio above 0")
        try require(syntheticClasses != .minority || syntheticRatio == 1, "synthetic_ratio does not apply with synthetic_classes minority")
        try require(syntheticClasses != .minority || !syntheticOnly, "synthetic_only trains on every class: it needs synthetic_classes all")
    }

    /// The seeds of the run, in order.
    public var seedList: [UInt64] { (0..<UInt64(seeds)).map { seed + $0 } }

    /// The trainer's settings for one seed. Offline expansion replaces the training set once, so the trainer then
    /// sees no on-the-fly augmentation.
    public func trainingConfiguration(seed: UInt64) -> TrainingConfiguration {
        var configuration = TrainingConfiguration(epochs: epochs, batchSize: batchSize, learningRate: learningRate,
                                                  labelSmoothing: labelSmoothing, seed: seed, augmentation: copies == 0 ? augmentation : .none)
        (configuration.steps, configuration.evaluateEvery) = (steps, evaluateEvery)
        configuration.selectBestValidation = selectBestValidation
        configuration.mixing = mixing
        configuration.recordsBudgetCurve = true
        return configuration
    }

    /// What a result file records to recognise a run it can resume: every setting except the seeds.
    public func canonicalTextWithoutSeeds() throws -> String {
        var copy = self
        (copy.seed, copy.seeds) = (0, 1)
        return try CanonicalSettings.text(copy)
    }

    /// The augmentation as result files describe it ("offline 4 copies: rotate=15,..." for offline expansion).
    public var augmentationDescription: String {
        (copies > 0 ? "offline \(copies) copies: \(augmentation.description)" : augmentation.description)
            + (mixing.map { " + \($0)" } ?? "")
    }
}

/// A classifier setting no run can use; the message names it.
public struct ClassifierSettingsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
