import Foundation
import Statistics
import TestSupport
import XCTest

/// Every statistic against scipy.stats / statsmodels on fixed inputs (Fixtures/statistics.json, made by
/// Fixtures/make_statistics_fixture.py).
final class StatisticsTests: XCTestCase {
    nonisolated(unsafe) private static let fixture: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/statistics.json")
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any] ?? [:]
    }()

    private func close(_ actual: Double, _ expected: Any?, _ tolerance: Double = 1e-9, _ what: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        guard let expected = expected as? Double else { return XCTFail("fixture lacks \(what)", file: file, line: line) }
        XCTAssertEqual(actual, expected, accuracy: tolerance * max(1, abs(expected)), what, file: file, line: line)
    }

    func testEveryCaseMatchesScipy() throws {
        let cases = try XCTUnwrap(Self.fixture["cases"] as? [String: [String: Any]])
        XCTAssertEqual(cases.count, 7)
        for (name, c) in cases {
            let a = try XCTUnwrap(c["a"] as? [Double]), b = try XCTUnwrap(c["b"] as? [Double])
            close(Summaries.mean(a), c["mean_a"], 1e-12, "\(name) mean")
            close(Summaries.standardDeviation(a), c["std_a"], 1e-12, "\(name) sd")
            close(Summaries.interquartileMean(a), c["iqm_a"], 1e-12, "\(name) IQM")
            close(Summaries.percentile(a, 2.5), c["percentile_a_2_5"], 1e-12, "\(name) percentile")
            let interval = try XCTUnwrap(Summaries.tInterval(a)), expected = try XCTUnwrap(c["t_interval_a"] as? [Double])
            close(interval.lower, expected[0], 1e-10, "\(name) t interval")
            close(interval.upper, expected[1], 1e-10, "\(name) t interval")
            let t = PairedTests.tTest(a, b)
            close(t.statistic, c["t_statistic"], 1e-10, "\(name) t")
            close(t.pValue, c["t_p"], 1e-9, "\(name) t p")
            let (w, method) = PairedTests.wilcoxon(a, b)
            close(w.statistic, c["wilcoxon_statistic"], 1e-12, "\(name) W")
            close(w.pValue, c["wilcoxon_p"], 1e-9, "\(name) W p (\(method))")
            let expectedMethod: PairedTests.WilcoxonMethod = ["ties_and_zero": .permutation, "zero_difference": .permutation,
                                                              "sixty_seeds": .normal, "twenty_counts_with_ties": .normal][name] ?? .exact
            XCTAssertEqual(method, expectedMethod, name)
            let d = zip(a, b).map { $0 - $1 }
            XCTAssertEqual(PairedTests.averageRanks(d.map(abs)), c["ranks_abs_d"] as? [Double], name)
            let comparison = PairedComparison(arm: a, baseline: b, bootstrapSeed: 7, resamples: 2000)
            let differenceInterval = try XCTUnwrap(c["difference_t_interval"] as? [Double])
            close(try XCTUnwrap(comparison.tInterval).lower, differenceInterval[0], 1e-10, "\(name) difference interval")
            close(try XCTUnwrap(comparison.tInterval).upper, differenceInterval[1], 1e-10, "\(name) difference interval")
            close(comparison.cohensDz, c["cohens_dz"], 1e-10, "\(name) d_z")
            close(comparison.probabilityOfImprovement, c["probability_of_improvement"], 1e-12, "\(name) probability of improvement")
            let bootstrap = try XCTUnwrap(c["bootstrap_interval_seed7"] as? [Double])
            close(try XCTUnwrap(comparison.bootstrapInterval).lower, bootstrap[0], 1e-12, "\(name) bootstrap")
            close(try XCTUnwrap(comparison.bootstrapInterval).upper, bootstrap[1], 1e-12, "\(name) bootstrap")
        }
    }

    func testHolmMatchesStatsmodels() throws {
        let holm = try XCTUnwrap(Self.fixture["holm"] as? [String: [String: [Double]]])
        XCTAssertEqual(holm.count, 3)
        for (name, entry) in holm {
            let adjusted = PairedTests.holm(try XCTUnwrap(entry["p"]))
            for (value, expected) in zip(adjusted, try XCTUnwrap(entry["adjusted"])) { close(value, expected, 1e-12, "holm \(name)") }
        }
    }

    func testPowerSeedsAndDetectableEffectsMatchStatsmodels() throws {
        let entries = try XCTUnwrap(Self.fixture["power"] as? [[String: Double]])
        XCTAssertEqual(entries.count, 25)
        for entry in entries {
            let alpha = entry["alpha"] ?? 0.05
            if let power = entry["power"], let dz = entry["dz"], let n = entry["n"] {
                close(Effects.pairedTPower(effect: dz, pairs: Int(n), alpha: alpha), power, 1e-7, "power d_z \(dz) n \(n) alpha \(alpha)")
            } else if let seeds = entry["seeds_for_80"], let dz = entry["dz"] {
                XCTAssertEqual(Effects.seedsForPower(effect: dz, alpha: alpha), Int(seeds), "seeds for d_z \(dz) alpha \(alpha)")
            } else if let dz = entry["detectable_dz"], let n = entry["n"] {
                close(Effects.detectableEffect(pairs: Int(n), alpha: alpha), dz, 1e-6, "detectable d_z with \(n) seeds alpha \(alpha)")
            } else {
                XCTFail("unknown power entry \(entry)")
            }
        }
    }

    func testDistributionsMatchScipy() throws {
        let entries = try XCTUnwrap(Self.fixture["quantiles"] as? [[String: Double]])
        for entry in entries {
            if let p = entry["p"], let nu = entry["nu"], let t = entry["t"] {
                close(Distributions.studentTQuantile(p, degreesOfFreedom: nu), t, 1e-9, "t quantile \(p) \(nu)")
                close(Distributions.studentTCDF(2, degreesOfFreedom: nu), entry["cdf_of_2"], 1e-12, "t cdf \(nu)")
            } else if let nu = entry["nu"], let c = entry["c"], let delta = entry["delta"] {
                close(Distributions.noncentralTSurvival(c, degreesOfFreedom: nu, noncentrality: delta), entry["nct_sf"], 1e-8,
                      "noncentral t \(nu) \(c) \(delta)")
            }
        }
    }

    func testTheVerdictRule() {
        // A clear, consistent gain over five seeds.
        let gain = PairedComparison(arm: [0.86, 0.85, 0.87, 0.86, 0.88], baseline: [0.83, 0.83, 0.84, 0.82, 0.84], bootstrapSeed: 1)
        XCTAssertEqual(gain.verdict(), .helps)
        let loss = PairedComparison(arm: [0.83, 0.83, 0.84, 0.82, 0.84], baseline: [0.86, 0.85, 0.87, 0.86, 0.88], bootstrapSeed: 1)
        XCTAssertEqual(loss.verdict(), .hurts)
        // Noise: no verdict, and the smallest difference five seeds could have found.
        let noise = PairedComparison(arm: [0.84, 0.83, 0.85, 0.83, 0.84], baseline: [0.83, 0.84, 0.84, 0.84, 0.83], bootstrapSeed: 1)
        guard case let .noDetectableDifference(seeds, detectable) = noise.verdict() else { return XCTFail("\(noise.verdict())") }
        XCTAssertEqual(seeds, 5)
        XCTAssertGreaterThan(detectable, 0)
        XCTAssertTrue(noise.verdict().description.hasPrefix("no detectable difference with 5 seeds"))
        // Holm across a family can turn a nominal win into no verdict.
        let family = PairedComparison.holm([gain] + [PairedComparison](repeating: noise, count: 40))
        XCTAssertGreaterThan(family[0].adjustedP, gain.tTest.pValue)
        // ...and the power figures are then those of the family's strictest level, 0.05 / 41.
        XCTAssertEqual(family[1].familySize, 41)
        XCTAssertEqual(family[1].detectableDifference,
                       Effects.detectableEffect(pairs: 5, alpha: 0.05 / 41) * noise.differenceStandardDeviation, accuracy: 1e-12)
        XCTAssertGreaterThan(family[1].detectableDifference, noise.detectableDifference)
        XCTAssertEqual(family[0].seedsFor80PercentPower, Effects.seedsForPower(effect: gain.cohensDz, alpha: 0.05 / 41))
        // One seed: no interval, no verdict.
        XCTAssertNil(PairedComparison(arm: [0.9], baseline: [0.8], bootstrapSeed: 1).tInterval)
    }
}

final class RealImageEquivalentTests: XCTestCase {
    func testTheCurveIsInterpolatedAndItsEndsAreBounds() {
        let curve: [(extra: Double, accuracy: Double)] = [(0, 0.70), (10, 0.74), (30, 0.78)]
        let (middle, within) = RealImageEquivalent.equivalent(curve: curve, accuracy: 0.72)
        XCTAssertEqual(middle, 5, accuracy: 1e-12)
        XCTAssertEqual(within, .within)
        XCTAssertEqual(RealImageEquivalent.equivalent(curve: curve, accuracy: 0.76).0, 20, accuracy: 1e-12)
        XCTAssertTrue(RealImageEquivalent.equivalent(curve: curve, accuracy: 0.69) == (0, .belowCurve))
        XCTAssertTrue(RealImageEquivalent.equivalent(curve: curve, accuracy: 0.80) == (30, .aboveCurve))
        // A curve that dips: the first crossing counts.
        XCTAssertEqual(RealImageEquivalent.equivalent(curve: [(0, 0.70), (10, 0.76), (20, 0.74), (30, 0.80)], accuracy: 0.75).0, 25.0 / 3, accuracy: 1e-12)
    }

    func testSeedsAreResampledJointlyAndTheResultIsSeeded() {
        let original = [0.70, 0.71, 0.69, 0.72, 0.70], arm = [0.72, 0.73, 0.71, 0.74, 0.72]
        let moreReal = [(extra: 10.0, accuracies: [0.74, 0.75, 0.73, 0.76, 0.74])]
        let e = RealImageEquivalent(original: original, moreReal: moreReal, arm: arm, syntheticPerClass: 10, bootstrapSeed: 3)
        // Every seed's arm is original + 0.02 and more-real original + 0.04: 5 real images per class, in every resample.
        XCTAssertEqual(e.realPerClass, 5, accuracy: 1e-9)
        XCTAssertEqual(e.perSyntheticImage, 0.5, accuracy: 1e-9)
        XCTAssertEqual(e.interval!.lower, 5, accuracy: 1e-9)
        XCTAssertEqual(e.interval!.upper, 5, accuracy: 1e-9)
        let noisy = RealImageEquivalent(original: original, moreReal: moreReal, arm: [0.73, 0.72, 0.70, 0.75, 0.72], syntheticPerClass: 10, bootstrapSeed: 3)
        XCTAssertEqual(noisy, RealImageEquivalent(original: original, moreReal: moreReal, arm: [0.73, 0.72, 0.70, 0.75, 0.72], syntheticPerClass: 10, bootstrapSeed: 3))
        XCTAssertLessThan(noisy.interval!.lower, noisy.interval!.upper)
    }
}
