import Augmentations
import Classifiers
import Foundation
import GANs
import Metrics
import ResultStore
import Sampling

/// A value or a list of values: a list in a protocol makes a curve (`per_class: [10, 50, 100]`, `ratio: [0.5, 1]`).
public struct OneOrMany<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// The values, one or more, in the order given.
    public var values: [Value]

    /// The given values.
    public init(_ values: [Value]) { self.values = values }

    public init(from decoder: Decoder) throws {
        if let one = try? decoder.singleValueContainer().decode(Value.self) {
            values = [one]
        } else {
            values = try [Value](from: decoder)
            guard !values.isEmpty else {
                throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "an empty list"))
            }
        }
    }

    public func encode(to encoder: Encoder) throws { try values.encode(to: encoder) }
}

/// How each seed's split is drawn: K training images per class (a list makes a curve over K), or K for every class
/// but the minority classes, and the validation images per class (real, the same for every arm of a seed).
public struct SplitSettings: Codable, Sendable, Equatable {
    /// K: training images per class; several make a curve over K.
    public var perClass: OneOrMany<Int>
    /// Real validation images per class, the same for every arm of a seed.
    public var validationPerClass = 20
    /// Minority classes and their training counts (an imbalanced split).
    public var minority: [Int: Int] = [:]

    /// The keys of `split` in a protocol file.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        /// `minority`: class indices and their training counts.
        case minority
        /// `per_class`: K, or a list of K.
        case perClass = "per_class"
        /// `validation_per_class`: validation images per class.
        case validationPerClass = "validation_per_class"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        perClass = try c.decode(OneOrMany<Int>.self, forKey: .perClass)
        validationPerClass = try c.decode(.validationPerClass, default: 20)
        minority = try c.decode(.minority, default: [:])
        try decoder.validating(validate)
    }

    /// Throws an `ExperimentError` for a K below 1, a negative validation count or a bad minority class or count.
    public func validate() throws {
        guard perClass.values.allSatisfy({ $0 > 0 }) else { throw ExperimentError("per_class values must be positive") }
        guard validationPerClass >= 0 else { throw ExperimentError("validation_per_class must be non-negative") }
        if let bad = minority.first(where: { $0.key < 0 || $0.value < 1 }) {
            throw ExperimentError("minority class \(bad.key) with \(bad.value) images: classes are non-negative, counts positive")
        }
    }
}

/// The GAN behind a synthetic arm: its training settings, how its samples are drawn and filtered, and the
/// synthetic ratios r (synthetic images per class = r x the real ones; a list makes a curve). Any GAN setting
/// given as a list is a sweep: the arm runs once per combination, labelled `gan[variant=wgan-gp]`.
public struct GANArmSettings: Codable, Sendable, Equatable {
    /// The GAN's training settings; a list in any of them is a sweep.
    public var gan: Sweep<GANRunSettings>
    /// How samples are drawn from the GAN and filtered.
    public var sampling: SamplingPlan
    /// Synthetic ratio r (synthetic images per class = r x K); a list makes a curve.
    public var ratio: OneOrMany<Double>
    /// `all` (r x the real images of every class) or `minority` (an imbalanced split's minority classes topped up
    /// to K; no ratio).
    public var syntheticClasses = SyntheticClasses.all

    /// A cGAN, 100 kept samples per class, ratio 1.
    public init(gan: GANRunSettings = GANRunSettings(variant: .cgan), sampling: SamplingPlan = SamplingPlan(perClass: 100),
                ratio: OneOrMany<Double> = OneOrMany([1])) {
        self.gan = Sweep(gan)
        self.sampling = sampling
        self.ratio = ratio
    }

    /// The keys of a GAN arm in a protocol file.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        /// `gan`, `sampling` and `ratio`, spelled as their properties.
        case gan, sampling, ratio
        /// `synthetic_classes`: `all` or `minority`.
        case syntheticClasses = "synthetic_classes"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        try self.init(decoding: decoder.container(keyedBy: CodingKeys.self))
        try decoder.validating(validate)
    }

    /// The arm's keys from any mapping that holds them (the gan+traditional arm adds `augmentation`).
    init<Key: CodingKey>(decoding c: KeyedDecodingContainer<Key>) throws {
        let d = GANArmSettings()
        func key(_ name: CodingKeys) -> Key { Key(stringValue: name.rawValue)! }
        self.init(sampling: try c.decode(key(.sampling), default: d.sampling), ratio: try c.decode(key(.ratio), default: d.ratio))
        gan = try c.decode(key(.gan), default: d.gan)
        syntheticClasses = try c.decode(key(.syntheticClasses), default: d.syntheticClasses)
    }

    /// Throws an `ExperimentError` for a negative or infinite ratio, or a ratio other than 1 with `minority`.
    public func validate() throws {
        guard ratio.values.allSatisfy({ $0 >= 0 && $0.isFinite }) else { throw ExperimentError("ratio values must be non-negative") }
        guard syntheticClasses == .all || ratio.values == [1] else {
            throw ExperimentError("ratio does not apply with synthetic_classes: minority (each minority class is topped up to K)")
        }
    }
}

/// One arm of a comparison. In a protocol: a name (`original`), or a mapping from the name to its settings
/// (`traditional: {augmentation: strong}`, `gan: {gan: {variant: cgan}, ratio: [0.5, 1]}`).
public enum Arm: Codable, Sendable, Equatable {
    /// The real training images alone: the baseline every arm is compared with.
    case original
    /// The real images with a classic augmentation pipeline.
    case traditional(augmentation: AugmentationPipeline)
    /// The real images plus synthetic ones from a GAN trained on them.
    case gan(GANArmSettings)
    /// The real and synthetic images of `gan` with a classic augmentation pipeline.
    case ganTraditional(GANArmSettings, augmentation: AugmentationPipeline)
    /// Synthetic images alone: its accuracy is the GAN's classification accuracy score (CAS).
    case syntheticOnly(GANArmSettings)
    /// The ceiling: (1 + r) x K real images per class.
    case moreReal(ratio: OneOrMany<Double>)
    /// A stronger classic baseline: the real images with batch-level mixup or cutmix.
    case mixing(BatchMixing)

    /// The arm names a protocol accepts.
    public static let names = ["original", "traditional", "gan", "gan+traditional", "synthetic-only", "more-real", "mixup", "cutmix"]

    /// The arm's name in a protocol (`mixup` or `cutmix` for a mixing arm).
    public var name: String {
        switch self {
        case .original: return "original"
        case .traditional: return "traditional"
        case .gan: return "gan"
        case .ganTraditional: return "gan+traditional"
        case .syntheticOnly: return "synthetic-only"
        case .moreReal: return "more-real"
        case let .mixing(mixing): return mixing.name
        }
    }

    /// The arm's GAN, if it uses synthetic images.
    public var ganSettings: GANArmSettings? {
        switch self {
        case let .gan(g), let .ganTraditional(g, _), let .syntheticOnly(g): return g
        default: return nil
        }
    }

    private struct AugmentationOnly: Decodable {
        var augmentation = AugmentationPipeline.traditional
        enum CodingKeys: String, CodingKey, CaseIterable { case augmentation }
        init() {}
        init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            augmentation = try decoder.container(keyedBy: CodingKeys.self).decode(.augmentation, default: .traditional)
        }
    }

    private struct GANWithAugmentation: Decodable {
        var gan = GANArmSettings()
        var augmentation = AugmentationPipeline.traditional
        enum CodingKeys: String, CodingKey, CaseIterable {
            case gan, sampling, ratio, augmentation
            case syntheticClasses = "synthetic_classes"
        }
        init() {}
        init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            augmentation = try c.decode(.augmentation, default: .traditional)
            gan = try GANArmSettings(decoding: c)
            try decoder.validating(gan.validate)
        }
    }

    private struct MoreReal: Decodable {
        var ratio = OneOrMany<Double>([1])
        enum CodingKeys: String, CodingKey, CaseIterable { case ratio }
        init() {}
        init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            ratio = try decoder.container(keyedBy: CodingKeys.self).decode(.ratio, default: OneOrMany([1]))
            try decoder.validating {
                guard ratio.values.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw ExperimentError("ratio values must be positive") }
            }
        }
    }

    private struct Alpha: Decodable {
        var alpha = BatchMixing.defaultAlpha
        enum CodingKeys: String, CodingKey, CaseIterable { case alpha }
        init() {}
        init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            alpha = try decoder.container(keyedBy: CodingKeys.self).decode(.alpha, default: BatchMixing.defaultAlpha)
            try decoder.validating {
                guard alpha > 0 && alpha.isFinite else { throw ExperimentError("alpha must be positive and finite") }
            }
        }
    }

    public init(from decoder: Decoder) throws {
        let name: String, body: Decoder?
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            (name, body) = (text, nil)
        } else {
            let container = try decoder.container(keyedBy: AnySettingsKey.self)
            guard container.allKeys.count == 1, let key = container.allKeys.first else {
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: "an arm is a name or a mapping with one name (\(Self.names.joined(separator: ", ")))"))
            }
            (name, body) = (key.stringValue, try container.superDecoder(forKey: key))
        }
        func settings<T: Decodable>(_ value: T) throws -> T { try body.map { try T(from: $0) } ?? value }
        switch name {
        case "original": self = .original
        case "traditional": self = .traditional(augmentation: try settings(AugmentationOnly()).augmentation)
        case "gan": self = .gan(try settings(GANArmSettings()))
        case "gan+traditional":
            let both = try settings(GANWithAugmentation())
            self = .ganTraditional(both.gan, augmentation: both.augmentation)
        case "synthetic-only": self = .syntheticOnly(try settings(GANArmSettings()))
        case "more-real": self = .moreReal(ratio: try settings(MoreReal()).ratio)
        case "mixup": self = .mixing(.mixup(alpha: try settings(Alpha()).alpha))
        case "cutmix": self = .mixing(.cutmix(alpha: try settings(Alpha()).alpha))
        default:
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath, debugDescription: "unknown arm '\(name)' (known: \(Self.names.joined(separator: ", ")))"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: AnySettingsKey.self)
        let key = AnySettingsKey(stringValue: name)
        switch self {
        case .original: try container.encode([String: String](), forKey: key)
        case let .traditional(augmentation): try container.encode(["augmentation": augmentation], forKey: key)
        case let .gan(g), let .syntheticOnly(g): try container.encode(g, forKey: key)
        case let .ganTraditional(g, augmentation):
            var nested = container.nestedContainer(keyedBy: AnySettingsKey.self, forKey: key)
            try nested.encode(g.gan, forKey: AnySettingsKey(stringValue: "gan"))
            try nested.encode(g.sampling, forKey: AnySettingsKey(stringValue: "sampling"))
            try nested.encode(g.ratio, forKey: AnySettingsKey(stringValue: "ratio"))
            try nested.encode(g.syntheticClasses, forKey: AnySettingsKey(stringValue: "synthetic_classes"))
            try nested.encode(augmentation, forKey: AnySettingsKey(stringValue: "augmentation"))
        case let .moreReal(ratio): try container.encode(["ratio": ratio], forKey: key)
        case let .mixing(mixing): try container.encode(["alpha": mixing.alpha], forKey: key)
        }
    }
}

/// A protocol: the question "does GAN augmentation help?" asked of one dataset, as a file a researcher writes.
public struct ExperimentProtocol: Codable, Sendable, Equatable {
    /// The protocol's name: it labels the run's progress, its report and its Slurm jobs.
    public var name: String
    /// The dataset (a path with train and test subsets: splits draw from train, every arm is tested on test).
    public var dataset: String
    /// How each seed's split is drawn.
    public var split: SplitSettings
    /// Seeds first_seed, first_seed + 1, ...: one seed fixes the split, initialisation and sampling of every arm.
    public var seeds = 5
    /// The first of the seeds (default 0).
    public var firstSeed: UInt64 = 0
    /// The classifier every arm trains (the same step budget for all). A setting given as a list is a sweep: every
    /// arm runs at each combination, and arms are compared at the same combination.
    public var classifier: Sweep<ClassifierRunSettings>
    /// The arms compared, each name at most once.
    public var arms: [Arm]
    /// Measure every GAN arm's samples (FID, KID, precision/recall, density/coverage against the real test set,
    /// and the real-data floor) with the feature extractor.
    public var ganMetrics = true
    /// The extractor's file (nil: the embedded Fashion-MNIST extractor, for 1 x 28 x 28 images).
    public var extractor: String?

    /// The keys of a protocol file.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        /// `name`, `dataset`, `split`, `seeds`, `classifier`, `arms` and `extractor`, spelled as their properties.
        case name, dataset, split, seeds, classifier, arms, extractor
        /// `first_seed`: the first seed.
        case firstSeed = "first_seed"
        /// `gan_metrics`: whether GAN samples are measured.
        case ganMetrics = "gan_metrics"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        dataset = try c.decode(String.self, forKey: .dataset)
        split = try c.decode(SplitSettings.self, forKey: .split)
        seeds = try c.decode(.seeds, default: 5)
        firstSeed = try c.decode(.firstSeed, default: 0)
        classifier = try c.decode(.classifier, default: Sweep(ExperimentProtocol.defaultClassifier))
        arms = try c.decode([Arm].self, forKey: .arms)
        ganMetrics = try c.decode(.ganMetrics, default: true)
        extractor = try c.decodeIfPresent(String.self, forKey: .extractor)
        try decoder.validating(validate)
    }

    /// Every arm is trained for the same number of optimizer steps and tested with its best-validation weights.
    public static var defaultClassifier: ClassifierRunSettings {
        var settings = ClassifierRunSettings()
        (settings.steps, settings.evaluateEvery, settings.selectBestValidation) = (1000, 50, true)
        return settings
    }

    /// Checks what needs no data: seeds, arms, the classifier's step budget and sweep, synthetic-only's classes.
    public func validate() throws {
        guard (1...SettingLimits.seeds).contains(seeds) else { throw ExperimentError("seeds must be in 1...\(SettingLimits.seeds), got \(seeds)") }
        guard firstSeed <= UInt64.max - UInt64(seeds - 1) else {
            throw ExperimentError("first_seed + seeds - 1 must fit in 64 bits (first_seed \(firstSeed), seeds \(seeds))")
        }
        guard !arms.isEmpty else { throw ExperimentError("arms: give at least one arm") }
        for point in classifier.points {
            guard point.settings.steps != nil else {
                throw ExperimentError("classifier: give steps (a step budget: every arm gets the same number of updates)")
            }
            guard point.settings.seeds == 1, point.settings.seed == 0 else {
                throw ExperimentError("classifier: seeds are set for the whole protocol (seeds, first_seed), not here")
            }
        }
        if let set = classifier.points.first?.choices.first(where: { Self.armSetClassifierKeys.contains($0.key) }) {
            throw ExperimentError("classifier: \(set.key) is set by each arm, it cannot be swept here")
        }
        for case let .syntheticOnly(g) in arms where g.syntheticClasses == .minority {
            throw ExperimentError("synthetic-only trains on every class: synthetic_classes minority does not apply to it")
        }
        let names = arms.map(\.name)
        if let repeated = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw ExperimentError("arms: '\(repeated)' appears twice (to compare settings of one arm, give them as a list: a sweep)")
        }
    }

    /// Classifier settings each arm sets itself.
    static let armSetClassifierKeys: Set<String> = ["augmentation", "mixing", "synthetic_ratio", "synthetic_only", "synthetic_classes"]

    /// Checks what needs the data: every class named exists and holds K training plus the validation images, and
    /// the extractor (when GAN samples are measured) reads images of the data's shape.
    public func validate(classCounts: [Int], imageShape: [Int]) throws {
        try validate(classCounts: classCounts)
        if ganMetrics && arms.contains(where: { $0.ganSettings != nil }) {
            let model = try FeatureExtractor.load(path: extractor)
            guard model.imageShape == imageShape else {
                throw ExperimentError("gan_metrics: the extractor \(model.name) reads \(model.imageShape.map(String.init).joined(separator: "x")) images, "
                                      + "the dataset's are \(imageShape.map(String.init).joined(separator: "x")): give an extractor for them "
                                      + "(augbench extractor train) or gan_metrics: false")
            }
        }
    }

    /// Checks what needs the data: every class named exists and holds K training plus the validation images.
    public func validate(classCounts: [Int]) throws {
        if let bad = split.minority.keys.sorted().first(where: { $0 >= classCounts.count }) {
            throw ExperimentError("split.minority: class \(bad) does not exist (the data has classes 0...\(classCounts.count - 1))")
        }
        let largest = split.perClass.values.max()!, fewest = classCounts.min()!
        let ceiling = arms.compactMap { if case let .moreReal(r) = $0 { return r.values.max() } else { return nil } }.max() ?? 0
        let needed = Int((Double(largest) * (1 + ceiling)).rounded(.up)) + split.validationPerClass
        guard needed <= fewest else {
            throw ExperimentError("split.per_class: \(largest) training (x \(1 + ceiling) for more-real) + \(split.validationPerClass) "
                                  + "validation images per class, but a class of the data holds only \(fewest)")
        }
    }
}

/// A protocol that cannot run; the message names the setting.
public struct ExperimentError: Error, CustomStringConvertible {
    public let description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
