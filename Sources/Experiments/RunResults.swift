import Foundation
import ResultStore

/// `run.h5` read back as plain values: the reader of kind `experiment-run` (`ExperimentSummary.write` is its writer).
/// Reports and comparisons of runs read a run through this, so every number they show is the one in the file.
public struct RunResults: Sendable {
    public struct Interval: Sendable, Equatable {
        public let lower: Double, upper: Double
    }

    /// One arm at one K (classifier setting, ratio) over the seeds.
    public struct Cell: Sendable {
        /// The group name under `/cells` ("gan_K=10_r=1").
        public let name: String
        public let arm: String
        public let perClass: Int
        public let ratio: Double?
        public let classifierSetting: String
        public let seeds: [UInt64]
        public let accuracies: [Double]
        public let mean: Double
        public let std: Double
        public let interval: Interval?
        /// Per seed, per class.
        public let perClassAccuracies: [[Double]]
        public let minorityAccuracies: [Double]?
        /// "gan K=10 r=1", as the run printed it.
        public var label: String {
            ExperimentPlan.cellLabel(arm: arm, perClass: perClass, classifierSetting: classifierSetting, ratio: ratio)
        }
        /// The arm's name alone ("gan").
        public var kind: String { ExperimentPlan.armKind(arm) }
    }

    public struct Comparison: Sendable {
        public let name: String
        /// `accuracy` or `minority-class accuracy`.
        public let measure: String
        public let minorityClasses: [Int]
        /// The `/cells` group names of the arm and of its baseline.
        public let cell: String, baselineCell: String
        public let arm: String, baseline: String
        public let meanDifference: Double
        public let tInterval: Interval?, bootstrapInterval: Interval?
        public let tStatistic: Double, tP: Double, holmP: Double
        public let wilcoxonStatistic: Double, wilcoxonP: Double, wilcoxonMethod: String
        public let cohensDz: Double
        /// nil: no number of seeds reaches 80% power (a zero effect).
        public let seedsFor80PercentPower: Int?
        public let detectableDifference: Double
        public let familySize: Int
        public let interquartileMeanDifference: Double, probabilityOfImprovement: Double
        public let verdict: String, sentence: String
    }

    /// A GAN's sample sets measured over the seeds, or the real-data floor.
    public struct Quality: Sendable {
        public let name: String
        public let arms: [String]
        public let seeds: [UInt64]
        /// Per metric, each seed's value (file order).
        public let metrics: [(name: String, perSeed: [Double])]
        /// Per metric, the mean over seeds as the file holds it (`@<metric>_mean`).
        public let means: [String: Double]
        public let casMean: Double?
        public func mean(_ metric: String) -> Double? { means[metric] }
    }

    public struct Equivalent: Sendable {
        public let name: String
        public let syntheticPerClass: Double, realPerClass: Double, realPerSyntheticImage: Double
        public let interval: Interval?
        public let bound: String, sentence: String
    }

    public let protocolText: String
    public let cells: [Cell]
    public let comparisons: [Comparison]
    public let quality: [Quality]
    public let equivalents: [Equivalent]

    public func cell(named name: String) -> Cell? { cells.first { $0.name == name } }

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
                minorityAccuracies: g.isDataset("minority_accuracy") ? try g.read("minority_accuracy", as: Double.self).values : nil))
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
                verdict: try g.stringAttribute("verdict"), sentence: try g.stringAttribute("sentence")))
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
}
