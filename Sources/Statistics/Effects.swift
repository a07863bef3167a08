import Foundation

/// Effect sizes, the bootstrap interval and power for paired comparisons.
public enum Effects {
    /// Cohen's d_z: mean of the paired differences over their standard deviation.
    public static func cohensDz(_ a: [Double], _ b: [Double]) -> Double {
        let d = PairedTests.differences(a, b)
        return Summaries.mean(d) / Summaries.standardDeviation(d)
    }

    /// Probability of improvement as rliable defines it: P(X > Y) for a random score of each arm, ties counting
    /// one half (the Mann-Whitney U statistic over n x m).
    public static func probabilityOfImprovement(_ x: [Double], over y: [Double]) -> Double {
        var wins = 0.0
        for a in x { for b in y { wins += a > b ? 1 : (a == b ? 0.5 : 0) } }
        return wins / Double(x.count * y.count)
    }

    /// Percentile bootstrap interval of the mean of `values`: `resamples` draws of n values with replacement
    /// from `seed`, the interval between the (1 - confidence) / 2 and (1 + confidence) / 2 percentiles of their
    /// means (numpy's linear percentiles).
    public static func bootstrapInterval(_ values: [Double], resamples: Int = 10_000, confidence: Double = 0.95,
                                         seed: UInt64) -> Interval? {
        guard values.count > 1, resamples > 1 else { return nil }
        var generator = SplitMix64(seed: seed)
        let n = values.count
        var means = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += values[generator.index(below: n)] }
            means[r] = sum / Double(n)
        }
        return Interval(lower: Summaries.percentile(means, (1 - confidence) / 2 * 100),
                        upper: Summaries.percentile(means, (1 + confidence) / 2 * 100))
    }

    /// Power of the two-sided paired t-test at level `alpha` with `n` pairs for a true effect `dz`
    /// (statsmodels' `TTestPower().power`: both tails of the noncentral t).
    public static func pairedTPower(effect dz: Double, pairs n: Int, alpha: Double = 0.05) -> Double {
        guard n > 1 else { return .nan }
        let nu = Double(n - 1), delta = dz * Double(n).squareRoot()
        let critical = Distributions.studentTQuantile(1 - alpha / 2, degreesOfFreedom: nu)
        return Distributions.noncentralTSurvival(critical, degreesOfFreedom: nu, noncentrality: delta)
            + Distributions.noncentralTSurvival(critical, degreesOfFreedom: nu, noncentrality: -delta)
    }

    /// The smallest number of seeds (pairs) at which the paired t-test detects `dz` with `power`; nil when no
    /// count up to `limit` does (or the effect is 0).
    public static func seedsForPower(effect dz: Double, power: Double = 0.8, alpha: Double = 0.05, limit: Int = 10_000) -> Int? {
        guard dz.isFinite, dz != 0 else { return nil }
        var (low, high) = (2, 2)
        while pairedTPower(effect: dz, pairs: high, alpha: alpha) < power {
            guard high < limit else { return nil }
            (low, high) = (high, min(limit, high * 2))
        }
        while low < high {
            let middle = (low + high) / 2
            if pairedTPower(effect: dz, pairs: middle, alpha: alpha) >= power { high = middle } else { low = middle + 1 }
        }
        return high
    }

    /// The smallest |d_z| that `n` pairs detect with `power`: times the standard deviation of the differences,
    /// the smallest difference a run of n seeds could have detected.
    public static func detectableEffect(pairs n: Int, power: Double = 0.8, alpha: Double = 0.05) -> Double {
        guard n > 1 else { return .infinity }
        return Distributions.invert(power, low: 0, high: 100) { pairedTPower(effect: $0, pairs: n, alpha: alpha) }
    }
}

/// SplitMix64 (Steele et al. 2014): the bootstrap's own seeded stream, so `Statistics` needs no other module.
/// `index(below:)` is the high word of next() x n.
public struct SplitMix64: Sendable {
    private var state: UInt64

    /// A stream starting from `seed`: the same seed gives the same draws.
    public init(seed: UInt64) { state = seed }

    /// The next 64-bit value of the stream.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly drawn index in 0..<n (n positive).
    public mutating func index(below n: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }
}
