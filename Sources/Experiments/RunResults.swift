import Foundation
import ResultStore

/// `run.h5` read back as plain values: the reader of kind `experiment-run` (`ExperimentSummary.write` is its writer).
/// Reports and comparisons of runs read a run through this, so every number they show is the one in the file.
public struct RunResults: Sendable {
    /// A closed interval as the file stores it (`[lower, upper]`).
    public struct Interval: Sendable, Equatable {
        /// The interval's ends, lower first.
        public let lower: Double, upper: Double
    }

    /// One arm at one K (classifier setting, ratio) over the seeds.
    public struct Cell: Sendable {
        /// The group name under `/cells` ("gan_K=10_r=1").
        public let name: String
        /// The arm's label, with any GAN settings it sweeps ("gan[variant=wgan-gp]").
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
        /// Mean test accuracy over the seeds, as stored.
        public let mean: Double
        /// Sample standard deviation of the accuracy over the seeds, as stored (NaN below two).
        public let std: Double
        /// 95% Student t interval of the mean accuracy (nil below two seeds).
        public let interval: Interval?
        /// Per seed, per class.
        public let perClassAccuracies: [[Double]]
        /// Per seed, the mean accuracy of the minority classes; nil without minority classes.
        public let minorityAccuracies: [Double]?
        /// `converged`, `still improving` or `not judged` at the end of the budget (`Convergence`); empty in files
        /// written before convergence was judged.
        public let convergence: String
        /// The budget's last step, and the seeds whose validation measure still rose over its last quarter.
        public let budgetSteps: Int, stillImprovingSeeds: Int
        /// "gan K=10 r=1", as the run printed it.
        public var label: String {
            ExperimentPlan.cellLabel(arm: arm, perClass: perClass, classifierSetting: classifierSetting, ratio: ratio)
        }
        /// The arm's name alone ("gan").
        public var kind: String { ExperimentPlan.armKind(arm) }
    }

    /// One comparison as `/comparisons` stores it: an arm's cell against a baseline's.
    public struct Comparison: Sendable {
        /// The group name under `/comparisons`.
        public let name: String
        /// `accuracy` or `minority-class accuracy`.
        public let measure: String
        /// The minority classes of a minority-class comparison; empty for accuracy.
        public let minorityClasses: [Int]
        /// The `/cells` group names of the arm and of its baseline.
        public let cell: String, baselineCell: String
        /// The labels of the arm and of the baseline arm.
        public let arm: String, baseline: String
        /// Mean of arm - baseline over the seeds.
        public let meanDifference: Double
        /// 95% t and bootstrap intervals of the mean difference (nil below two seeds).
        public let tInterval: Interval?, bootstrapInterval: Interval?
        /// The paired t statistic, its p-value and the Holm-adjusted p-value.
        public let tStatistic: Double, tP: Double, holmP: Double
        /// The Wilcoxon signed-rank statistic, its p-value and method (`exact`, `permutation` or `normal`).
        public let wilcoxonStatistic: Double, wilcoxonP: Double, wilcoxonMethod: String
        /// Cohen's d_z of the paired differences.
        public let cohensDz: Double
        /// nil: no number of seeds reaches 80% power (a zero effect).
        public let seedsFor80PercentPower: Int?
        /// The smallest difference these seeds detect with 80% power.
        public let detectableDifference: Double
        /// Comparisons the Holm correction ran over.
        public let familySize: Int
        /// Difference of the interquartile means, and P(arm > baseline) for random seeds of each (rliable).
        public let interquartileMeanDifference: Double, probabilityOfImprovement: Double
        /// The verdict and the one-line sentence, as the run printed them.
        public let verdict: String, sentence: String
        /// A line for each cell of the comparison that was still improving when its budget ended.
        public let caveats: [String]
        /// The mean difference had every arm stopped at a fraction of the budget (empty in older files).
        public let budget: [BudgetPoint]
    }

    /// A comparison at a fraction of the step budget, as `/comparisons/<name>/budget_*` store it.
    public struct BudgetPoint: Sendable, Equatable {
        /// The fraction of the budget, and the step of the curve point taken for it.
        public let fraction: Double, step: Int
        /// Mean difference over seeds at that step, with its 95% t interval (nil below two seeds).
        public let meanDifference: Double, interval: Interval?
    }

    /// A GAN's sample sets measured over the seeds, or the real-data floor.
    public struct Quality: Sendable {
        /// The group name under `/gan_quality` ("cgan-1a2b3c4d_K=10", or "floor").
        public let name: String
        /// Arms that trained on these samples.
        public let arms: [String]
        /// The seeds measured, in the order of each metric's values.
        public let seeds: [UInt64]
        /// Per metric, each seed's value (file order).
        public let metrics: [(name: String, perSeed: [Double])]
        /// Per metric, the mean over seeds as the file holds it (`@<metric>_mean`).
        public let means: [String: Double]
        /// Mean accuracy of the synthetic-only arm on these samples (CAS); nil without one.
        public let casMean: Double?
        /// The stored mean of `metric` over the seeds; nil when the file has none.
        public func mean(_ metric: String) -> Double? { means[metric] }
    }

    /// A `gan` cell's real-image equivalent as `/real_image_equivalent` stores it.
    public struct Equivalent: Sendable {
        /// The group name: the `gan` cell's label with underscores.
        public let name: String
        /// Synthetic images per class, the real ones they are worth, and real images per synthetic image.
        public let syntheticPerClass: Double, realPerClass: Double, realPerSyntheticImage: Double
        /// 95% bootstrap interval of the real images per class (nil below two seeds).
        public let interval: Interval?
        /// `within`, `below the curve` or `above the curve`, and the sentence as the run printed it.
        public let bound: String, sentence: String
    }

    /// The protocol the run was made with, as canonical JSON.
    public let protocolText: String
    /// The cells, in the order the run printed them.
    public let cells: [Cell]
    /// The comparisons, in the order the run printed them.
    public let comparisons: [Comparison]
    /// GAN sample quality per group of sample sets, the real-data floor last.
    public let quality: [Quality]
    /// The real-image equivalents of the `gan` cells.
    public let equivalents: [Equivalent]

    /// The cell whose group name is `name`, if any.
    public func cell(named name: String) -> Cell? { cells.first { $0.name == name } }

    /// Reads a `run.h5`; throws when the file is of another kind.
    public static func read(_ path: String) throws -> RunResults {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(.experimentRun)
        let root = file.root
        func interval(_ group: HDF5Group, _ name: String) throws -> Interval? {
            let values = try group.arrayAttribute(name, as: Double.self)
            return values.count == 2 && values.allSatisfy(\.isFinite) ? Interval(lower: values[0], upper: values[1]) : nil
        }
        func members(_ name: String) throws -> [(String, HDF5Group)] {
            guard root.contains(name) else { return [] }
            let parent = try root.group(name)
            return try parent.memberNames().map { ($0, try parent.group($0)) }
        }
        // Cells in the order the run printed them: the writer creates them in that order, HDF5 lists names sorted,
        // so the order is kept in `/cells@order` when present.
        var cells: [Cell] = []
        for (name, g) in try members("cells") {
            let seeds = try g.read("seeds", as: Int64.self).values.map { UInt64(bitPattern: $0) }
            let perClass = try g.read("per_class_accuracy", as: Double.self)
            let classes = perClass.shape.count == 2 ? perClass.shape[1] : 0
            let ratio = try g.attribute("ratio", as: Double.self)
            cells.append(Cell(
                name: name, arm: try g.stringAttribute("arm"), perClass: Int(try g.attribute("per_class", as: Int64.self)),
                ratio: ratio.isNaN ? nil : ratio,
                classifierSetting: g.hasAttribute("classifier_setting") ? try g.stringAttribute("classifier_setting") : "",
                seeds: seeds, accuracies: try g.read("test_accuracy", as: Double.self).values,
                mean: try g.attribute("mean", as: Double.self), std: try g.attribute("std", as: Double.self), interval: try interval(g, "ci95"),
                perClassAccuracies: classes == 0 ? [] : stride(from: 0, to: perClass.values.count, by: classes).map { Array(perClass.values[$0..<$0 + classes]) },
                minorityAccuracies: g.isDataset("minority_accuracy") ? try g.read("minority_accuracy", as: Double.self).values : nil,
                convergence: g.hasAttribute("convergence") ? try g.stringAttribute("convergence") : "",
                budgetSteps: g.hasAttribute("budget_steps") ? Int(try g.attribute("budget_steps", as: Int64.self)) : 0,
                stillImprovingSeeds: g.hasAttribute("still_improving_seeds") ? Int(try g.attribute("still_improving_seeds", as: Int64.self)) : 0))
        }
        if root.contains("cells"), let order = try? root.group("cells").stringArrayAttribute("order") {
            cells.sort { (order.firstIndex(of: $0.name) ?? Int.max) < (order.firstIndex(of: $1.name) ?? Int.max) }
        }
        var comparisons: [Comparison] = []
        for (name, g) in try members("comparisons") {
            let seeds = try g.attribute("seeds_for_80_percent_power", as: Int64.self)
            comparisons.append(Comparison(
                name: name, measure: try g.stringAttribute("measure"),
                minorityClasses: g.hasAttribute("minority_classes") ? try g.arrayAttribute("minority_classes", as: Int64.self).map { Int($0) } : [],
                cell: try g.stringAttribute("cell"), baselineCell: try g.stringAttribute("baseline_cell"),
                arm: try g.stringAttribute("arm"), baseline: try g.stringAttribute("baseline"),
                meanDifference: try g.attribute("mean_difference", as: Double.self),
                tInterval: try interval(g, "t_ci95"), bootstrapInterval: try interval(g, "bootstrap_ci95"),
                tStatistic: try g.attribute("t_statistic", as: Double.self), tP: try g.attribute("t_p", as: Double.self),
                holmP: try g.attribute("holm_p", as: Double.self),
                wilcoxonStatistic: try g.attribute("wilcoxon_statistic", as: Double.self), wilcoxonP: try g.attribute("wilcoxon_p", as: Double.self),
                wilcoxonMethod: try g.stringAttribute("wilcoxon_method"), cohensDz: try g.attribute("cohens_dz", as: Double.self),
                seedsFor80PercentPower: seeds < 0 ? nil : Int(seeds),
                detectableDifference: try g.attribute("detectable_difference", as: Double.self),
                familySize: Int(try g.attribute("family_size", as: Int64.self)),
                interquartileMeanDifference: try g.attribute("iqm_difference", as: Double.self),
                probabilityOfImprovement: try g.attribute("probability_of_improvement", as: Double.self),
                verdict: try g.stringAttribute("verdict"), sentence: try g.stringAttribute("sentence"),
                caveats: g.hasAttribute("caveats") ? try g.stringAttribute("caveats").split(separator: "\n").map(String.init) : [],
                budget: try budgetPoints(g)))
        }
        if root.contains("comparisons"), let order = try? root.group("comparisons").stringArrayAttribute("order") {
            comparisons.sort { (order.firstIndex(of: $0.name) ?? Int.max) < (order.firstIndex(of: $1.name) ?? Int.max) }
        }
        var quality: [Quality] = []
        for (name, g) in try members("gan_quality") {
            let metrics = try g.memberNames().filter { $0 != "seeds" && g.isDataset($0) }.map { ($0, try g.read($0, as: Double.self).values) }
            let cas = try g.attribute("cas_mean", as: Double.self)
            let means = Dictionary(uniqueKeysWithValues: try metrics.map { ($0.0, try g.attribute("\($0.0)_mean", as: Double.self)) })
            quality.append(Quality(name: name, arms: try g.stringArrayAttribute("arms"),
                                   seeds: try g.read("seeds", as: Int64.self).values.map { UInt64(bitPattern: $0) },
                                   metrics: metrics, means: means, casMean: cas.isNaN ? nil : cas))
        }
        // The floor last, as the run prints it.
        quality.sort { ($0.name == "floor" ? 1 : 0) < ($1.name == "floor" ? 1 : 0) }
        var equivalents: [Equivalent] = []
        for (name, g) in try members("real_image_equivalent") {
            equivalents.append(Equivalent(
                name: name, syntheticPerClass: try g.attribute("synthetic_per_class", as: Double.self),
                realPerClass: try g.attribute("real_per_class", as: Double.self),
                realPerSyntheticImage: try g.attribute("real_per_synthetic_image", as: Double.self),
                interval: try interval(g, "bootstrap_ci95"), bound: try g.stringAttribute("bound"), sentence: try g.stringAttribute("sentence")))
        }
        return RunResults(protocolText: try root.stringAttribute("protocol"), cells: cells, comparisons: comparisons,
                          quality: quality, equivalents: equivalents)
    }

    /// A comparison group's budget curve (empty when the file predates it).
    private static func budgetPoints(_ g: HDF5Group) throws -> [BudgetPoint] {
        guard g.isDataset("budget_fraction") else { return [] }
        let fractions = try g.read("budget_fraction", as: Double.self).values
        let steps = try g.read("budget_step", as: Int64.self).values
        let differences = try g.read("budget_mean_difference", as: Double.self).values
        let intervals = try g.read("budget_ci95", as: Double.self).values
        return fractions.indices.map { i in
            let (lower, upper) = (intervals[2 * i], intervals[2 * i + 1])
            return BudgetPoint(fraction: fractions[i], step: Int(steps[i]), meanDifference: differences[i],
                               interval: lower.isFinite && upper.isFinite ? Interval(lower: lower, upper: upper) : nil)
        }
    }
}
