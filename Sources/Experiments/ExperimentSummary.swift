import Classifiers
import Foundation
import Metrics
import ResultStore
import Statistics

/// The test accuracies of a run's classifier units by arm, K, ratio and seed, every arm compared with `original`
/// and with `traditional` over the same seeds, Holm-corrected across the run, with a verdict each.
public struct ExperimentSummary: Sendable {
    /// One arm at one K (and ratio) over the seeds.
    public struct Cell: Sendable {
        /// The arm's label: its name, with the GAN settings it sweeps ("gan[variant=wgan-gp]").
        public let arm: String
        /// K: real training images per class.
        public let perClass: Int
        /// The synthetic or more-real ratio; nil for arms without one.
        public let ratio: Double?
        /// The classifier settings of a classifier sweep ("learning_rate=0.001"), empty without one.
        public let classifierSetting: String
        /// The seeds, ascending.
        public let seeds: [UInt64]
        /// Test accuracy (a fraction) of each seed, in the order of `seeds`.
        public let accuracies: [Double]
        /// Per seed, the test accuracy of each class.
        public let perClassAccuracies: [[Double]]
        /// Per seed, the mean test accuracy of the protocol's minority classes (nil without minority classes).
        public let minorityAccuracies: [Double]?
        /// Per seed, the validation and budget curves of the classifier.
        public let curves: [TrainingRunFile.Curves]
        /// Whether the arm was still improving when its budget ended, from its validation curves (see `Convergence`).
        public let convergence: Convergence
        /// Mean test accuracy over the seeds.
        public var mean: Double { Summaries.mean(accuracies) }
        /// Sample standard deviation of the accuracy over the seeds (NaN below two).
        public var std: Double { Summaries.standardDeviation(accuracies) }
        /// 95% Student t interval of the mean accuracy (nil below two seeds).
        public var interval: Interval? { Summaries.tInterval(accuracies) }
        /// The cell as printed: "gan K=10 r=1", "original K=50 learning_rate=0.001".
        public var label: String {
            ExperimentPlan.cellLabel(arm: arm, perClass: perClass, classifierSetting: classifierSetting, ratio: ratio)
        }
        /// The arm's name alone ("gan").
        public var kind: String { ExperimentPlan.armKind(arm) }
        /// The cell's group under `/cells` in run.h5.
        public var groupName: String { label.replacingOccurrences(of: " ", with: "_") }

        /// Whether `other` is the same K and classifier settings over the same seeds: a fair partner.
        func isPaired(with other: Cell) -> Bool {
            other.perClass == perClass && other.classifierSetting == classifierSetting && other.seeds == seeds
        }
    }

    /// What a comparison measures: overall test accuracy, or the mean test accuracy of the minority classes (the
    /// headline of an imbalanced split).
    public enum Measure: Sendable, Equatable {
        /// Overall test accuracy.
        case accuracy
        /// Mean test accuracy of these classes, the protocol's minority classes.
        case minorityClasses([Int])
    }

    /// One arm's cell against a baseline's cell over the same seeds.
    public struct Comparison: Sendable {
        /// The arm's cell.
        public let cell: Cell
        /// The baseline's cell (`original` or `traditional`) at the same K and classifier settings.
        public let baseline: Cell
        /// Which accuracy is compared.
        public let measure: Measure
        /// Every statistic of the comparison, p-values Holm-adjusted across the run.
        public let statistics: PairedComparison
        /// The mean difference had every arm stopped at 1/8, 1/4, 1/2 and all of the budget (empty for runs whose
        /// classifier files predate the budget curve).
        public let budget: [BudgetPoint]
        /// Helps, hurts, or no detectable difference, at level 0.05.
        public var verdict: Verdict { statistics.verdict() }

        /// A line for each of the two cells that was still improving when its budget ended; empty when neither was.
        public var caveats: [String] {
            [cell, baseline].filter { $0.convergence.stillImproving }.map { still in
                String(format: "caveat: %@ was still improving at %d steps in %d of %d seeds (validation %+.4f over the last "
                       + "quarter of the budget): this comparison may understate it; raise classifier.steps",
                       still.label, still.convergence.budget, still.convergence.stillImprovingSeeds, still.convergence.seeds,
                       still.convergence.meanRise)
            }
        }

        /// "gan K=50 r=1 vs original: +0.0123 [0.0040, 0.0206], Holm p 0.012, d_z 1.9 (5 seeds): helps"; for the
        /// minority classes "gan K=200 r=1 vs original, minority classes 3, 5: ...".
        public var sentence: String {
            let s = statistics
            let interval = s.tInterval.map { String(format: " [%+.4f, %+.4f]", $0.lower, $0.upper) } ?? ""
            return String(format: "%@ vs %@%@: %+.4f%@, Holm p %.3g, d_z %.2f (%d seeds): %@", cell.label, baseline.arm, measureText,
                          s.meanDifference, interval, s.adjustedP, s.cohensDz, s.pairs, verdict.description)
        }

        var measureText: String {
            switch measure {
            case .accuracy: return ""
            case let .minorityClasses(classes): return ", minority classes \(classes.map(String.init).joined(separator: ", "))"
            }
        }

        /// The group name in run.h5.
        var name: String {
            ("\(cell.label)_vs_\(baseline.arm)" + (measure == .accuracy ? "" : "_minority")).replacingOccurrences(of: " ", with: "_")
        }
    }

    /// What the synthetic images of a `gan` cell are worth in real ones, read off the `more-real` curve at its K.
    public struct Equivalent: Sendable {
        /// The `gan` cell.
        public let cell: Cell
        /// What its synthetic images are worth in real ones, with a bootstrap interval.
        public let equivalent: RealImageEquivalent

        /// "gan K=10 r=1: 10 synthetic images per class are worth about 3.2 real ones [0.0, 7.5] (0.32 each) ...".
        public var sentence: String {
            let e = equivalent
            let interval = e.interval.map { String(format: " [%.1f, %.1f]", $0.lower, $0.upper) } ?? ""
            let synthetic = String(format: "%.0f", e.syntheticPerClass)
            switch e.bound {
            case .belowCurve:
                return "\(cell.label): \(synthetic) synthetic images per class are worth no real images (the arm is below original)"
            case .aboveCurve:
                return String(format: "%@: %@ synthetic images per class are worth at least %.0f real ones (above the more-real curve)",
                              cell.label, synthetic, e.realPerClass)
            case .within:
                return String(format: "%@: %@ synthetic images per class are worth about %.1f real ones%@ (%.2f each)", cell.label,
                              synthetic, e.realPerClass, interval, e.perSyntheticImage)
            }
        }
    }

    /// A GAN's samples (the same GAN and sampling settings at one K) measured over the seeds: the generative
    /// metrics against the real test set, and the CAS when a synthetic-only arm trained on them.
    public struct GANQuality: Sendable {
        /// "cgan-1a2b3c4d K=10", or "floor" for the real training images.
        public let group: String
        /// Arms that trained on these samples.
        public let arms: [String]
        /// The seeds measured, in the order of each metric's values.
        public let seeds: [UInt64]
        /// Per metric (`MetricsReport.headline` names), the value of each seed.
        public let values: [(name: String, perSeed: [Double])]
        /// The synthetic-only arm on these samples, if the protocol has one (at the first classifier settings of a
        /// classifier sweep).
        public let cas: Cell?

        /// The mean over the seeds of the metric `name`; nil when there is no such metric.
        public func mean(_ name: String) -> Double? {
            values.first { $0.name == name }.map { Summaries.mean($0.perSeed) }
        }
    }

    /// Every cell, in the order of the plan.
    public let cells: [Cell]
    /// Each arm against `original` and `traditional` per measure, Holm-adjusted as one family.
    public let comparisons: [Comparison]
    /// The real-image equivalent of each `gan` cell with `original` and `more-real` cells at its K.
    public let equivalents: [Equivalent]
    /// The real-data floor first (when the protocol has GAN arms), then each GAN group.
    public let quality: [GANQuality]

    /// Reads the finished classifier units of `plan` under `output`.
    public init(_ p: ExperimentProtocol, plan: ExperimentPlan, output: String) throws {
        typealias SeedResult = (seed: UInt64, accuracy: Double, perClass: [Double], curves: TrainingRunFile.Curves)
        var byCell: [String: (unit: PlannedUnit, results: [SeedResult])] = [:]
        var order: [String] = []
        for unit in plan.units where unit.kind == .classifier {
            let file = (output as NSString).appendingPathComponent("units/\(unit.id).h5")
            guard let accuracy = try TrainingRunFile.testAccuracies(file).first(where: { $0.seed == unit.seed })?.accuracy else {
                throw ExperimentError("\(file) holds no result for seed \(unit.seed)")
            }
            let key = "\(unit.arm ?? "")|\(unit.perClass)|\(unit.classifierSetting)|\(unit.ratio.map { "\($0)" } ?? "")"
            if byCell[key] == nil {
                order.append(key)
                byCell[key] = (unit, [])
            }
            byCell[key]!.results.append((unit.seed, accuracy, try TrainingRunFile.perClassAccuracy(file, seed: unit.seed),
                                         try TrainingRunFile.curves(file, seed: unit.seed)))
        }
        let minority = p.split.minority.keys.sorted()
        cells = order.map { key in
            let entry = byCell[key]!
            let sorted = entry.results.sorted { $0.seed < $1.seed }
            let minorityAccuracies = minority.isEmpty ? nil : sorted.map { result in
                Summaries.mean(minority.map { result.perClass[$0] })
            }
            let curves = sorted.map(\.curves)
            let convergence = Convergence(steps: curves.first?.steps ?? [], validation: curves.map(\.validationAccuracy),
                                          validationImages: p.split.validationPerClass * (sorted.first?.perClass.count ?? 0))
            return Cell(arm: entry.unit.arm ?? "", perClass: entry.unit.perClass, ratio: entry.unit.ratio, classifierSetting: entry.unit.classifierSetting,
                        seeds: sorted.map(\.seed), accuracies: sorted.map(\.accuracy), perClassAccuracies: sorted.map(\.perClass), minorityAccuracies: minorityAccuracies,
                        curves: curves, convergence: convergence)
        }
        var comparisons: [Comparison] = []
        let measures: [Measure] = [.accuracy] + (minority.isEmpty ? [] : [.minorityClasses(minority)])
        for measure in measures {
            for baselineName in ["original", "traditional"] {
                for cell in cells where cell.arm != baselineName && !(baselineName == "traditional" && cell.arm == "original") {
                    guard let baseline = cells.first(where: { $0.arm == baselineName && $0.isPaired(with: cell) }) else { continue }
                    let (arm, base) = measure == .accuracy ? (cell.accuracies, baseline.accuracies)
                        : (cell.minorityAccuracies!, baseline.minorityAccuracies!)
                    let statistics = PairedComparison(arm: arm, baseline: base, bootstrapSeed: p.firstSeed &+ UInt64(comparisons.count))
                    // Both arms' curves must be taken at the same steps (the same budget and evaluation interval).
                    let steps = Set(cell.curves.map(\.budgetSteps) + baseline.curves.map(\.budgetSteps))
                    let budget = steps.count != 1 ? [] : BudgetPoint.curve(steps: steps.first!, arm: Self.budgetCurves(cell, measure),
                                                                          baseline: Self.budgetCurves(baseline, measure))
                    comparisons.append(Comparison(cell: cell, baseline: baseline, measure: measure, statistics: statistics, budget: budget))
                }
            }
        }
        let adjusted = PairedComparison.holm(comparisons.map(\.statistics))
        self.comparisons = zip(comparisons, adjusted).map {
            Comparison(cell: $0.cell, baseline: $0.baseline, measure: $0.measure, statistics: $1, budget: $0.budget)
        }
        equivalents = Self.equivalents(cells, bootstrapSeed: p.firstSeed)
        quality = try Self.quality(plan: plan, cells: cells, output: output)
    }

    /// Per seed, the cell's budget curve in the comparison's measure.
    static func budgetCurves(_ cell: Cell, _ measure: Measure) -> [[Double]] {
        cell.curves.map { curve in
            switch measure {
            case .accuracy: return curve.budgetTestAccuracy
            case let .minorityClasses(classes):
                return curve.budgetPerClassAccuracy.map { perClass in Summaries.mean(classes.map { perClass[$0] }) }
            }
        }
    }

    static func quality(plan: ExperimentPlan, cells: [Cell], output: String) throws -> [GANQuality] {
        let metricsUnits = plan.units.filter { $0.kind == .metrics }
        let groups = metricsUnits.compactMap(\.group).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let samplesGroup = Dictionary(plan.units.filter { $0.kind == .samples }.map { ($0.id, $0.group ?? "") }, uniquingKeysWith: { a, _ in a })
        return try groups.map { group in
            let units = metricsUnits.filter { $0.group == group }.sorted { $0.seed < $1.seed }
            let tables = try units.map { try MetricsReport.headline((output as NSString).appendingPathComponent("units/\($0.id).h5")) }
            let values = tables.first.map { first in
                first.indices.map { index in (first[index].name, tables.map { $0[index].value }) }
            } ?? []
            let users = plan.units.filter { $0.kind == .classifier && $0.dependencies.contains { samplesGroup[$0] == group } }
            let arms = users.compactMap(\.arm).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let cas = users.first { $0.armKind == "synthetic-only" }.flatMap { unit in
                cells.first { $0.arm == unit.arm && $0.perClass == unit.perClass && $0.classifierSetting == unit.classifierSetting && $0.ratio == unit.ratio }
            }
            return GANQuality(group: group, arms: arms, seeds: units.map(\.seed), values: values, cas: cas)
        }
    }

    /// Each `gan` cell against the `original` and `more-real` cells of its K over the same seeds.
    static func equivalents(_ cells: [Cell], bootstrapSeed: UInt64) -> [Equivalent] {
        cells.filter { $0.kind == "gan" }.compactMap { cell in
            guard let ratio = cell.ratio, ratio > 0, let original = cells.first(where: { $0.arm == "original" && $0.isPaired(with: cell) })
            else { return nil }
            let curve = cells.filter { $0.arm == "more-real" && $0.isPaired(with: cell) }
            guard !curve.isEmpty else { return nil }
            let k = Double(cell.perClass)
            let equivalent = RealImageEquivalent(original: original.accuracies, moreReal: curve.map { (($0.ratio ?? 0) * k, $0.accuracies) },
                                                 arm: cell.accuracies, syntheticPerClass: ratio * k, bootstrapSeed: bootstrapSeed)
            return Equivalent(cell: cell, equivalent: equivalent)
        }
    }

    /// `run.h5` (kind "experiment-run"): the protocol, per cell the seeds and accuracies with mean, sd and 95%
    /// t interval, per comparison every statistic and the verdict.
    public func write(to path: String, protocolText: String) throws {
        let file = try HDF5File.create(path, kind: .experimentRun)
        try file.root.setAttribute("protocol", protocolText)
        try file.root.setAttribute("protocol_sha256", CanonicalSettings.checksum(protocolText))
        // HDF5 lists members by name; `@order` keeps the order the run printed them in.
        try file.root.createGroup("cells").setAttribute("order", cells.map(\.groupName))
        try file.root.createGroup("comparisons").setAttribute("order", comparisons.map(\.name))
        for cell in cells {
            let group = try file.root.createGroup("cells/\(cell.groupName)")
            try group.setAttribute("arm", cell.arm)
            try group.setAttribute("per_class", Int64(cell.perClass))
            try group.setAttribute("ratio", cell.ratio ?? .nan)
            try group.setAttribute("classifier_setting", cell.classifierSetting)
            try group.write("seeds", cell.seeds.map { Int64(bitPattern: $0) }, shape: [cell.seeds.count])
            try group.write("test_accuracy", cell.accuracies, shape: [cell.accuracies.count])
            try group.setAttribute("mean", cell.mean)
            try group.setAttribute("std", cell.std)
            try group.setAttribute("ci95", [cell.interval?.lower ?? .nan, cell.interval?.upper ?? .nan])
            let classes = cell.perClassAccuracies.first?.count ?? 0
            try group.write("per_class_accuracy", cell.perClassAccuracies.flatMap { $0 }, shape: [cell.seeds.count, classes])
            let convergence = cell.convergence
            try group.setAttribute("convergence", !convergence.judged ? "not judged" : convergence.stillImproving ? "still improving" : "converged")
            try group.setAttribute("budget_steps", Int64(convergence.budget))
            try group.setAttribute("still_improving_seeds", Int64(convergence.stillImprovingSeeds))
            try group.setAttribute("validation_rise", convergence.meanRise)
            try group.setAttribute("validation_rise_noise", convergence.noise)
            if let minority = cell.minorityAccuracies {
                try group.write("minority_accuracy", minority, shape: [minority.count])
                try group.setAttribute("minority_mean", Summaries.mean(minority))
            }
        }
        for comparison in comparisons {
            let s = comparison.statistics
            let group = try file.root.createGroup("comparisons/\(comparison.name)")
            switch comparison.measure {
            case .accuracy: try group.setAttribute("measure", "accuracy")
            case let .minorityClasses(classes):
                try group.setAttribute("measure", "minority-class accuracy")
                try group.setAttribute("minority_classes", classes.map(Int64.init))
            }
            try group.setAttribute("arm", comparison.cell.arm)
            try group.setAttribute("baseline", comparison.baseline.arm)
            try group.setAttribute("cell", comparison.cell.groupName)
            try group.setAttribute("baseline_cell", comparison.baseline.groupName)
            try group.setAttribute("mean_difference", s.meanDifference)
            try group.setAttribute("t_ci95", [s.tInterval?.lower ?? .nan, s.tInterval?.upper ?? .nan])
            try group.setAttribute("bootstrap_ci95", [s.bootstrapInterval?.lower ?? .nan, s.bootstrapInterval?.upper ?? .nan])
            try group.setAttribute("t_statistic", s.tTest.statistic)
            try group.setAttribute("t_p", s.tTest.pValue)
            try group.setAttribute("holm_p", s.adjustedP)
            try group.setAttribute("wilcoxon_statistic", s.wilcoxon.statistic)
            try group.setAttribute("wilcoxon_p", s.wilcoxon.pValue)
            try group.setAttribute("wilcoxon_method", s.wilcoxonMethod.rawValue)
            try group.setAttribute("cohens_dz", s.cohensDz)
            try group.setAttribute("seeds_for_80_percent_power", Int64(s.seedsFor80PercentPower ?? -1))
            try group.setAttribute("detectable_difference", s.detectableDifference)
            try group.setAttribute("family_size", Int64(s.familySize))
            try group.setAttribute("iqm_difference", s.interquartileMeanDifference)
            try group.setAttribute("probability_of_improvement", s.probabilityOfImprovement)
            try group.setAttribute("verdict", comparison.verdict.description)
            try group.setAttribute("sentence", comparison.sentence)
            try group.setAttribute("caveats", comparison.caveats.joined(separator: "\n"))
            let budget = comparison.budget
            try group.write("budget_fraction", budget.map(\.fraction), shape: [budget.count])
            try group.write("budget_step", budget.map { Int64($0.step) }, shape: [budget.count])
            try group.write("budget_mean_difference", budget.map(\.meanDifference), shape: [budget.count])
            try group.write("budget_ci95", budget.flatMap { [$0.interval?.lower ?? .nan, $0.interval?.upper ?? .nan] }, shape: [budget.count, 2])
        }
        for item in quality {
            let group = try file.root.createGroup("gan_quality/\(item.group.replacingOccurrences(of: " ", with: "_"))")
            try group.setAttribute("arms", item.arms)
            try group.write("seeds", item.seeds.map { Int64(bitPattern: $0) }, shape: [item.seeds.count])
            for (name, perSeed) in item.values {
                try group.write(name, perSeed, shape: [perSeed.count])
                try group.setAttribute("\(name)_mean", Summaries.mean(perSeed))
            }
            try group.setAttribute("cas_mean", item.cas?.mean ?? .nan)
        }
        for item in equivalents {
            let e = item.equivalent
            let group = try file.root.createGroup("real_image_equivalent/\(item.cell.label.replacingOccurrences(of: " ", with: "_"))")
            try group.setAttribute("synthetic_per_class", e.syntheticPerClass)
            try group.setAttribute("real_per_class", e.realPerClass)
            try group.setAttribute("real_per_synthetic_image", e.perSyntheticImage)
            try group.setAttribute("bootstrap_ci95", [e.interval?.lower ?? .nan, e.interval?.upper ?? .nan])
            try group.setAttribute("bound", e.bound.rawValue)
            try group.setAttribute("sentence", item.sentence)
        }
        try file.commit()
    }
}
