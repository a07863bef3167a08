import Classifiers
import Foundation
import ResultStore
import Statistics

/// The test accuracies of a run's classifier units by arm, K, ratio and seed, every arm compared with `original`
/// and with `traditional` over the same seeds, Holm-corrected across the run, with a verdict each.
public struct ExperimentSummary: Sendable {
    /// One arm at one K (and ratio) over the seeds.
    public struct Cell: Sendable {
        public let arm: String
        public let perClass: Int
        public let ratio: Double?
        public let seeds: [UInt64]
        public let accuracies: [Double]
        public var mean: Double { Summaries.mean(accuracies) }
        public var std: Double { Summaries.standardDeviation(accuracies) }
        public var interval: Interval? { Summaries.tInterval(accuracies) }
        public var label: String { "\(arm) K=\(perClass)" + (ratio.map { " r=\(ExperimentPlan.format($0))" } ?? "") }
    }

    public struct Comparison: Sendable {
        public let cell: Cell
        public let baseline: Cell
        public let statistics: PairedComparison
        public var verdict: Verdict { statistics.verdict() }

        /// "gan K=50 r=1 vs original: +0.0123 [0.0040, 0.0206], Holm p 0.012, d_z 1.9 (5 seeds): helps".
        public var sentence: String {
            let s = statistics
            let interval = s.tInterval.map { String(format: " [%+.4f, %+.4f]", $0.lower, $0.upper) } ?? ""
            return String(format: "%@ vs %@: %+.4f%@, Holm p %.3g, d_z %.2f (%d seeds): %@", cell.label, baseline.arm, s.meanDifference,
                          interval, s.adjustedP, s.cohensDz, s.pairs, verdict.description)
        }
    }

    /// What the synthetic images of a `gan` cell are worth in real ones, read off the `more-real` curve at its K.
    public struct Equivalent: Sendable {
        public let cell: Cell
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

    public let cells: [Cell]
    public let comparisons: [Comparison]
    public let equivalents: [Equivalent]

    /// Reads the finished classifier units of `plan` under `output`.
    public init(_ p: ExperimentProtocol, plan: ExperimentPlan, output: String) throws {
        var byCell: [String: (arm: String, perClass: Int, ratio: Double?, results: [(UInt64, Double)])] = [:]
        var order: [String] = []
        for unit in plan.units where unit.kind == .classifier {
            let file = (output as NSString).appendingPathComponent("units/\(unit.id).h5")
            guard let accuracy = try TrainingRunFile.testAccuracies(file).first(where: { $0.seed == unit.seed })?.accuracy else {
                throw ExperimentError("\(file) holds no result for seed \(unit.seed)")
            }
            let key = "\(unit.arm ?? "")|\(unit.perClass)|\(unit.ratio.map { "\($0)" } ?? "")"
            if byCell[key] == nil {
                order.append(key)
                byCell[key] = (unit.arm ?? "", unit.perClass, unit.ratio, [])
            }
            byCell[key]!.results.append((unit.seed, accuracy))
        }
        cells = order.map { key in
            let entry = byCell[key]!
            let sorted = entry.results.sorted { $0.0 < $1.0 }
            return Cell(arm: entry.arm, perClass: entry.perClass, ratio: entry.ratio, seeds: sorted.map(\.0), accuracies: sorted.map(\.1))
        }
        var comparisons: [Comparison] = []
        for baselineName in ["original", "traditional"] {
            for cell in cells where cell.arm != baselineName && !(baselineName == "traditional" && cell.arm == "original") {
                guard let baseline = cells.first(where: { $0.arm == baselineName && $0.perClass == cell.perClass }),
                      baseline.seeds == cell.seeds else { continue }
                let statistics = PairedComparison(arm: cell.accuracies, baseline: baseline.accuracies,
                                                  bootstrapSeed: p.firstSeed &+ UInt64(comparisons.count))
                comparisons.append(Comparison(cell: cell, baseline: baseline, statistics: statistics))
            }
        }
        let adjusted = PairedComparison.holm(comparisons.map(\.statistics))
        self.comparisons = zip(comparisons, adjusted).map { Comparison(cell: $0.cell, baseline: $0.baseline, statistics: $1) }
        equivalents = Self.equivalents(cells, bootstrapSeed: p.firstSeed)
    }

    /// Each `gan` cell against the `original` and `more-real` cells of its K over the same seeds.
    static func equivalents(_ cells: [Cell], bootstrapSeed: UInt64) -> [Equivalent] {
        cells.filter { $0.arm == "gan" }.compactMap { cell in
            guard let ratio = cell.ratio, ratio > 0,
                  let original = cells.first(where: { $0.arm == "original" && $0.perClass == cell.perClass && $0.seeds == cell.seeds })
            else { return nil }
            let curve = cells.filter { $0.arm == "more-real" && $0.perClass == cell.perClass && $0.seeds == cell.seeds }
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
        for cell in cells {
            let group = try file.root.createGroup("cells/\(cell.label.replacingOccurrences(of: " ", with: "_"))")
            try group.setAttribute("arm", cell.arm)
            try group.setAttribute("per_class", Int64(cell.perClass))
            try group.setAttribute("ratio", cell.ratio ?? .nan)
            try group.write("seeds", cell.seeds.map { Int64(bitPattern: $0) }, shape: [cell.seeds.count])
            try group.write("test_accuracy", cell.accuracies, shape: [cell.accuracies.count])
            try group.setAttribute("mean", cell.mean)
            try group.setAttribute("std", cell.std)
            try group.setAttribute("ci95", [cell.interval?.lower ?? .nan, cell.interval?.upper ?? .nan])
        }
        for comparison in comparisons {
            let s = comparison.statistics
            let name = "\(comparison.cell.label)_vs_\(comparison.baseline.arm)".replacingOccurrences(of: " ", with: "_")
            let group = try file.root.createGroup("comparisons/\(name)")
            try group.setAttribute("arm", comparison.cell.arm)
            try group.setAttribute("baseline", comparison.baseline.arm)
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
