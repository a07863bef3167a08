import Statistics
import XCTest

/// The convergence rule and the comparison at fractions of the budget, on curves whose answers are known.
final class BudgetTests: XCTestCase {
    let steps = Array(stride(from: 10, through: 160, by: 10))   // 16 points: the third quarter is 90-120, the last 130-160

    func testAFlatEndIsConvergedAndARisingEndIsStillImproving() {
        let flatCurve: [Double] = (0..<16).map { point -> Double in point < 8 ? Double(point) / 10 : 0.8 }
        let flat = [[Double]](repeating: flatCurve, count: 3)
        let converged = Convergence(steps: steps, validation: flat, validationImages: 100)
        XCTAssertTrue(converged.judged)
        XCTAssertEqual(converged.meanRise, 0)
        XCTAssertFalse(converged.stillImproving)
        XCTAssertEqual(converged.stillImprovingSeeds, 0)
        XCTAssertEqual(converged.budget, 160)
        // Rising by 0.01 a point: the last quarter's mean is 0.04 above the quarter before, in every seed.
        let rising: [[Double]] = (0..<3).map { seed -> [Double] in
            let offset = 0.5 + 0.001 * Double(seed)
            return (0..<16).map { point -> Double in offset + 0.01 * Double(point) }
        }
        let improving = Convergence(steps: steps, validation: rising, validationImages: 100)
        XCTAssertEqual(improving.meanRise, 0.04, accuracy: 1e-12)
        XCTAssertEqual(improving.noise, 0.01, accuracy: 1e-12, "identical rises: the noise is one validation image")
        XCTAssertTrue(improving.stillImproving)
        XCTAssertEqual(improving.stillImprovingSeeds, 3)
    }

    func testARiseWithinTheSeedsNoiseOrBelowOneImageIsNotFlagged() {
        // Seeds rise by +0.05, -0.05 and +0.03: mean 0.01, standard error 0.031; not a rise.
        let rises = [0.05, -0.05, 0.03]
        let noisy: [[Double]] = rises.map { rise -> [Double] in (0..<16).map { point -> Double in point >= 12 ? 0.7 + rise : 0.7 } }
        let convergence = Convergence(steps: steps, validation: noisy, validationImages: 1000)
        XCTAssertEqual(convergence.meanRise, 0.01, accuracy: 1e-12)
        XCTAssertEqual(convergence.noise, 2 * 0.05291502622129181 / 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertFalse(convergence.stillImproving)
        XCTAssertEqual(convergence.stillImprovingSeeds, 2)
        // Half an image's rise in every seed is below the measure's resolution.
        let tinyCurve: [Double] = (0..<16).map { point -> Double in point >= 12 ? 0.705 : 0.7 }
        let tiny = [[Double]](repeating: tinyCurve, count: 2)
        XCTAssertFalse(Convergence(steps: steps, validation: tiny, validationImages: 100).stillImproving)
    }

    func testCurvesWithoutPointsInTheLastTwoQuartersAreNotJudged() {
        let sparse = Convergence(steps: [50, 100], validation: [[0.5, 0.9]], validationImages: 10)
        XCTAssertFalse(sparse.judged)
        XCTAssertFalse(sparse.stillImproving)
        XCTAssertFalse(Convergence(steps: steps, validation: [], validationImages: 10).judged, "no validation images")
    }

    func testTheComparisonAtFractionsOfTheBudget() {
        let steps = [20, 40, 60, 80, 100]
        let arm = [[0.1, 0.2, 0.3, 0.4, 0.5], [0.2, 0.2, 0.4, 0.4, 0.7]]
        let baseline = [[0.3, 0.3, 0.3, 0.3, 0.3], [0.3, 0.3, 0.3, 0.3, 0.4]]
        let points = BudgetPoint.curve(steps: steps, arm: arm, baseline: baseline)
        // 1/8 of 100 steps has no point at or before it; 1/4 is step 20, 1/2 step 40, all of it step 100.
        XCTAssertEqual(points.map(\.fraction), [0.25, 0.5, 1])
        XCTAssertEqual(points.map(\.step), [20, 40, 100])
        XCTAssertEqual(points[0].meanDifference, -0.15, accuracy: 1e-12)
        XCTAssertEqual(points[2].meanDifference, 0.25, accuracy: 1e-12)
        let interval = Summaries.tInterval([0.2, 0.3])!
        XCTAssertEqual(points[2].interval!.lower, interval.lower, accuracy: 1e-12)
        XCTAssertEqual(points[2].interval!.upper, interval.upper, accuracy: 1e-12)
        XCTAssertEqual(BudgetPoint.curve(steps: steps, arm: arm, baseline: [[0.3]]), [], "curves of other lengths")
    }
}
