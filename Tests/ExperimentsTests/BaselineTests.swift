import Experiments
import Foundation
import ResultStore
import TestSupport
import XCTest

/// A baseline's expected results are written from a timed run and read back; a reproduction is checked against them.
final class BaselineTests: XCTestCase {
    func testRecordedResultsCheckTheirOwnRunAndCatchADrift() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 60, side: 8)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 30, side: 8)
        let baselines = path(folder, "Baselines")
        try FileManager.default.createDirectory(atPath: baselines, withIntermediateDirectories: true)
        try """
            # tiny: two arms at two step budgets on three classes of 8 x 8 images.
            name: tiny
            dataset: \(folder)
            split: {per_class: 4, minority: {2: 2}, validation_per_class: 2}
            seeds: 3
            classifier: {steps: [4, 6], evaluate_every: 2, select_best_validation: true, batch_size: 4}
            arms: [original, mixup]

            """.write(toFile: path(baselines, "tiny.yaml"), atomically: true, encoding: .utf8)
        let baseline = try Baseline.named("tiny", in: baselines)
        XCTAssertEqual(try Baseline.all(in: baselines).map(\.name), ["tiny"])
        XCTAssertThrowsError(try Baseline.named("huge", in: baselines)) { XCTAssertTrue("\($0)".contains("known: tiny"), "\($0)") }
        let p = try baseline.loadProtocol()
        let output = path(folder, "run")
        let summary = try ExperimentRunner.run(p, output: output, threads: 1)
        // Every unit was timed; the estimate of the same plan from those timings is their sum.
        let timings = UnitTimings.read(output)
        let plan = try ExperimentPlan(p)
        XCTAssertEqual(Set(timings.map(\.id)), Set(plan.units.map(\.id)))
        let estimate = try XCTUnwrap(UnitTimings.estimate(plan.units, from: timings, threads: 1))
        XCTAssertEqual(estimate, timings.map(\.seconds).reduce(0, +), accuracy: 1e-6)
        XCTAssertNil(UnitTimings.estimate(plan.units, from: timings, threads: 2), "no measurement at 2 threads")
        XCTAssertEqual(try ExperimentRunner.pendingUnits(plan, output: output), [])

        let measurement = BaselineExpectation.Measurement(command: "augbench baseline tiny --record --threads 1", date: "2026-11-26",
                                                          version: AugBenchVersion.current, threads: 1, wallSeconds: 3, machine: "test")
        try baseline.record(summary, protocol: p, measurement: measurement)
        let expected = try XCTUnwrap(baseline.loadExpected())
        XCTAssertEqual(expected.measured, measurement)
        XCTAssertEqual(expected.cells.map(\.label), ["original K=4 steps=4", "original K=4 steps=4 minority", "mixup K=4 steps=4", "mixup K=4 steps=4 minority",
                                                     "original K=4 steps=6", "original K=4 steps=6 minority", "mixup K=4 steps=6", "mixup K=4 steps=6 minority"])
        XCTAssertEqual(expected.cells[0].mean, summary.cells[0].mean, accuracy: 5e-5, "four decimals")
        let checks = try baseline.check(summary, against: expected, protocol: p)
        XCTAssertTrue(checks.allSatisfy(\.withinTolerance))
        // A mean that moved by more than its tolerance is caught; a changed protocol is refused.
        var drifted = expected
        drifted.cells[2].mean += drifted.cells[2].tolerance + 0.001
        XCTAssertEqual(try baseline.check(summary, against: drifted, protocol: p).map(\.withinTolerance), [true, true, false, true, true, true, true, true])
        // A swept arm's label (YAML flow indicators in it) reads back as written.
        var swept = expected
        swept.cells[0].arm = "gan[lr_g=0.0002,variant=dcgan]"
        let text = swept.yaml(protocolPath: "Baselines/tiny.yaml")
        XCTAssertEqual(try SettingsFile.decode(BaselineExpectation.self, yaml: text, path: "tiny.expected.yaml"), swept, text)
        var changed = p
        changed.seeds = 4
        XCTAssertThrowsError(try baseline.check(summary, against: expected, protocol: changed)) {
            XCTAssertTrue("\($0)".contains("measured with another version"), "\($0)")
        }
    }

    /// Shards of one folder time their units into one file at the same time: no line may be lost (a seek-to-end
    /// then write lost one under Slurm).
    func testConcurrentTimingAppendsKeepEveryLine() throws {
        let folder = try makeTemporaryFolder()
        let p = try SettingsFile.decode(ExperimentProtocol.self, yaml: """
            name: timing
            dataset: \(folder)
            split: {per_class: 4}
            seeds: 40
            classifier: {steps: 4}
            arms: [original, traditional]
            """, path: "timing.yaml")
        let units = try ExperimentPlan(p).units
        XCTAssertEqual(units.count, 80)
        DispatchQueue.concurrentPerform(iterations: units.count) { index in
            try? UnitTimings.append(units[index], seconds: Double(index), threads: 1, output: folder)
        }
        let lines = try String(contentsOfFile: path(folder, UnitTimings.fileName), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.filter { $0 == "id,kind,cost,seconds,threads" }.count, 1, "one header")
        XCTAssertEqual(lines.count, 1 + units.count, "one header, a line per unit")
        XCTAssertEqual(Set(UnitTimings.read(folder).map(\.id)), Set(units.map(\.id)))
    }

    func testTheToleranceIsThreeStandardErrorsOfADifferenceAndAtLeastOnePoint() {
        XCTAssertEqual(BaselineExpectation.tolerance(std: 0.02, seeds: 5), 3 * 0.02 * (2.0 / 5).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(BaselineExpectation.tolerance(std: 0.001, seeds: 5), 0.01)
    }
}
