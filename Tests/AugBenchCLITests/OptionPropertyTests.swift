import Foundation
import TestSupport
import XCTest

/// Every option of every command, given degenerate, extreme and random values, either works (exit 0), fails with
/// one `Error:` line and an exit code in 1...127, or is still working at the time limit; it never traps.
///
/// The commands and their options come from `augbench --experimental-dump-help`, so a new command or option is
/// covered without editing this file (a new command needs its base arguments below; the test says so). Each case
/// starts from base arguments that make the command valid and quick on a tiny data set, then replaces (or adds) one
/// option's value. Typed options (numbers and named choices: the parser refuses "abc") get every value below and two
/// random numbers; text options (paths, specifications) get the short list, and where their value holds a number
/// (`rotate=15`, `1/2`, `3:5`) that number is replaced by each extreme. Set AUGBENCH_PROPERTY_SEED for other random
/// values.
final class OptionPropertyTests: CLITestCase {
    /// Values that have broken programs like this one: empty, zero, negative, just past 32 and 64 bits, the largest
    /// and smallest floats, infinities and NaN, subnormals, a fraction where a count is expected.
    static let fixedValues = ["", "0", "-0", "-1", "1", "0.5", "-0.5", "2147483648", "9223372036854775807", "-9223372036854775808",
                              "18446744073709551615", "99999999999999999999999", "1e308", "-1e308", "1e-320", "inf", "-inf", "nan"]
    static let textValues = ["", "0", "1", "-1", "nan"]
    static let embeddedValues = ["0", "-1", "2147483648", "9223372036854775807", "99999999999999999999999", "1e308", "nan"]
    static let timeLimit = 5.0

    /// A case still running at the time limit did not trap; the list says which ran long (a huge step count is
    /// honoured, not refused).
    func testEveryOptionOfEveryCommandFailsCleanlyOrWorks() throws {
        let fixture = try PropertyFixture(test: self)
        let commands = try leafCommands()
        var seed = UInt64(ProcessInfo.processInfo.environment["AUGBENCH_PROPERTY_SEED"] ?? "") ?? 20261126
        var cases: [[String]] = []
        var uncovered: [String] = []
        for command in commands {
            guard let base = fixture.baseArguments[command.path.joined(separator: " ")] else {
                if !command.options.isEmpty { uncovered.append(command.path.joined(separator: " ")) }
                continue
            }
            for option in command.options {
                let template = Self.value(of: option.name, in: base) ?? option.defaultValue
                var values = Self.textValues
                if try isTyped(option.name, of: command.path, base: base, fixture: fixture) {
                    values = Self.fixedValues + [Self.randomInteger(&seed), Self.randomReal(&seed)]
                } else if let template, let range = template.range(of: #"[0-9]+(\.[0-9]+)?"#, options: .regularExpression) {
                    values += Self.embeddedValues.map { template.replacingCharacters(in: range, with: $0) }
                }
                for value in values { cases.append(command.path + Self.setting(option.name, to: value, in: base)) }
            }
        }
        XCTAssertEqual(uncovered, [], "commands with options but no base arguments in PropertyFixture")

        let allCases = cases
        let outcomes = Outcomes()
        let next = Outcomes.Counter()
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while let index = next.take(below: allCases.count) {
                let folder = fixture.root + "/case-\(index)"
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let arguments = fixture.resolve(allCases[index], in: folder)
                do {
                    let result = try ProcessRunner.run(Self.executable, arguments, workingDirectory: folder, timeLimit: Self.timeLimit)
                    outcomes.record(arguments, result)
                } catch {
                    outcomes.record(arguments, error)
                }
                try? FileManager.default.removeItem(atPath: folder)
            }
        }
        let summary = outcomes.summary()
        print("option property test: \(cases.count) cases over \(commands.count) commands in \(Int(Date().timeIntervalSince(started))) s; "
              + "\(summary.succeeded) succeeded, \(summary.refused) refused with one error line, \(summary.timedOut.count) still running at "
              + "\(Int(Self.timeLimit)) s (seed \(ProcessInfo.processInfo.environment["AUGBENCH_PROPERTY_SEED"] ?? "20261126"))")
        for line in summary.timedOut.prefix(40) { print("  ran long: \(line)") }
        XCTAssertGreaterThan(summary.succeeded, cases.count / 10, "too few cases ran at all: are the base arguments valid?")
        if !summary.failures.isEmpty {
            XCTFail("\(summary.failures.count) of \(cases.count) cases trapped or failed without one Error: line:\n"
                    + summary.failures.prefix(30).joined(separator: "\n"))
        }
    }

    /// The hardening issue's examples of values that were taken silently or trapped: each is now refused by name.
    func testTheIssuesExamplesAreRefusedByName() throws {
        let fixture = try PropertyFixture(test: self)
        let data = fixture.baseArguments["data info"]![0], split = fixture.baseArguments["train"]![1]
        let output = fixture.root + "/examples.h5"
        assertFailsWithOneLine(try augbench("data", "info", data, "--threads", "0"), ["--threads must be in 1...256, got 0"])
        assertFailsWithOneLine(try augbench("metrics", "compute", "--real", data, "--generated", data, "--max-samples=-1", "--output", output),
                               ["--max-samples must be 0 (all) or positive"])
        assertFailsWithOneLine(try augbench("metrics", "compute", "--real", data, "--generated", data, "--kid-subsets=-1", "--output", output),
                               ["--kid-subsets must be positive"])
        assertFailsWithOneLine(try augbench("train", "--split", split, "--seed", "18446744073709551615", "--seeds", "2", "--output", output),
                               ["seed + seeds - 1 exceeds 2^64 - 1"])
        assertFailsWithOneLine(try augbench("train", "--split", split, "--seeds", "17510236950", "--output", output), ["seeds must be in 1...10000"])
        assertFailsWithOneLine(try augbench("augment", "expand", "--split", split, "--augment", "rotate=5", "--copies", "9223372036854775807",
                                            "--output", output), ["copies must be in 0...1000"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        // A one-character output path trapped in Foundation; it is a file name like any other.
        let grid = try ProcessRunner.run(Self.executable, ["data", "grid", data, "--output", "0"], workingDirectory: fixture.root)
        XCTAssertEqual(grid.status, 0, grid.standardError)
        XCTAssertTrue(FileManager.default.fileExists(atPath: fixture.root + "/0"))
    }

    // MARK: - Commands and options

    /// Whether the argument parser itself refuses a non-number for the option (an integer, a real or a choice).
    private func isTyped(_ option: String, of path: [String], base: [String], fixture: PropertyFixture) throws -> Bool {
        let folder = fixture.root + "/probe"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let arguments = fixture.resolve(path + Self.setting(option, to: "abc", in: base), in: folder)
        let probe = try ProcessRunner.run(Self.executable, arguments, workingDirectory: folder, timeLimit: Self.timeLimit)
        return probe.standardError.contains("The value 'abc' is invalid for")
    }

    struct LeafCommand {
        let path: [String]
        let options: [(name: String, defaultValue: String?)]
    }

    /// Every command that runs (no subcommands of its own, or options of its own), with its value-taking options.
    private func leafCommands() throws -> [LeafCommand] {
        let dump = try augbench("--experimental-dump-help")
        XCTAssertEqual(dump.status, 0, dump.standardError)
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dump.standardOutput.utf8)) as? [String: Any])
        var commands: [LeafCommand] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            let subcommands = command["subcommands"] as? [[String: Any]] ?? []
            let options = (command["arguments"] as? [[String: Any]] ?? []).compactMap { argument -> (String, String?)? in
                guard argument["kind"] as? String == "option",
                      let name = (argument["preferredName"] as? [String: Any])?["name"] as? String else { return nil }
                return (name, argument["defaultValue"] as? String)
            }
            if path.last != "help" && (subcommands.isEmpty || !options.isEmpty) {
                commands.append(LeafCommand(path: path, options: options))
            }
            for sub in subcommands { walk(sub, path + [sub["commandName"] as? String ?? ""]) }
        }
        walk(try XCTUnwrap(root["command"] as? [String: Any]), [])
        return commands.filter { !$0.path.isEmpty }
    }

    static func value(of option: String, in arguments: [String]) -> String? {
        guard let index = arguments.firstIndex(of: "--" + option), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    /// `--name=value` form so that values starting with "-" are read as values.
    static func setting(_ option: String, to value: String, in arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            if arguments[index] == "--" + option { index += 2; continue }
            result.append(arguments[index])
            index += 1
        }
        return result + ["--\(option)=\(value)"]
    }

    static func randomInteger(_ state: inout UInt64) -> String {
        let magnitude = splitMix(&state) % 19
        var value = Int64(bitPattern: splitMix(&state) % (magnitude == 0 ? 2 : UInt64(pow(10.0, Double(magnitude)))))
        if splitMix(&state) % 2 == 0 { value = -value }
        return String(value)
    }

    static func randomReal(_ state: inout UInt64) -> String {
        let exponent = Int(splitMix(&state) % 80) - 40
        let mantissa = Double(splitMix(&state) >> 11) / Double(1 << 53)
        return String(mantissa * pow(10.0, Double(exponent)) * (splitMix(&state) % 2 == 0 ? 1 : -1))
    }

    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What the cases did, gathered from two worker threads.
private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var succeeded = 0, refused = 0
    private var timedOut: [String] = [], failures: [String] = []

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        func take(below count: Int) -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard next < count else { return nil }
            next += 1
            return next - 1
        }
    }

    func record(_ arguments: [String], _ result: ProcessResult) {
        let line = "augbench " + arguments.joined(separator: " ")
        let errorLines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        let crashed = ["Fatal error", "Stack dump", "Program crashed", "Segmentation"].contains { result.standardError.contains($0) }
        lock.lock(); defer { lock.unlock() }
        if result.timedOut {
            timedOut.append(line)
        } else if result.status == 0 && !crashed {
            succeeded += 1
        } else if (1...127).contains(result.status) && errorLines.count == 1 && !crashed {
            refused += 1
        } else {
            let tail = result.standardError.split(separator: "\n").suffix(3).joined(separator: " | ")
            failures.append("\(line)\n    exit \(result.status): \(tail)")
        }
    }

    func record(_ arguments: [String], _ error: Error) {
        lock.lock(); defer { lock.unlock() }
        failures.append("augbench \(arguments.joined(separator: " ")): could not run: \(error)")
    }

    func summary() -> (succeeded: Int, refused: Int, timedOut: [String], failures: [String]) {
        lock.lock(); defer { lock.unlock() }
        return (succeeded, refused, timedOut, failures)
    }
}

/// A tiny data set (3 classes of 28 x 28 images, the embedded extractor's shape) and every file the commands read:
/// a split, a GAN checkpoint, a sample set, a protocol with a finished run and its recorded baseline.
private struct PropertyFixture {
    let root: String
    let baseArguments: [String: [String]]
    private let run: String

    init(test: CLITestCase) throws {
        root = try test.makeTemporaryFolder()
        let data = root + "/data", files = root + "/files"
        for folder in [data, files, files + "/baselines"] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for (prefix, count) in [("train", 90), ("t10k", 30)] {
            let labels = (0..<count).map { UInt8($0 % 3) }
            let pixels: [UInt8] = (0..<(count * 784)).map { i in UInt8(min(255, Int(labels[i / 784]) * 90 + (i * 7) % 60)) }
            try Fixtures.write(Fixtures.idxBytes(dimensions: [count, 28, 28], data: pixels), to: "\(data)/\(prefix)-images-idx3-ubyte.gz")
            try Fixtures.write(Fixtures.idxBytes(dimensions: [count], data: labels), to: "\(data)/\(prefix)-labels-idx1-ubyte.gz")
        }
        let split = files + "/split.h5", gan = files + "/gan", samples = files + "/samples.h5"
        let protocolFile = files + "/baselines/tiny.yaml"
        run = files + "/run"
        try """
            name: tiny
            dataset: \(data)
            split: {per_class: 10, validation_per_class: 4}
            seeds: 2
            classifier: {steps: 4, batch_size: 8, evaluate_every: 2}
            arms: [original, traditional]

            """.write(toFile: protocolFile, atomically: true, encoding: .utf8)
        let setup: [[String]] = [
            ["data", "split", "--data", data, "--per-class", "10", "--validation-per-class", "4", "--output", split],
            ["gan", "train", "--split", split, "--variant", "cgan", "--steps", "3", "--batch-size", "8", "--output", gan],
            ["gan", "sample", gan + "/checkpoint.h5", "--per-class", "4", "--output", samples],
            ["run", protocolFile, "--output", run],
            ["baseline", "tiny", "--baselines", files + "/baselines", "--output", run, "--record"],
        ]
        for arguments in setup {
            let result = try test.augbench(arguments: arguments + ["--threads", "1", "-q"])
            guard result.status == 0 else { throw XCTSkip("fixture step failed: augbench \(arguments.joined(separator: " ")): \(result.standardError)") }
        }
        let out = "{out}"
        baseArguments = [
            "data info": [data],
            "data split": ["--data", data, "--per-class", "5", "--output", out + ".h5"],
            "data export": ["--data", data, "--output", out + ".h5"],
            "data grid": [data, "--per-class", "2", "--output", out + ".png"],
            "augment preview": [data, "--augment", "rotate=15", "--images", "2", "--per-image", "2", "--output", out + ".png"],
            "augment expand": ["--split", split, "--augment", "rotate=15", "--copies", "1", "--output", out + ".h5"],
            "train": ["--split", split, "--steps", "2", "--batch-size", "8", "--evaluate-every", "1", "--output", out + ".h5"],
            "gan train": ["--split", split, "--steps", "2", "--batch-size", "8", "--checkpoint-every", "1", "--output", out],
            "gan sample": [gan + "/checkpoint.h5", "--per-class", "2", "--oversample", "2", "--output", out + ".h5"],
            "run": [protocolFile, "--output", out, "--dry-run"],
            "merge": [run, "--output", out],
            "slurm": [protocolFile, "--output", out, "--tasks", "2"],
            "baseline": ["tiny", "--baselines", files + "/baselines", "--output", "{run-copy}"],
            "report": [run, "--output", out],
            "compare": [run, run, "--output", out],
            "extractor train": ["--data", data, "--epochs", "1", "--output", out + ".h5"],
            "metrics compute": ["--real", data, "--generated", samples, "--kid-subsets", "2", "--kid-subset-size", "5",
                                "--max-samples", "30", "--output", out + ".h5"],
            "metrics cas": ["--generated", samples, "--real", data, "--epochs", "1"],
            "bench": ["--seconds", "0.01", "--only", "frechet"],
        ].mapValues { $0 + ["--threads", "1"] }
    }

    /// The arguments of one case with its own output path (and, for `baseline`, its own copy of the finished run).
    func resolve(_ arguments: [String], in folder: String) -> [String] {
        arguments.map { argument in
            if argument.contains("{run-copy}") {
                try? FileManager.default.copyItem(atPath: run, toPath: folder + "/run")
                return argument.replacingOccurrences(of: "{run-copy}", with: folder + "/run")
            }
            return argument.replacingOccurrences(of: "{out}", with: folder + "/out")
        }
    }
}
