import Foundation
import ResultStore
import Statistics

/// A baseline: a protocol under `Baselines/NAME.yaml` and the results a full run of it measured,
/// `Baselines/NAME.expected.yaml` (written only by `Baseline.record` from a finished run: never by hand).
/// `check` reruns nothing itself; it compares a run's per-arm means with the expected ones.
public struct Baseline: Sendable {
    /// The baseline's name: its protocol file's name without `.yaml`.
    public let name: String
    /// Path of the protocol, `<folder>/NAME.yaml`.
    public let protocolPath: String
    /// Path of the expected results beside the protocol, `NAME.expected.yaml` (which may not exist yet).
    public var expectedPath: String { String(protocolPath.dropLast(5)) + ".expected.yaml" }

    /// The baselines in `folder`: every `NAME.yaml` that is not an expected-results file, by name.
    public static func all(in folder: String) throws -> [Baseline] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw ExperimentError("\(folder): no baselines folder there (give --baselines)")
        }
        return names.filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".expected.yaml") }.sorted()
            .map { Baseline(name: String($0.dropLast(5)), protocolPath: (folder as NSString).appendingPathComponent($0)) }
    }

    /// The baseline called `name` in `folder`; throws, listing the known ones, when there is none.
    public static func named(_ name: String, in folder: String) throws -> Baseline {
        let known = try all(in: folder)
        guard let baseline = known.first(where: { $0.name == name }) else {
            throw ExperimentError("no baseline '\(name)' in \(folder) (known: \(known.map(\.name).joined(separator: ", ")))")
        }
        return baseline
    }

    /// Reads the baseline's protocol, checked as `augbench run` checks one.
    public func loadProtocol() throws -> ExperimentProtocol { try SettingsFile.decode(ExperimentProtocol.self, path: protocolPath) }

    /// The expected results, or nil when none were recorded yet.
    public func loadExpected() throws -> BaselineExpectation? {
        guard FileManager.default.fileExists(atPath: expectedPath) else { return nil }
        return try SettingsFile.decode(BaselineExpectation.self, path: expectedPath)
    }

    /// Each expected cell against the run's; a cell of the run that the expectation lacks is not checked.
    public func check(_ summary: ExperimentSummary, against expected: BaselineExpectation, protocol p: ExperimentProtocol) throws -> [CellCheck] {
        guard expected.protocolSHA256 == CanonicalSettings.checksum(try CanonicalSettings.text(p)) else {
            throw ExperimentError("\(expectedPath) was measured with another version of \(protocolPath): record it again")
        }
        return try expected.cells.map { cell in
            guard let measured = summary.cells.first(where: { $0.arm == cell.arm && $0.perClass == cell.perClass && $0.ratio == cell.ratio
                                                            && $0.classifierSetting == cell.classifierSetting }),
                  let values = cell.measure == .minorityClasses ? measured.minorityAccuracies : measured.accuracies else {
                throw ExperimentError("the run has no cell \(cell.label) that \(expectedPath) expects")
            }
            return CellCheck(expected: cell, measured: Summaries.mean(values))
        }
    }

    /// Writes the expected results from a finished run of this baseline (the only way they are written).
    public func record(_ summary: ExperimentSummary, protocol p: ExperimentProtocol, measurement: BaselineExpectation.Measurement) throws {
        var cells: [BaselineExpectation.Cell] = []
        for cell in summary.cells {
            for (measure, values) in [(BaselineExpectation.Measure.accuracy, cell.accuracies), (.minorityClasses, cell.minorityAccuracies)] {
                guard let values else { continue }
                let std = Summaries.standardDeviation(values)
                cells.append(BaselineExpectation.Cell(arm: cell.arm, perClass: cell.perClass, ratio: cell.ratio, classifierSetting: cell.classifierSetting,
                                                      measure: measure, seeds: values.count,
                                                      mean: Self.rounded(Summaries.mean(values)), std: Self.rounded(std),
                                                      tolerance: Self.rounded(BaselineExpectation.tolerance(std: std, seeds: values.count))))
            }
        }
        let expectation = BaselineExpectation(baseline: name, protocolSHA256: CanonicalSettings.checksum(try CanonicalSettings.text(p)),
                                              measured: measurement, cells: cells)
        try Data(expectation.yaml(protocolPath: "Baselines/\(name).yaml").utf8).write(to: URL(fileURLWithPath: expectedPath), options: .atomic)
    }

    /// Four decimals: what the table shows, and far below any tolerance.
    static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }
}

/// What a baseline's full run measured: per cell (arm, K, ratio) the seeds, mean and sd of test accuracy, and the
/// tolerance a reproduction is held to.
public struct BaselineExpectation: Codable, Sendable, Equatable {
    /// How the expected results were measured: command, date, AugBench version, threads, time and machine.
    public struct Measurement: Codable, Sendable, Equatable {
        /// The command line that ran and recorded the baseline.
        public var command: String
        /// The day it was recorded, "yyyy-MM-dd" in UTC.
        public var date: String
        /// The AugBench version that measured it.
        public var version: String
        /// Threads every unit ran with: a reproduction with as many threads is bit-identical.
        public var threads: Int
        /// Wall time of the run that measured it: the sum of its units' measured times (`UnitTimings`), all at
        /// `threads`.
        public var wallSeconds: Int
        /// The CPU and its core count ("AMD EPYC 9B14, 2 cores").
        public var machine: String

        /// A measurement record with every value given.
        public init(command: String, date: String, version: String, threads: Int, wallSeconds: Int, machine: String) {
            (self.command, self.date, self.version, self.threads, self.wallSeconds, self.machine) = (command, date, version, threads, wallSeconds, machine)
        }

        enum CodingKeys: String, CodingKey {
            case command, date, version, threads, machine
            case wallSeconds = "wall_seconds"
        }
    }

    /// Overall test accuracy, or the mean test accuracy of the protocol's minority classes.
    public enum Measure: String, Codable, Sendable {
        /// Overall test accuracy.
        case accuracy
        /// Mean test accuracy of the protocol's minority classes.
        case minorityClasses = "minority_classes"
    }

    /// One expected cell: an arm at one K, ratio and classifier setting, with one measure's mean, sd and tolerance.
    public struct Cell: Codable, Sendable, Equatable {
        /// The arm's label, with any GAN settings it sweeps ("gan[variant=wgan-gp]").
        public var arm: String
        /// K: real training images per class.
        public var perClass: Int
        /// The synthetic or more-real ratio; nil for arms without one.
        public var ratio: Double?
        /// The classifier settings of a classifier sweep, empty without one.
        public var classifierSetting = ""
        /// Which accuracy the numbers are of.
        public var measure: Measure
        /// Seeds the mean and sd are over.
        public var seeds: Int
        /// Mean test accuracy over the seeds (a fraction, to four decimals).
        public var mean: Double
        /// Sample standard deviation of the accuracy over the seeds.
        public var std: Double
        /// How far a reproduction's mean may fall from `mean` (see `tolerance(std:seeds:)`).
        public var tolerance: Double

        /// The cell as printed ("gan K=10 r=1"), with " minority" for the minority-class measure.
        public var label: String {
            ExperimentPlan.cellLabel(arm: arm, perClass: perClass, classifierSetting: classifierSetting, ratio: ratio)
                + (measure == .minorityClasses ? " minority" : "")
        }

        /// A cell with every value given.
        public init(arm: String, perClass: Int, ratio: Double?, classifierSetting: String, measure: Measure, seeds: Int, mean: Double, std: Double,
                    tolerance: Double) {
            (self.arm, self.perClass, self.ratio, self.classifierSetting, self.measure) = (arm, perClass, ratio, classifierSetting, measure)
            (self.seeds, self.mean, self.std, self.tolerance) = (seeds, mean, std, tolerance)
        }

        enum CodingKeys: String, CodingKey {
            case arm, ratio, measure, seeds, mean, std, tolerance
            case perClass = "per_class"
            case classifierSetting = "classifier_setting"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            try self.init(arm: c.decode(String.self, forKey: .arm), perClass: c.decode(Int.self, forKey: .perClass),
                          ratio: c.decodeIfPresent(Double.self, forKey: .ratio), classifierSetting: c.decode(.classifierSetting, default: ""),
                          measure: c.decode(Measure.self, forKey: .measure), seeds: c.decode(Int.self, forKey: .seeds),
                          mean: c.decode(Double.self, forKey: .mean), std: c.decode(Double.self, forKey: .std),
                          tolerance: c.decode(Double.self, forKey: .tolerance))
        }
    }

    /// The baseline's name.
    public var baseline: String
    /// SHA-256 of the protocol's canonical text when measured: another protocol must be recorded again.
    public var protocolSHA256: String
    /// How the results were measured.
    public var measured: Measurement
    /// The expected cells in the run's order, the minority-class measure after a cell's accuracy.
    public var cells: [Cell]

    enum CodingKeys: String, CodingKey {
        case baseline, measured, cells
        case protocolSHA256 = "protocol_sha256"
    }

    /// The file's text: a header saying where it comes from, then one line per cell, numbers to four decimals.
    public func yaml(protocolPath: String) -> String {
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        var lines = [
            "# Expected results of \(protocolPath), written by `\(measured.command)` from the run it describes.",
            "# Do not edit by hand: record again after changing the protocol.",
            "baseline: \(baseline)",
            "protocol_sha256: \(protocolSHA256)",
            "measured:",
            "  command: \(quoted(measured.command))",
            "  date: \(quoted(measured.date))",
            "  version: \(quoted(measured.version))",
            "  threads: \(measured.threads)",
            "  wall_seconds: \(measured.wallSeconds)",
            "  machine: \(quoted(measured.machine))",
            "cells:",
        ]
        for cell in cells {
            let ratio = cell.ratio.map { ", ratio: \(ExperimentPlan.format($0))" } ?? ""
            let setting = cell.classifierSetting.isEmpty ? "" : ", classifier_setting: \(quoted(cell.classifierSetting))"
            // A swept arm's label holds YAML's flow indicators ("gan[variant=dcgan]"): quoted then.
            let arm = cell.arm.contains(where: { "[],{}:'\"#".contains($0) }) ? quoted(cell.arm) : cell.arm
            lines.append(String(format: "  - {arm: %@, per_class: %d%@%@, measure: %@, seeds: %d, mean: %.4f, std: %.4f, tolerance: %.4f}",
                                arm, cell.perClass, ratio, setting, cell.measure.rawValue, cell.seeds, cell.mean, cell.std, cell.tolerance))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// How far a reproduction's mean may fall from the expected one. With the same thread count the run is
    /// bit-identical; with another, float rounding makes every seed's training take another path, so the two
    /// means differ like two independent means of n seeds: by sd x sqrt(2 / n) for one standard error of the
    /// difference. Three of those, and at least one point of accuracy.
    public static func tolerance(std: Double, seeds: Int) -> Double {
        max(0.01, 3 * std * (2 / Double(max(1, seeds))).squareRoot())
    }
}

/// One cell of a baseline: the measured mean against the expected one.
public struct CellCheck: Sendable {
    /// The expected cell.
    public let expected: BaselineExpectation.Cell
    /// The run's mean for the cell's measure.
    public let measured: Double
    /// Measured minus expected mean.
    public var difference: Double { measured - expected.mean }
    /// Whether the difference is within the cell's tolerance.
    public var withinTolerance: Bool { abs(difference) <= expected.tolerance + 1e-12 }
}
