import ArgumentParser
import Experiments
import Foundation
import ResultStore

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Reproduce a baseline (a protocol with expected results) and check every arm's mean against it.",
        discussion: """
            A baseline is Baselines/NAME.yaml (a protocol) with Baselines/NAME.expected.yaml (the per-arm means a \\
            full run measured, with tolerances). `augbench baseline NAME` runs the protocol into OUTPUT (resuming \\
            what is there), prints the statistics and verdicts, then each arm's mean against the expected one; \\
            it exits non-zero when a mean falls outside its tolerance (with the same thread count the run is \\
            bit-identical; with another, a reproduction is held to 3 standard errors of a difference of means). \\
            `augbench baseline list` shows the baselines. Maintainers: `--record` writes the expected results \\
            from a finished run whose every unit was timed at this thread count (the wall time recorded is the \\
            sum of the units' times, so a run resumed across sessions records the same figure).

            Examples:
              augbench baseline list
              augbench baseline quick
              augbench baseline fashion-low-data --output runs/fashion-low-data
            """
    )

    @Argument(help: "Baseline name, or 'list'.")
    var name: String

    @Option(name: [.short, .long], help: "Run folder (default: runs/baseline-NAME).")
    var output: String?

    @Option(help: "Folder of the baselines (default: ./Baselines, else the one beside the package that built augbench).")
    var baselines: String?

    @Flag(help: "Write NAME.expected.yaml from this run (maintainers; every unit timed at this thread count).")
    var record = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        let folder = baselines ?? Self.defaultFolder()
        if name == "list" {
            try list(folder)
            return
        }
        let baseline = try Baseline.named(name, in: folder)
        let p = try baseline.loadProtocol()
        let expected = record ? nil : try baseline.loadExpected()
        if !record && expected == nil {
            throw ExperimentError("\(baseline.expectedPath): no expected results recorded yet (a maintainer runs --record)")
        }
        let output = self.output ?? "runs/baseline-\(name)"
        let plan = try ExperimentPlan(p)
        console.info("baseline \(name): \(plan.units.count) units -> \(output)")
        var progress = UnitProgress(label: name, quiet: global.quiet, console: console)
        var computed = 0
        let started = Date()
        let summary = try ExperimentRunner.run(p, output: output, threads: global.threads) { event in
            if case .unitFinished = event { computed += 1 }
            progress.handle(event)
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        RunCommand.printSummary(summary, output: output, console: console)
        console.info(String(format: "%d units computed, %d reused, %.0f s", computed, plan.units.count - computed, seconds))
        if record {
            // The wall time is the sum of the units' measured times, so a run resumed over several sessions records
            // the same figure as one in a single go; every unit must have been timed, at this thread count.
            let timings = UnitTimings.read(output).filter { entry in plan.units.contains { $0.id == entry.id } }
            guard timings.count == plan.units.count, timings.allSatisfy({ $0.threads == global.threads }) else {
                throw ExperimentError("--record: \(output) holds \(timings.count) of \(plan.units.count) units timed at \(global.threads) threads; "
                                      + "record from a folder whose every unit this version ran at that thread count")
            }
            let measurement = BaselineExpectation.Measurement(
                command: "augbench baseline \(name) --record --threads \(global.threads)", date: Self.today(), version: AugBenchVersion.current,
                threads: global.threads, wallSeconds: Int(timings.map(\.seconds).reduce(0, +).rounded()), machine: Self.machine())
            try baseline.record(summary, protocol: p, measurement: measurement)
            console.info("wrote \(baseline.expectedPath)")
            return
        }
        let checks = try baseline.check(summary, against: expected!, protocol: p)
        let width = max(26, checks.map(\.expected.label.count).max() ?? 0)
        print("\n" + "cell".padding(toLength: width, withPad: " ", startingAt: 0) + "  measured  expected  tolerance")
        for check in checks {
            print(String(format: "%@  %8.4f  %8.4f  %9.4f  %@", check.expected.label.padding(toLength: width, withPad: " ", startingAt: 0),
                         check.measured, check.expected.mean, check.expected.tolerance, check.withinTolerance ? "ok" : "OUTSIDE"))
        }
        let outside = checks.filter { !$0.withinTolerance }
        let measured = expected!.measured
        print("expected results measured \(measured.date) with \(measured.threads) threads on \(measured.machine) in \(measured.wallSeconds) s")
        guard outside.isEmpty else {
            throw ExperimentError("baseline \(name): \(outside.count) of \(checks.count) cells outside their tolerance "
                                  + "(\(outside.map(\.expected.label).joined(separator: ", ")))")
        }
        print("baseline \(name): all \(checks.count) cells within tolerance")
    }

    private func list(_ folder: String) throws {
        for baseline in try Baseline.all(in: folder) {
            let p = try baseline.loadProtocol()
            let plan = try ExperimentPlan(p)
            let description = (try? String(contentsOfFile: baseline.protocolPath, encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("# ") }.map { String($0.dropFirst(2)) } ?? ""
            let time = try baseline.loadExpected().map { "measured \($0.measured.wallSeconds) s with \($0.measured.threads) threads" }
                ?? "no expected results yet"
            print("\(baseline.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(plan.units.count) units, \(p.seeds) seeds; \(time)")
            if !description.isEmpty { print("    \(description)") }
        }
    }

    /// ./Baselines, else the Baselines folder of the package whose .build holds this executable.
    static func defaultFolder() -> String {
        if FileManager.default.fileExists(atPath: "Baselines") { return "Baselines" }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let package = executable.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.appendingPathComponent("Baselines").path
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }

    /// "AMD EPYC 9B14, 2 cores".
    static func machine() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }
}
