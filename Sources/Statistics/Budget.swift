import Foundation

/// Whether an arm was still improving when its step budget ended, judged from its validation curves across seeds.
///
/// The rule: with T the budget's last step, each seed's rise is the mean validation measure over the last quarter
/// of the budget (steps in (3T/4, T]) minus its mean over the quarter before (steps in (T/2, 3T/4]). The arm was
/// still improving when the mean rise over seeds is larger than its noise: twice its standard error across seeds,
/// and at least one validation image's worth (the measure cannot move by less). A seed counts as still improving
/// when its own rise is larger than one validation image's worth. A curve without a point in each of those two
/// quarters cannot be judged.
public struct Convergence: Sendable, Equatable {
    /// The budget's last step.
    public let budget: Int
    /// Seeds judged.
    public let seeds: Int
    /// Seeds whose validation measure rose by more than one validation image over the last quarter.
    public let stillImprovingSeeds: Int
    /// Mean rise over seeds of the validation measure, last quarter against the quarter before.
    public let meanRise: Double
    /// The rise the mean must exceed: twice its standard error across seeds, and at least one validation image.
    public let noise: Double
    /// False when the curves have no point in one of the two last quarters of the budget.
    public let judged: Bool

    /// True when the arm was still improving at the end of its budget (see the rule above).
    public var stillImproving: Bool { judged && meanRise > noise }

    /// Judges the validation curves of one arm's seeds.
    ///
    /// - Parameters:
    ///   - steps: the optimizer step of each curve point, the same for every seed.
    ///   - validation: per seed, the validation measure at each point.
    ///   - validationImages: images in the validation set (the measure's resolution is one of them).
    public init(steps: [Int], validation: [[Double]], validationImages: Int) {
        budget = steps.last ?? 0
        seeds = validation.count
        let t = Double(budget)
        let third = steps.indices.filter { Double(steps[$0]) > t / 2 && Double(steps[$0]) <= 3 * t / 4 }
        let fourth = steps.indices.filter { Double(steps[$0]) > 3 * t / 4 }
        let resolution = 1 / Double(max(1, validationImages))
        guard !third.isEmpty, !fourth.isEmpty, !validation.isEmpty,
              validation.allSatisfy({ $0.count == steps.count }) else {
            (stillImprovingSeeds, meanRise, noise, judged) = (0, .nan, .nan, false)
            return
        }
        let rises = validation.map { curve in
            Summaries.mean(fourth.map { curve[$0] }) - Summaries.mean(third.map { curve[$0] })
        }
        meanRise = Summaries.mean(rises)
        let standardError = rises.count > 1 ? Summaries.standardDeviation(rises) / Double(rises.count).squareRoot() : 0
        noise = max(resolution, 2 * standardError)
        stillImprovingSeeds = rises.filter { $0 > resolution }.count
        judged = true
    }
}

/// A paired comparison at a fraction of the step budget: what the verdict's difference would have been had every
/// arm stopped there (each arm's budget-curve point, the weights it would have reported at that step).
public struct BudgetPoint: Sendable, Equatable {
    /// The fraction of the budget asked for (1/8, 1/4, 1/2 or 1).
    public let fraction: Double
    /// The curve point's step: the last one at or before that fraction of the budget.
    public let step: Int
    /// Mean over seeds of arm minus baseline at that step.
    public let meanDifference: Double
    /// 95% Student t interval of the mean difference (nil below two seeds).
    public let interval: Interval?

    /// The fractions of the budget a comparison is shown at.
    public static let fractions: [Double] = [1.0 / 8, 1.0 / 4, 1.0 / 2, 1]

    /// The comparison at each of `fractions` whose step has a curve point; empty when the arms' curves were taken
    /// at different steps.
    ///
    /// - Parameters:
    ///   - steps: the curve points' steps, the same for both arms.
    ///   - arm: per seed, the arm's measure at each point.
    ///   - baseline: per seed (the same seeds in the same order), the baseline's measure at each point.
    public static func curve(steps: [Int], arm: [[Double]], baseline: [[Double]]) -> [BudgetPoint] {
        guard let budget = steps.last, arm.count == baseline.count, !arm.isEmpty,
              (arm + baseline).allSatisfy({ $0.count == steps.count }) else { return [] }
        return fractions.compactMap { fraction in
            guard let index = steps.lastIndex(where: { Double($0) <= fraction * Double(budget) }) else { return nil }
            let differences = zip(arm, baseline).map { $0[index] - $1[index] }
            return BudgetPoint(fraction: fraction, step: steps[index], meanDifference: Summaries.mean(differences),
                               interval: Summaries.tInterval(differences))
        }
    }
}
