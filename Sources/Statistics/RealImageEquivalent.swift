import Foundation

/// How many real images the synthetic images of an arm are worth: the number of extra real images per class at
/// which the "more real data" curve reaches the arm's mean accuracy.
///
/// The curve is piecewise linear through (0, original mean) and (extra_i, more-real mean at extra_i), in order of
/// extra images; the equivalent is where the arm's mean first meets it. An arm below the original is worth 0 real
/// images (`belowCurve`); an arm above the curve's last point is worth at least that many (`aboveCurve`, the
/// value is that lower bound). The interval is a percentile bootstrap over seeds, resampling seeds jointly for
/// every arm (the arms are paired by seed).
public struct RealImageEquivalent: Sendable, Equatable {
    /// Where the arm's mean lies against the "more real data" curve; the raw value is how reports print it.
    public enum Bound: String, Sendable {
        /// On the curve: `realPerClass` is read off it between two of its points.
        case within
        /// Below the original arm's mean: worth 0 real images.
        case belowCurve = "below the curve"
        /// Above the curve's last point: `realPerClass` is that point's extra images, a lower bound.
        case aboveCurve = "above the curve"
    }

    /// Extra real images per class the arm's mean is worth.
    public let realPerClass: Double
    /// Whether `realPerClass` was read off the curve or stopped at one of its ends.
    public let bound: Bound
    /// Synthetic images per class the arm added.
    public let syntheticPerClass: Double
    /// 95% bootstrap interval of `realPerClass` (nil below two seeds).
    public let interval: Interval?

    /// Real images per synthetic image.
    public var perSyntheticImage: Double { syntheticPerClass > 0 ? realPerClass / syntheticPerClass : .nan }

    /// The equivalent of one synthetic arm, with its bootstrap interval.
    ///
    /// - Parameters:
    ///   - original: the original arm's accuracy per seed (0 extra images);
    ///   - moreReal: per point of the curve, the extra real images per class and the accuracy per seed;
    ///   - arm: the synthetic arm's accuracy per seed (seed i of every list is the same seed);
    ///   - syntheticPerClass: the synthetic images per class the arm added;
    ///   - bootstrapSeed: the seed of the bootstrap's resampling;
    ///   - resamples: bootstrap resamples of the seeds.
    public init(original: [Double], moreReal: [(extra: Double, accuracies: [Double])], arm: [Double], syntheticPerClass: Double,
                bootstrapSeed: UInt64, resamples: Int = 2000) {
        let points = moreReal.sorted { $0.extra < $1.extra }
        func estimate(_ seeds: [Int]) -> (Double, Bound) {
            func mean(_ values: [Double]) -> Double { seeds.map { values[$0] }.reduce(0, +) / Double(seeds.count) }
            return Self.equivalent(curve: [(0, mean(original))] + points.map { ($0.extra, mean($0.accuracies)) }, accuracy: mean(arm))
        }
        let n = arm.count
        (realPerClass, bound) = estimate(Array(0..<n))
        self.syntheticPerClass = syntheticPerClass
        guard n > 1 else {
            interval = nil
            return
        }
        var generator = SplitMix64(seed: bootstrapSeed)
        let draws = (0..<resamples).map { _ in estimate((0..<n).map { _ in generator.index(below: n) }).0 }
        interval = Interval(lower: Summaries.percentile(draws, 2.5), upper: Summaries.percentile(draws, 97.5))
    }

    /// Where `accuracy` first meets the piecewise-linear `curve` (extra images ascending, first at 0).
    public static func equivalent(curve: [(extra: Double, accuracy: Double)], accuracy: Double) -> (Double, Bound) {
        guard let first = curve.first else { return (.nan, .within) }
        if accuracy <= first.accuracy { return (first.extra, accuracy < first.accuracy ? .belowCurve : .within) }
        for (a, b) in zip(curve, curve.dropFirst()) where accuracy <= b.accuracy && accuracy > a.accuracy {
            return (a.extra + (accuracy - a.accuracy) / (b.accuracy - a.accuracy) * (b.extra - a.extra), .within)
        }
        return (curve.map(\.extra).max()!, .aboveCurve)
    }
}
