import ArgumentParser
import Experiments
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a protocol: every arm over K, ratios and seeds, then paired statistics and a verdict.",
        discussion: """
            PROTOCOL is a YAML file: the dataset, the split (per_class: K or a list of K, validation_per_class, \
            minority), seeds, the classifier (a step budget every arm shares) and the arms: original, \
            traditional, gan, gan+traditional, synthetic-only, more-real (the same split plus r x K more real \
            images per class: the ceiling that says what a synthetic image is worth in real ones). Each \
            unit (a GAN, a sample set, a classifier at one K, ratio and seed) is written to its own file under \
            OUTPUT/units as it finishes; running the same command again does only what is missing and refuses \
            a changed protocol. OUTPUT/run.h5 gathers the accuracies, every arm compared with original and \
            traditional over the same seeds (paired t-test and Wilcoxon, Holm-corrected, intervals, d_z, power) \
            and a verdict per comparison.

            Example protocol:
              name: quick
              dataset: /usr/share/datasets/fashion-mnist
              split: {per_class: 10, validation_per_class: 20}
              seeds: 5
              classifier: {steps: 400, evaluate_every: 20, select_best_validation: true}
              arms:
                - original
                - traditional
                - gan:
                    gan: {variant: cgan, diffaugment: true, steps: 500}
                    sampling: {per_class: 100, filters: ["confidence=0.5"]}
                    ratio: [0.5, 1]

            A GAN or classifier setting given as a list is a sweep: `gan: {variant: [dcgan, wgan-gp]}` makes the \
            arms gan[variant=dcgan] and gan[variant=wgan-gp]; `classifier: {learning_rate: [0.001, 0.0003]}` runs \
            every arm at both rates and compares arms at the same rate.

            With --shard i/n the command runs only the i-th of n deterministic shares of the units (a GAN, its \
            sample sets and the classifiers that use them stay in one shard; GANs spread evenly), for several \
            processes or machines; `augbench merge` then gathers the shards and writes run.h5. Shards may share \
            OUTPUT or each have their own folder.

            Examples:
              augbench run quick.yaml --output runs/quick --dry-run
              augbench run quick.yaml --output runs/quick
              augbench run quick.yaml --output runs/quick --shard 1/2 & augbench run quick.yaml --output runs/quick --shard 2/2
              augbench merge runs/quick
              augbench run quick.yaml --output runs/quick --jobs 2 --threads 1
            """
    )

    @Argument(help: "Protocol file (YAML).")
    var protocolFile: String

    @Option(name: [.short, .long], help: "Run folder.")
    var output: String

    @Flag(name: .customLong("dry-run"), help: "Print the plan and stop.")
    var dryRun = false

    @Option(help: ArgumentHelp("Run only shard i of n (1 <= i <= n) of the units, then stop; `augbench merge` gathers the shards. "
                               + "`auto`: the shard of this Slurm array task (SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT).",
                               valueName: "i/n|auto"))
    var shard: String?

    @Option(help: ArgumentHelp("Run the units as N processes at once (the plan's N shards, each with --threads), then gather. "
                               + "Results equal a run in one process at the same --threads.", valueName: "N"))
    var jobs = 1

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let shard, shard != "auto" {
            do { _ = try Shard(parsing: shard) } catch { throw ValidationError("--shard: \(error)") }
        }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be in 1...64, got \(jobs)") }
        guard jobs == 1 || shard == nil else { throw ValidationError("--jobs and --shard do not go together (--jobs runs its own shards)") }
    }

    func run() throws {
        let console = global.makeLogger()
        let p = try SettingsFile.decode(ExperimentProtocol.self, path: protocolFile)
        let shard = try self.shard.map { $0 == "auto" ? try Shard.slurmArrayTask() : try Shard(parsing: $0) }
        let plan = try ExperimentPlan(p)
        let counts = plan.counts
        console.info("\(p.name): \(plan.units.count) units (\(counts[.gan] ?? 0) GANs, \(counts[.samples] ?? 0) sample sets, "
                     + "\(counts[.metrics] ?? 0) metric sets, \(counts[.classifier] ?? 0) classifiers) over \(p.split.perClass.values.count) K x \(p.seeds) seeds")
        if dryRun {
            let units = shard.map { plan.shard($0.index, of: $0.count) } ?? plan.units
            for unit in units { print("\(unit.id)  \(unit.checksum.prefix(12))") }
            let pending = try ExperimentRunner.pendingUnits(ExperimentPlan(p), output: output).filter { unit in units.contains { $0.id == unit.id } }
            let timings = UnitTimings.read(output)
            if pending.isEmpty {
                console.info("every unit is done in \(output)")
            } else if let seconds = UnitTimings.estimate(pending, from: timings, threads: global.threads) {
                console.info("\(pending.count) units to run: about \(ProgressBar.clock(seconds)) at \(global.threads) threads "
                             + "(from \(timings.count) units timed in \(output))")
            } else {
                console.info("\(pending.count) units to run; no estimate: \(output) holds no timed unit of every kind at \(global.threads) threads "
                             + "(the progress line gives an ETA once units finish; Baselines/*.expected.yaml give measured wall times)")
            }
            return
        }
        var progress = UnitProgress(label: p.name, quiet: global.quiet, console: console)
        if let shard {
            let units = try ExperimentRunner.run(p, output: output, shard: shard, threads: global.threads) { progress.handle($0) }
            progress.finish()
            console.info("shard \(shard): \(units.count) units done in \(output); when every shard is done: augbench merge \(output)")
            return
        }
        if jobs > 1 {
            let summary = try runParallel(p, console: console)
            RunCommand.printSummary(summary, output: output, console: console)
            return
        }
        let summary = try ExperimentRunner.run(p, output: output, threads: global.threads) { progress.handle($0) }
        progress.finish()
        RunCommand.printSummary(summary, output: output, console: console)
    }

    /// `jobs` child processes, shard i of `jobs` each, into the same folder; then the gathering. A shard keeps a GAN
    /// with everything that reads it, so the children never wait for each other.
    private func runParallel(_ p: ExperimentProtocol, console: Console) throws -> ExperimentSummary {
        let started = Date()
        console.info("running \(jobs) shards at once, \(global.threads) thread(s) each")
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var children: [(shard: Int, process: Process, log: URL)] = []
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        for index in 1...jobs {
            let process = Process()
            process.executableURL = executable
            process.arguments = ["run", protocolFile, "--output", output, "--shard", "\(index)/\(jobs)", "--threads", "\(global.threads)"]
            let log = URL(fileURLWithPath: output).appendingPathComponent("shard-\(index)-of-\(jobs).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            (process.standardOutput, process.standardError) = (handle, handle)
            try process.run()
            children.append((index, process, log))
        }
        for child in children {
            child.process.waitUntilExit()
            guard child.process.terminationStatus == 0 else {
                let last = (try? String(contentsOf: child.log, encoding: .utf8))?.split(separator: "\n").last.map(String.init) ?? ""
                throw ExperimentError("shard \(child.shard)/\(jobs) failed (\(child.log.path)): \(last)")
            }
            console.info(String(format: "shard %d/%d done (%.0f s)", child.shard, jobs, Date().timeIntervalSince(started)))
            try? FileManager.default.removeItem(at: child.log)
        }
        return try ExperimentRunner.merge(shards: [output], output: output)
    }

    static func printSummary(_ summary: ExperimentSummary, output: String, console: Console) {
        let width = max(28, summary.cells.map(\.label.count).max() ?? 0)
        for cell in summary.cells {
            let interval = cell.interval.map { String(format: " [%.4f, %.4f]", $0.lower, $0.upper) } ?? ""
            print(String(format: "%@  mean %.4f sd %.4f%@ over %d seeds", cell.label.padding(toLength: width, withPad: " ", startingAt: 0),
                         cell.mean, cell.std, interval, cell.accuracies.count))
        }
        for comparison in summary.comparisons {
            print(comparison.sentence)
            for caveat in comparison.caveats { print("  " + caveat) }
        }
        for equivalent in summary.equivalents { print(equivalent.sentence) }
        if !summary.quality.isEmpty {
            print("\nGAN samples against the real test set (embedded extractor; floor: 10,000 real training images), mean over seeds:")
            // A GAN sweep's samples are told apart by the swept settings of the arms that used them.
            func name(_ q: ExperimentSummary.GANQuality) -> String {
                guard let arm = q.arms.first, let open = arm.firstIndex(of: "[") else { return q.group }
                return q.group + " " + arm[open...]
            }
            let width = max(24, summary.quality.map { name($0).count }.max() ?? 0)
            print("samples".padding(toLength: width, withPad: " ", startingAt: 0) + "      FID       KID  precision  recall  density  coverage     CAS")
            for q in summary.quality {
                let numbers = ["fid", "kid_mean", "precision", "recall", "density", "coverage"].map { q.mean($0) ?? .nan }
                let cas = q.cas.map { String(format: "%7.4f", $0.mean) } ?? "      -"
                print(name(q).padding(toLength: width, withPad: " ", startingAt: 0)
                      + String(format: " %8.2f  %8.4f  %9.4f  %6.4f  %7.4f  %8.4f ", numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5])
                      + cas)
            }
        }
        console.info("wrote \((output as NSString).appendingPathComponent("run.h5"))")
    }
}

/// Progress over a run's units with an ETA weighted by each unit's planned cost (a GAN is worth many
/// classifiers); a plain line per unit when standard error is not a terminal.
struct UnitProgress {
    let label: String
    let quiet: Bool
    let console: Console
    private var bar: ProgressBar?
    private var done = 0.0
    private var started: Date?

    init(label: String, quiet: Bool, console: Console) {
        (self.label, self.quiet, self.console) = (label, quiet, console)
    }

    mutating func handle(_ event: ExperimentEvent) {
        switch event {
        case let .unitStarted(index, total, unit, remainingCost):
            if bar == nil { bar = ProgressBar(total: total, label: label, quiet: quiet) }
            if started == nil { started = Date() }
            let fraction = done / (done + remainingCost)
            bar?.update(index, fraction: fraction, status: unit.id)
            if !(bar?.isDrawing ?? false) {
                let elapsed = Date().timeIntervalSince(started!)
                let eta = fraction > 0 ? " (ETA " + ProgressBar.clock(elapsed / fraction * (1 - fraction)) + ")" : ""
                console.info("[\(index + 1)/\(total)] \(unit.id)\(eta)")
            }
        case let .unitSkipped(unit): console.debug("\(unit.id): done before, skipped")
        case let .unitFinished(unit, seconds):
            done += unit.cost
            console.debug(String(format: "%@: %.0f s", unit.id as NSString, seconds))
        case let .unitFailed(unit, reason):
            done += unit.cost
            console.warning("\(unit.id) failed: \(reason) (the run goes on with the units that do not need it)")
        case let .message(text): console.info(text)
        }
    }

    func finish() { bar?.finish() }
}

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Gather the shards of a protocol run and write run.h5 with the statistics.",
        discussion: """
            Each FOLDER is the output of `augbench run ... --shard i/n` (shards may have shared one folder). \
            Every shard must have run the same protocol; the units are copied into OUTPUT (by default the \
            first folder), nothing is trained, and a unit missing from every folder is an error naming it (run \
            its shard again: it resumes). The result equals running the protocol in one process.

            Examples:
              augbench merge runs/quick
              augbench merge runs/shard-1 runs/shard-2 runs/shard-3 --output runs/quick
            """
    )

    @Argument(help: "Shard output folders.")
    var folders: [String]

    @Option(name: [.short, .long], help: "Run folder to gather into (default: the first folder).")
    var output: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !folders.isEmpty else { throw ValidationError("give the shard folders") }
    }

    func run() throws {
        let console = global.makeLogger()
        let output = self.output ?? folders[0]
        let summary = try ExperimentRunner.merge(shards: folders, output: output)
        RunCommand.printSummary(summary, output: output, console: console)
    }
}
