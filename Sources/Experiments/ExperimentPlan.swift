import Classifiers
import Foundation
import GANs
import Metrics
import ResultStore
import Sampling

/// One piece of work of a run: a GAN for a split and seed, a sample set from it, or a classifier of one arm at one
/// K, ratio and seed. Its id is stable (the same protocol always plans the same ids) and names the file the unit
/// writes; its checksum covers its settings, so a changed protocol is never mistaken for a finished unit.
public struct PlannedUnit: Sendable, Equatable {
    /// What a unit makes; the raw value starts its id and names its kind in `timings.csv`.
    public enum Kind: String, Sendable {
        /// A GAN trained on one seed's split: a folder of checkpoints.
        case gan
        /// A filtered sample set drawn from a GAN.
        case samples
        /// Generative metrics of a sample set, or of the real-data floor, against the real test set.
        case metrics
        /// A classifier of one arm, trained and tested on one seed's split.
        case classifier
    }

    /// What the unit makes.
    public let kind: Kind
    /// "classifier/gan/K50/r0.5/seed3", "classifier/gan[variant=wgan-gp]/K50/learning_rate=0.001/r1/seed3",
    /// "gan/K50/seed3/cgan-1a2b3c4d", ...
    public let id: String
    /// A classifier's arm: its name, with the GAN settings it sweeps ("gan[variant=wgan-gp]").
    public let arm: String?
    /// The arm's name alone ("gan").
    public var armKind: String? { arm.map(ExperimentPlan.armKind) }
    /// K: real training images per class (0 for the real-data floor).
    public let perClass: Int
    /// A classifier unit's synthetic or more-real ratio; nil for other units and arms without one.
    public let ratio: Double?
    /// The seed of the unit's split, initialisation and sampling.
    public let seed: UInt64
    /// The seed's split file under `splits/` ("K50-seed3-1a2b3c4d.h5": the suffix is a checksum of how the split
    /// is drawn, so a changed split setting never reuses an old file).
    public let splitName: String
    /// Relative amount of work (images through a network, roughly): used to spread units evenly over shards.
    public let cost: Double
    /// Canonical JSON of everything the unit's result depends on.
    public let settings: String
    /// SHA-256 of `settings`, in hex.
    public var checksum: String { CanonicalSettings.checksum(settings) }
    /// Ids of the units whose outputs this one reads.
    public let dependencies: [String]
    /// GAN, sample and metrics units: the same GAN and sampling settings at the same K over every seed
    /// ("cgan-1a2b3c4d K=10"), what the GAN quality table gathers; "floor" for the real-data floor.
    public var group: String? = nil
    /// The classifier settings of a classifier sweep ("learning_rate=0.001"; empty without one): arms are compared
    /// at the same settings.
    public var classifierSetting = ""
}

/// Every unit a protocol asks for (arm x K x ratio x seed), with shared work planned once: a GAN per (K, seed, GAN
/// settings) and a sample set per (GAN, sampling settings), reused by every arm that needs them; the sample set's
/// generative metrics against the real test set, and once per run the real-data floor of those metrics.
public struct ExperimentPlan: Sendable {
    /// Every unit, each after the units it reads.
    public let units: [PlannedUnit]

    /// The plan of a protocol: the same protocol always plans the same units with the same ids.
    public init(_ p: ExperimentProtocol) throws {
        var units: [PlannedUnit] = [], planned = Set<String>()
        func add(_ unit: PlannedUnit) {
            if planned.insert(unit.id).inserted { units.append(unit) }
        }
        // Each arm at each of its GAN settings (a sweep), nil for arms without a GAN.
        let armPoints: [(Arm, Sweep<GANRunSettings>.Point?)] = p.arms.flatMap { arm in
            arm.ganSettings.map { g in g.gan.points.map { (arm, $0) } } ?? [(arm, nil)]
        }
        for perClass in p.split.perClass.values {
            for seed in (0..<UInt64(p.seeds)).map({ p.firstSeed + $0 }) {
                let split = SplitKey(perClass: perClass, validationPerClass: p.split.validationPerClass,
                                     minority: p.split.minority.map { "\($0.key):\($0.value)" }.sorted(), seed: seed)
                let splitName = "K\(perClass)-seed\(seed)-\(CanonicalSettings.checksum(try CanonicalSettings.text(split)).prefix(8)).h5"
                for classifierPoint in p.classifier.points {
                    for (arm, ganPoint) in armPoints {
                        var samplesID: String?
                        if let g = arm.ganSettings, let ganPoint {
                            let ganText = try CanonicalSettings.text(GANKey(split: split, gan: ganPoint.settings))
                            let ganID = "gan/K\(perClass)/seed\(seed)/\(ganPoint.settings.variant.rawValue)-\(CanonicalSettings.checksum(ganText).prefix(8))"
                            let group = "\(ganPoint.settings.variant.rawValue)-\(CanonicalSettings.checksum(try CanonicalSettings.text(GroupKey(gan: ganPoint.settings, sampling: g.sampling))).prefix(8)) K=\(perClass)"
                            add(PlannedUnit(kind: .gan, id: ganID, arm: nil, perClass: perClass, ratio: nil, seed: seed, splitName: splitName,
                                            cost: Self.cost(of: ganPoint.settings), settings: ganText, dependencies: [], group: group))
                            let samplesText = try CanonicalSettings.text(SamplesKey(gan: ganText, sampling: g.sampling))
                            let samplesChecksum = CanonicalSettings.checksum(samplesText).prefix(8)
                            let id = "samples/K\(perClass)/seed\(seed)/\(samplesChecksum)"
                            add(PlannedUnit(kind: .samples, id: id, arm: nil, perClass: perClass, ratio: nil, seed: seed, splitName: splitName,
                                            cost: Self.cost(of: g.sampling, perClass: perClass), settings: samplesText, dependencies: [ganID], group: group))
                            if p.ganMetrics {
                                add(PlannedUnit(kind: .metrics, id: "metrics/K\(perClass)/seed\(seed)/\(samplesChecksum)", arm: nil, perClass: perClass,
                                            ratio: nil, seed: seed, splitName: splitName, cost: Self.metricsCost,
                                                settings: try CanonicalSettings.text(MetricsKey(samples: samplesText, extractor: p.extractor)),
                                                dependencies: [id], group: group))
                            }
                            samplesID = id
                        }
                        let ratios: [Double?]
                        switch arm {
                        case let .moreReal(r): ratios = r.values
                        default: ratios = arm.ganSettings.map { $0.ratio.values } ?? [nil]
                        }
                        for ratio in ratios {
                            var classifier = classifierPoint.settings
                            classifier.seed = seed
                            switch arm {
                            case let .traditional(augmentation), let .ganTraditional(_, augmentation): classifier.augmentation = augmentation
                            case .syntheticOnly: classifier.syntheticOnly = true
                            case let .mixing(mixing): classifier.mixing = mixing
                            default: break
                            }
                            if let ratio, samplesID != nil { classifier.syntheticRatio = ratio }
                            if let g = arm.ganSettings, g.syntheticClasses == .minority { classifier.syntheticClasses = .minority }
                            let text = try CanonicalSettings.text(ClassifierKey(split: split, arm: arm.name, moreRealRatio: samplesID == nil ? ratio : nil,
                                                                                samples: samplesID, classifier: classifier))
                            let ratioPart = ratio.map { "/r\(Self.format($0))" } ?? ""
                            let settingPart = classifierPoint.choices.isEmpty ? "" : "/\(classifierPoint.label)"
                            let label = arm.name + (ganPoint.map { $0.choices.isEmpty ? "" : "[\($0.label)]" } ?? "")
                            add(PlannedUnit(kind: .classifier, id: "classifier/\(label)/K\(perClass)\(settingPart)\(ratioPart)/seed\(seed)", arm: label,
                                            perClass: perClass, ratio: ratio, seed: seed, splitName: splitName, cost: Self.cost(of: classifier),
                                            settings: text, dependencies: samplesID.map { [$0] } ?? [], classifierSetting: classifierPoint.label))
                        }
                    }
                }
            }
        }
        if p.ganMetrics && p.arms.contains(where: { $0.ganSettings != nil }) {
            units.append(PlannedUnit(kind: .metrics, id: Self.floorID, arm: nil, perClass: 0, ratio: nil, seed: p.firstSeed, splitName: "",
                                     cost: 2 * Self.metricsCost, settings: try CanonicalSettings.text(MetricsKey(samples: "floor: \(p.dataset)", extractor: p.extractor)),
                                     dependencies: [], group: "floor"))
        }
        self.units = units
    }

    /// The real-data floor: the metrics of the real test set against 10,000 real training images.
    public static let floorID = "metrics/floor"

    /// "gan K=10 r=1", "original K=50 learning_rate=0.001": how a cell (an arm at one K, classifier setting and
    /// ratio) is named in printed output, run.h5 groups and baselines.
    public static func cellLabel(arm: String, perClass: Int, classifierSetting: String, ratio: Double?) -> String {
        "\(arm) K=\(perClass)" + (classifierSetting.isEmpty ? "" : " \(classifierSetting)") + (ratio.map { " r=\(format($0))" } ?? "")
    }

    /// An arm label's name alone: "gan" for "gan[variant=wgan-gp]".
    public static func armKind(_ label: String) -> String { String(label.prefix { $0 != "[" }) }

    /// "0.5", "1", "2".
    public static func format(_ ratio: Double) -> String {
        ratio == ratio.rounded() ? String(Int(ratio)) : String(ratio)
    }

    /// Shard `index` of `count` (1-based): a deterministic share of the plan. A GAN, its sample sets and every
    /// classifier that reads them stay together (the GAN is trained once, where it is used); these groups and the
    /// units that need no GAN are dealt out largest first, each to the shard with the least work so far (ties: the
    /// lower shard), so expensive GAN trainings spread evenly. Every unit is in exactly one shard.
    public func shard(_ index: Int, of count: Int) -> [PlannedUnit] {
        precondition(count > 0 && (1...count).contains(index))
        var groupOf: [String: Int] = [:], groups: [[PlannedUnit]] = []
        for unit in units {
            if let dependency = unit.dependencies.first, let group = groupOf[dependency] {
                groupOf[unit.id] = group
                groups[group].append(unit)
            } else {
                groupOf[unit.id] = groups.count
                groups.append([unit])
            }
        }
        let order = groups.indices.sorted { a, b in
            let (ca, cb) = (groups[a].map(\.cost).reduce(0, +), groups[b].map(\.cost).reduce(0, +))
            return ca != cb ? ca > cb : a < b
        }
        var load = [Double](repeating: 0, count: count), chosen = Set<Int>()
        for group in order {
            let target = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            load[target] += groups[group].map(\.cost).reduce(0, +)
            if target == index - 1 { chosen.insert(group) }
        }
        return units.filter { chosen.contains(groupOf[$0.id]!) }
    }

    /// Relative cost of a unit, in images through the classifier: a GAN passes each batch through the discriminator
    /// (critic steps x real and fake) and the generator; every unit also loads its data, and a classifier tests on
    /// the test set (about 5000 such images, measured: a 200-step batch-32 classifier at K = 10 takes 7 s on 2
    /// cores, its 200-step batch-32 cGAN 21 s, a sample set of 20 per class 3 s).
    static func cost(of gan: GANRunSettings) -> Double {
        let preset = GANConfiguration(variant: gan.variant, imageShape: [1, 28, 28], classCount: 10)
        let (steps, critic) = (gan.steps ?? preset.steps, gan.criticSteps ?? preset.criticSteps)
        return Double(steps * gan.batchSize * (2 * critic + 1)) + overhead
    }

    /// Generating the candidates, plus the filter's real-data classifier (about K x 10 images per epoch).
    static func cost(of sampling: SamplingPlan, perClass: Int) -> Double {
        Double(sampling.perClass * sampling.oversample * 10 + sampling.classifierEpochs * perClass * 10) + overhead
    }

    static func cost(of classifier: ClassifierRunSettings) -> Double {
        Double((classifier.steps ?? 0) * classifier.batchSize) + overhead
    }

    private static let overhead = 5000.0
    /// Features of the test set (cached after the first unit) and of the samples.
    private static let metricsCost = 10_000.0

    /// Units of each kind, for the plan's summary.
    public var counts: [PlannedUnit.Kind: Int] { Dictionary(grouping: units, by: \.kind).mapValues(\.count) }

    private struct SplitKey: Codable {
        var perClass: Int, validationPerClass: Int, minority: [String], seed: UInt64
    }
    private struct GANKey: Codable {
        var split: SplitKey, gan: GANRunSettings
    }
    private struct SamplesKey: Codable {
        var gan: String, sampling: SamplingPlan
    }
    private struct GroupKey: Codable {
        var gan: GANRunSettings, sampling: SamplingPlan
    }
    private struct MetricsKey: Codable {
        var samples: String, extractor: String?, features = FeatureSetSettings(), metrics = MetricsReport.Settings()
    }
    private struct ClassifierKey: Codable {
        var split: SplitKey, arm: String, moreRealRatio: Double?, samples: String?, classifier: ClassifierRunSettings
    }
}
