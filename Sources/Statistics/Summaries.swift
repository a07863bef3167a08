import Foundation

/// Summaries of one arm's results over seeds (accuracies, or any score), each a small named function in one place.
public enum Summaries {
    /// Arithmetic mean; NaN for no values.
    public static func mean(_ x: [Double]) -> Double {
        x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
    }

    /// Sample standard deviation (n - 1 in the denominator, numpy's `ddof=1`); NaN below two values.
    public static func standardDeviation(_ x: [Double]) -> Double {
        guard x.count > 1 else { return .nan }
        let m = mean(x)
        return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)).squareRoot()
    }

    /// The q-th percentile (q in [0, 100]) with linear interpolation between order statistics (numpy's default).
    public static func percentile(_ x: [Double], _ q: Double) -> Double {
        guard !x.isEmpty else { return .nan }
        let sorted = x.sorted()
        let position = q / 100 * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    /// Interquartile mean: the mean of the middle 50% (scipy's `trim_mean(x, 0.25)`, rliable's IQM): the lowest
    /// and highest `floor(n / 4)` values are dropped.
    public static func interquartileMean(_ x: [Double]) -> Double {
        let cut = x.count / 4
        return mean(Array(x.sorted().dropFirst(cut).dropLast(cut)))
    }

    /// Mean +- Student t quantile x standard error; nil below two values.
    public static func tInterval(_ x: [Double], confidence: Double = 0.95) -> Interval? {
        guard x.count > 1 else { return nil }
        let half = Distributions.studentTQuantile((1 + confidence) / 2, degreesOfFreedom: Double(x.count - 1))
            * standardDeviation(x) / Double(x.count).squareRoot()
        return Interval(lower: mean(x) - half, upper: mean(x) + half)
    }
}

/// A closed interval of real numbers.
public struct Interval: Sendable, Equatable, CustomStringConvertible {
    /// Lower end, included.
    public let lower: Double
    /// Upper end, included.
    public let upper: Double

    /// The interval from `lower` to `upper` (not checked: `lower` should not exceed `upper`).
    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// Whether `x` lies in the interval, ends included.
    public func contains(_ x: Double) -> Bool { lower <= x && x <= upper }
    public var description: String { String(format: "[%.4f, %.4f]", lower, upper) }
}
