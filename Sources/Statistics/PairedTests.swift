import Foundation

/// The result of a two-sided test: its statistic and p-value.
public struct TestResult: Sendable, Equatable {
    /// The test statistic: t, or Wilcoxon's min(R+, R-).
    public let statistic: Double
    /// Two-sided p-value in [0, 1]; NaN when the test is undefined (see each test).
    public let pValue: Double
}

/// Paired tests of two arms run with the same seeds (`a[i]` and `b[i]` share seed i), and the correction across a
/// run's comparisons. Each matches scipy.stats (or statsmodels) on the fixture in Tests/StatisticsTests.
public enum PairedTests {
    /// Paired t-test, two-sided (`scipy.stats.ttest_rel(a, b)`): t = mean(d) / (sd(d) / sqrt(n)), d = a - b.
    /// NaN p-value below two pairs or when every difference is the same.
    public static func tTest(_ a: [Double], _ b: [Double]) -> TestResult {
        let d = differences(a, b)
        let n = Double(d.count)
        let t = Summaries.mean(d) / (Summaries.standardDeviation(d) / n.squareRoot())
        guard t.isFinite else { return TestResult(statistic: t, pValue: .nan) }
        return TestResult(statistic: t, pValue: Distributions.studentTTwoSided(t, degreesOfFreedom: n - 1))
    }

    /// How the signed-rank p-value was found.
    public enum WilcoxonMethod: String, Sendable {
        /// The null distribution of the rank sum over every sign pattern (no ties, no zeros, n <= 50).
        case exact
        /// Every sign pattern of the observed ranks enumerated (ties or zeros, n <= 13).
        case permutation
        /// The normal approximation with the tie correction, no continuity correction.
        case normal
    }

    /// Wilcoxon signed-rank test, two-sided, zero differences discarded (`scipy.stats.wilcoxon(a, b)` with its
    /// "auto" method, scipy 1.17): the statistic is min(R+, R-) over the ranks of |d| (average ranks for ties).
    /// Without ties or zeros and at most 50 pairs the p-value is exact; with ties or zeros and at most 13 pairs it
    /// comes from all 2^n sign patterns of the observed ranks; otherwise from the normal approximation.
    public static func wilcoxon(_ a: [Double], _ b: [Double]) -> (result: TestResult, method: WilcoxonMethod) {
        let all = differences(a, b)
        let d = all.filter { $0 != 0 }
        let n = d.count
        guard n > 0 else { return (TestResult(statistic: 0, pValue: .nan), .normal) }
        let ranks = averageRanks(d.map(abs))
        let plus = zip(d, ranks).filter { $0.0 > 0 }.map(\.1).reduce(0, +)
        let total = Double(n * (n + 1)) / 2
        let statistic = min(plus, total - plus)
        let hasTiesOrZeros = Set(d.map(abs)).count < n || n < all.count
        if !hasTiesOrZeros && all.count <= 50 {
            let counts = Distributions.signedRankCounts(n)
            let atMost = counts[0...Int(statistic)].reduce(0, +) / pow(2, Double(n))
            return (TestResult(statistic: statistic, pValue: min(1, 2 * atMost)), .exact)
        }
        if all.count <= 13 {
            // Sums of doubled ranks are integers: count the sign patterns reaching each R+.
            var counts = [Double](repeating: 0, count: Int(2 * total) + 1)
            counts[0] = 1
            for rank in ranks.map({ Int(2 * $0) }) {
                for sum in stride(from: counts.count - 1, through: rank, by: -1) { counts[sum] += counts[sum - rank] }
            }
            let observed = Int(2 * plus), patterns = pow(2, Double(n))
            let below = counts[0...observed].reduce(0, +) / patterns, above = counts[observed...].reduce(0, +) / patterns
            return (TestResult(statistic: statistic, pValue: min(1, 2 * min(below, above))), .permutation)
        }
        let mean = total / 2
        var tieTerm = 0.0
        for (_, group) in Dictionary(grouping: d.map(abs), by: { $0 }) where group.count > 1 {
            let t = Double(group.count)
            tieTerm += t * t * t - t
        }
        let variance = Double(n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48
        let z = (plus - mean) / variance.squareRoot()
        return (TestResult(statistic: statistic, pValue: min(1, 2 * Distributions.normalSurvival(abs(z)))), .normal)
    }

    /// Holm's step-down adjustment (`statsmodels.stats.multitest.multipletests(p, method="holm")`), in the
    /// order given: the i-th smallest p times (m - i + 1), made non-decreasing, at most 1. NaN stays NaN.
    public static func holm(_ p: [Double]) -> [Double] {
        let order = p.indices.filter { !p[$0].isNaN }.sorted { p[$0] < p[$1] }
        var adjusted = p
        var running = 0.0
        for (position, index) in order.enumerated() {
            running = max(running, min(1, p[index] * Double(order.count - position)))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Ranks 1...n of `x`, ties sharing their average rank (`scipy.stats.rankdata`).
    public static func averageRanks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var ranks = [Double](repeating: 0, count: x.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && x[order[end + 1]] == x[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = average }
            start = end + 1
        }
        return ranks
    }

    static func differences(_ a: [Double], _ b: [Double]) -> [Double] {
        precondition(a.count == b.count, "paired samples must have equal lengths")
        return zip(a, b).map { $0 - $1 }
    }
}
