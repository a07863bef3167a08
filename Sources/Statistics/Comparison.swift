import Foundation

/// One arm against a baseline over the same seeds: every statistic the verdict and the report need.
public struct PairedComparison: Sendable, Equatable {
    /// Seeds (pairs) compared.
    public let pairs: Int
    /// Mean of arm - baseline.
    public let meanDifference: Double
    /// Student t interval of the mean difference (nil below two pairs).
    public let tInterval: Interval?
    /// Percentile bootstrap interval of the mean difference (nil below two pairs).
    public let bootstrapInterval: Interval?
    /// Paired t-test of arm against baseline, its p-value unadjusted (see `adjustedP`).
    public let tTest: TestResult
    /// Wilcoxon signed-rank test of the same pairs: a check that does not assume normal differences.
    public let wilcoxon: TestResult
    /// How the Wilcoxon p-value was found: exactly, by permutation or by the normal approximation.
    public let wilcoxonMethod: PairedTests.WilcoxonMethod
    /// The t-test's p-value after Holm's correction across the run's comparisons (`PairedComparison.holm`);
    /// the unadjusted p-value until then.
    public var adjustedP: Double
    /// Cohen's d_z of the differences.
    public let cohensDz: Double
    /// Seeds the paired t-test would need to detect the observed d_z with 80% power (nil: none would), at level
    /// 0.05 / (comparisons in the family) once `holm` has run: the strictest level Holm's correction can apply, so
    /// the number is enough whichever rank the comparison takes.
    public var seedsFor80PercentPower: Int?
    /// The smallest mean difference these seeds could detect with 80% power (d_z threshold x sd of the
    /// differences), at the same level as `seedsFor80PercentPower`.
    public var detectableDifference: Double
    /// Standard deviation of the paired differences.
    public let differenceStandardDeviation: Double
    /// Comparisons in the family the p-value was adjusted over (1 until `holm` runs).
    public var familySize = 1
    /// Interquartile mean of the arm minus that of the baseline (rliable's IQM).
    public let interquartileMeanDifference: Double
    /// P(arm > baseline) for random seeds of each (rliable).
    public let probabilityOfImprovement: Double

    /// All statistics of `arm` against `baseline` (`arm[i]` and `baseline[i]` from seed i).
    public init(arm: [Double], baseline: [Double], bootstrapSeed: UInt64, resamples: Int = 10_000, confidence: Double = 0.95) {
        let d = PairedTests.differences(arm, baseline)
        pairs = d.count
        meanDifference = Summaries.mean(d)
        tInterval = Summaries.tInterval(d, confidence: confidence)
        bootstrapInterval = Effects.bootstrapInterval(d, resamples: resamples, confidence: confidence, seed: bootstrapSeed)
        tTest = PairedTests.tTest(arm, baseline)
        (wilcoxon, wilcoxonMethod) = PairedTests.wilcoxon(arm, baseline)
        adjustedP = tTest.pValue
        cohensDz = Effects.cohensDz(arm, baseline)
        seedsFor80PercentPower = Effects.seedsForPower(effect: cohensDz)
        differenceStandardDeviation = Summaries.standardDeviation(d)
        detectableDifference = Effects.detectableEffect(pairs: d.count) * differenceStandardDeviation
        interquartileMeanDifference = Summaries.interquartileMean(arm) - Summaries.interquartileMean(baseline)
        probabilityOfImprovement = Effects.probabilityOfImprovement(arm, over: baseline)
    }

    /// The comparisons with `adjustedP` set by Holm's correction across all of them (one run's family), and the
    /// power figures at level 0.05 / (family size).
    public static func holm(_ comparisons: [PairedComparison], alpha: Double = 0.05) -> [PairedComparison] {
        let adjusted = PairedTests.holm(comparisons.map(\.tTest.pValue))
        let level = alpha / Double(max(1, comparisons.count))
        return zip(comparisons, adjusted).map { comparison, p in
            var copy = comparison
            copy.adjustedP = p
            copy.familySize = comparisons.count
            copy.seedsFor80PercentPower = Effects.seedsForPower(effect: comparison.cohensDz, alpha: level)
            copy.detectableDifference = Effects.detectableEffect(pairs: comparison.pairs, alpha: level) * comparison.differenceStandardDeviation
            return copy
        }
    }

    /// The verdict at level `alpha` (see `Verdict`).
    public func verdict(alpha: Double = 0.05) -> Verdict {
        if let interval = tInterval, adjustedP < alpha {
            if interval.lower > 0 { return .helps }
            if interval.upper < 0 { return .hurts }
        }
        return .noDetectableDifference(seeds: pairs, detectable: detectableDifference)
    }
}

/// What a comparison says, in plain words: *helps* (Holm-adjusted p below the level and the interval of the
/// difference above 0), *hurts* (the mirror), or no detectable difference with the seeds run, with the smallest
/// difference they could have detected at 80% power.
public enum Verdict: Sendable, Equatable, CustomStringConvertible {
    /// The arm is better: Holm-adjusted p below the level and the whole t interval above 0.
    case helps
    /// The arm is worse: Holm-adjusted p below the level and the whole t interval below 0.
    case hurts
    /// Neither: the seeds run and the smallest difference they could detect at 80% power (not finite below two seeds).
    case noDetectableDifference(seeds: Int, detectable: Double)

    public var description: String {
        switch self {
        case .helps: return "helps"
        case .hurts: return "hurts"
        case let .noDetectableDifference(seeds, detectable):
            return detectable.isFinite
                ? String(format: "no detectable difference with %d seeds (could detect %.4f or more)", seeds, detectable)
                : "no detectable difference with \(seeds) seed\(seeds == 1 ? "" : "s")"
        }
    }
}
