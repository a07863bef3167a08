import Classifiers
import Datasets
import Foundation
import GANs
import Metrics
import ResultStore
import Sampling
import Statistics

/// What a run reports while it works (the runner prints nothing itself).
public enum ExperimentEvent {
    /// A unit starts: its position among the units this call runs, their number, the unit, and the planned cost
    /// of it and the units after it (for an ETA).
    case unitStarted(index: Int, of: Int, PlannedUnit, remainingCost: Double)
    /// A unit was already done (its file exists with the same settings).
    case unitSkipped(PlannedUnit)
    /// A unit finished after `seconds` of wall time.
    case unitFinished(PlannedUnit, seconds: Double)
    /// A unit failed (or needs one that failed); the run goes on with the units that do not need it.
    case unitFailed(PlannedUnit, reason: String)
    /// A line of information for the user.
    case message(String)
}

/// Runs a protocol's plan into an output folder, unit by unit, each unit in its own file written atomically (a
/// killed run loses at most the unit in flight; running again does only what is missing), then gathers the
/// classifier results with their statistics into `run.h5`.
///
/// Layout: `protocol.json` (the protocol, canonical JSON); `splits/K<k>-seed<s>-<checksum>.h5`; `units/<unit id>`
/// (a GAN's folder, a sample set, a classifier's training file); `run.h5`.
public enum ExperimentRunner {
    /// Runs every unit of the protocol that is not done yet, then gathers the results into `run.h5`.
    public static func run(_ p: ExperimentProtocol, output: String, threads: Int,
                           events: (ExperimentEvent) -> Void = { _ in }) throws -> ExperimentSummary {
        let plan = try prepare(p, output: output)
        try run(plan.units, protocol: p, output: output, threads: threads, events: events)
        return try gather(p, plan: plan, output: output)
    }

    /// Runs one shard's units (see `ExperimentPlan.shard`); `merge` gathers the shards once all have run. Shards
    /// may share one output folder (on storage every node sees) or each have their own.
    public static func run(_ p: ExperimentProtocol, output: String, shard: Shard, threads: Int,
                           events: (ExperimentEvent) -> Void = { _ in }) throws -> [PlannedUnit] {
        let plan = try prepare(p, output: output)
        let units = plan.shard(shard.index, of: shard.count)
        try run(units, protocol: p, output: output, threads: threads, events: events)
        return units
    }

    /// Gathers the units of shard folders into `output` (which may be one of them), checking that every shard
    /// ran the same protocol and that each unit was made with that protocol's settings, then writes `run.h5`.
    /// Nothing is trained: a unit missing from every folder is an error naming it.
    public static func merge(shards: [String], output: String) throws -> ExperimentSummary {
        guard let first = shards.first else { throw ExperimentError("merge: give the shard folders") }
        let text = try recordedProtocol(first)
        for shard in shards.dropFirst() where try recordedProtocol(shard) != text {
            throw ExperimentError("\(shard) ran another protocol than \(first)")
        }
        let p = try JSONDecoder().decode(ExperimentProtocol.self, from: Data(text.utf8))
        let plan = try prepare(p, output: output)
        let fm = FileManager.default
        for unit in plan.units where try !isFinished(unit, output: output) {
            guard let source = try shards.first(where: { try isFinished(unit, output: $0) }) else {
                throw ExperimentError("\(unit.id) is missing from every shard folder: run its shard again (it resumes)")
            }
            for relative in ["units/\(unit.id)" + (unit.kind == .gan ? "" : ".h5")] + (unit.splitName.isEmpty ? [] : ["splits/\(unit.splitName)"]) {
                let (from, to) = ((source as NSString).appendingPathComponent(relative), (output as NSString).appendingPathComponent(relative))
                guard !fm.fileExists(atPath: to) else { continue }
                try fm.createDirectory(atPath: PathName.parent(of: to), withIntermediateDirectories: true)
                let temporary = OutputPath.temporary(for: to)
                try? fm.removeItem(atPath: temporary)
                try fm.copyItem(atPath: from, toPath: temporary)
                try fm.moveItem(atPath: temporary, toPath: to)
            }
            if let timing = UnitTimings.read(source).first(where: { $0.id == unit.id }) {
                try UnitTimings.append(unit, seconds: timing.seconds, threads: timing.threads, output: output)
            }
        }
        return try gather(p, plan: plan, output: output)
    }

    /// Statistics over the finished classifier units, written to `run.h5`; an error names the first missing unit.
    public static func gather(_ p: ExperimentProtocol, plan: ExperimentPlan, output: String) throws -> ExperimentSummary {
        let missing = try pendingUnits(plan, output: output)
        if let first = missing.first {
            throw ExperimentError("\(missing.count) of \(plan.units.count) units are not done yet (first: \(first.id))")
        }
        let summary = try ExperimentSummary(p, plan: plan, output: output)
        try summary.write(to: (output as NSString).appendingPathComponent("run.h5"), protocolText: CanonicalSettings.text(p))
        return summary
    }

    /// The units of `plan` whose results are not in `output` yet (all of them for a new folder).
    public static func pendingUnits(_ plan: ExperimentPlan, output: String) throws -> [PlannedUnit] {
        try plan.units.filter { try !isFinished($0, output: output) }
    }

    /// The protocol a run folder was made with (`protocol.json`, canonical JSON).
    public static func recordedProtocol(_ output: String) throws -> String {
        let path = (output as NSString).appendingPathComponent(protocolFileName)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ExperimentError("\(output) is not a run folder (no \(protocolFileName))")
        }
        return text
    }

    static let protocolFileName = "protocol.json"

    /// Checks the protocol against the data, creates the folder and records the protocol in it.
    private static func prepare(_ p: ExperimentProtocol, output: String) throws -> ExperimentPlan {
        let data = try DatasetSource.resolve(p.dataset).load()
        try p.validate(classCounts: data.classCounts(), imageShape: data.imageShape)
        let plan = try ExperimentPlan(p)
        // A folder holding results of another protocol is refused before anything in it changes.
        for unit in plan.units where unit.kind == .classifier { _ = try isFinished(unit, output: output) }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let text = try CanonicalSettings.text(p)
        let path = (output as NSString).appendingPathComponent(protocolFileName)
        if (try? String(contentsOfFile: path, encoding: .utf8)) != text {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        return plan
    }

    private static func run(_ units: [PlannedUnit], protocol p: ExperimentProtocol, output: String, threads: Int,
                            events: (ExperimentEvent) -> Void) throws {
        let source = try DatasetSource.resolve(p.dataset)
        let classCount = try source.load().classCounts().count
        var pending: [PlannedUnit] = []
        for unit in units {
            if try isFinished(unit, output: output) {
                events(.unitSkipped(unit))
            } else {
                pending.append(unit)
            }
        }
        var remaining = pending.map(\.cost).reduce(0, +)
        // A unit that fails does not stop the run: the units that do not need it still run (hours of other work
        // are not lost to one GAN that collapsed), and the run ends with an error naming every failure.
        var failures: [(id: String, reason: String)] = []
        for (index, unit) in pending.enumerated() {
            events(.unitStarted(index: index, of: pending.count, unit, remainingCost: remaining))
            remaining -= unit.cost
            if let failed = unit.dependencies.first(where: { id in failures.contains { $0.id == id } }) {
                failures.append((unit.id, "needs \(failed), which failed"))
                events(.unitFailed(unit, reason: failures.last!.reason))
                continue
            }
            let started = Date()
            do {
                try run(unit, protocol: p, source: source, classCount: classCount, output: output, threads: threads)
            } catch {
                failures.append((unit.id, "\(error)"))
                events(.unitFailed(unit, reason: "\(error)"))
                continue
            }
            let seconds = Date().timeIntervalSince(started)
            try UnitTimings.append(unit, seconds: seconds, threads: threads, output: output)
            events(.unitFinished(unit, seconds: seconds))
        }
        if let first = failures.first {
            let others = failures.count > 1 ? " (and \(failures.count - 1) more units, listed above)" : ""
            throw ExperimentError("\(first.id): \(first.reason)\(others); the other units are done: "
                                  + "fix the protocol or the data and run again (it resumes)")
        }
    }

    /// Whether the unit's result is in `output`: a GAN trained to its last step, a sample set, a classifier file
    /// holding its seed. A classifier file made with other settings is an error (the protocol changed).
    static func isFinished(_ unit: PlannedUnit, output: String) throws -> Bool {
        let target = (output as NSString).appendingPathComponent("units/\(unit.id)")
        switch unit.kind {
        case .gan:
            let checkpoint = GANRun.checkpointPath(target)
            guard FileManager.default.fileExists(atPath: checkpoint) else { return false }
            let gan = try TrainedGAN.load(checkpoint)
            return gan.step >= gan.configuration.steps
        case .samples, .metrics:
            return FileManager.default.fileExists(atPath: target + ".h5")
        case .classifier:
            let file = target + ".h5"
            guard FileManager.default.fileExists(atPath: file) else { return false }
            let recorded = try TrainingRunFile.recordedSettingsText(file)
            guard recorded == (try classifierSettings(unit).canonicalTextWithoutSeeds()) else {
                throw ExperimentError("\(file) was made with other settings (the protocol changed): choose another --output to keep both")
            }
            // A classifier unit's id does not name its sample set, whose id carries the checksum of the GAN and
            // sampling settings: a changed GAN must not leave classifiers trained on the old samples in place. The
            // recorded path is absolute, and a merge or a moved folder changes its prefix, so the ids are compared.
            let synthetic = try TrainingRunFile.recordedSyntheticPath(file)
            let expected = unit.dependencies.first.map { "/units/\($0).h5" }
            guard expected.map({ synthetic.hasSuffix($0) }) ?? synthetic.isEmpty else {
                throw ExperimentError("\(file) was trained on other samples (\(synthetic.isEmpty ? "none" : (synthetic as NSString).lastPathComponent)) "
                                      + "than the protocol's GAN and sampling settings give (the protocol changed): choose another --output to keep both")
            }
            return try TrainingRunFile.testAccuracies(file).contains { $0.seed == unit.seed }
        }
    }

    /// Runs one unit (its output is not there, or a GAN's is unfinished).
    private static func run(_ unit: PlannedUnit, protocol p: ExperimentProtocol, source: DatasetSource, classCount: Int, output: String,
                            threads: Int) throws {
        let target = (output as NSString).appendingPathComponent("units/\(unit.id)")
        try FileManager.default.createDirectory(atPath: PathName.parent(of: target), withIntermediateDirectories: true)
        if unit.kind == .metrics {
            try runMetrics(unit, protocol: p, classCount: classCount, output: output, target: target + ".h5")
            return
        }
        var split = try splitPath(p, unit: unit, source: source, classCount: classCount, output: output)
        switch unit.kind {
        case .gan:
            let settings = try ganSettings(unit)
            if FileManager.default.fileExists(atPath: GANRun.checkpointPath(target)) {
                _ = try GANRun.resume(output: target, checkpointEvery: settings.checkpointEvery, threads: threads)
            } else {
                _ = try GANRun.start(settings, split: split, output: target, threads: threads)
            }
        case .samples:
            var sampling = try samplingPlan(unit)
            sampling.seed = unit.seed
            let gan = (output as NSString).appendingPathComponent("units/\(unit.dependencies[0])")
            _ = try SamplingRun.run(sampling, checkpoint: GANRun.checkpointPath(gan), output: target + ".h5", threads: threads)
        case .metrics:
            break
        case .classifier:
            if unit.arm == "more-real", let ratio = unit.ratio {
                split = try moreRealSplitPath(split, ratio: ratio, seed: unit.seed)
            }
            _ = try ClassifierRun.run(try classifierSettings(unit), split: split, synthetic: samplesPath(unit, output: output),
                                      output: target + ".h5", threads: threads)
        }
    }

    /// A sample set's metrics against the real test set with the embedded extractor, or (the floor) the real
    /// training images' (10,000 drawn at random) against the same test set: written to a temporary name, then renamed.
    private static func runMetrics(_ unit: PlannedUnit, protocol p: ExperimentProtocol, classCount: Int, output: String, target: String) throws {
        let real = try DatasetSource.resolve(p.dataset, subset: .test)
        var settings = MetricsReport.Settings()
        let generated: DatasetSource
        if unit.id == ExperimentPlan.floorID {
            generated = try DatasetSource.resolve(p.dataset, subset: .train)
        } else {
            let samples = (output as NSString).appendingPathComponent("units/\(unit.dependencies[0]).h5")
            generated = try DatasetSource.resolve(samples)
            // KID's subsets cannot be larger than the sample set.
            settings.kidSubsetSize = min(settings.kidSubsetSize, try samplingPlan(ofMetrics: unit).perClass * classCount)
        }
        let temporary = OutputPath.temporary(for: target)
        _ = try MetricsRun.run(real: real, generated: generated, extractor: p.extractor, settings: settings, output: temporary)
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.moveItem(atPath: temporary, toPath: target)
    }

    /// The seed's split at K images per class (written once; the same content gives the same file).
    static func splitPath(_ p: ExperimentProtocol, unit: PlannedUnit, source: DatasetSource, classCount classes: Int,
                          output: String) throws -> String {
        let (perClass, seed) = (unit.perClass, unit.seed)
        let path = (output as NSString).appendingPathComponent("splits/\(unit.splitName)")
        guard !FileManager.default.fileExists(atPath: path) else { return path }
        try FileManager.default.createDirectory(atPath: PathName.parent(of: path), withIntermediateDirectories: true)
        let plan = SplitPlan.imbalanced(classCount: classes, perClass: perClass, minority: p.split.minority,
                                        validationPerClass: p.split.validationPerClass, seed: seed)
        try SplitFile.make(source: source, plan: plan).write(to: path)
        return path
    }

    /// The K split plus round(r x K_c) more real training images of each class c, the same validation and test.
    static func moreRealSplitPath(_ split: String, ratio: Double, seed: UInt64) throws -> String {
        let path = String(split.dropLast(3)) + "-plus\(ExperimentPlan.format(ratio))x.h5"
        guard !FileManager.default.fileExists(atPath: path) else { return path }
        let base = try SplitFile.read(split)
        let extra = base.split.plan.trainPerClass.map { Int((ratio * Double($0)).rounded()) }
        try base.withMoreTraining(extra, seed: seed).write(to: path)
        return path
    }

    static func samplesPath(_ unit: PlannedUnit, output: String) -> String? {
        unit.dependencies.first.map { (output as NSString).appendingPathComponent("units/\($0).h5") }
    }

    static func ganSettings(_ unit: PlannedUnit) throws -> GANRunSettings {
        let decoded = try JSONDecoder().decode(GANUnitSettings.self, from: Data(unit.settings.utf8))
        var settings = decoded.gan
        settings.seed = unit.seed
        return settings
    }

    static func samplingPlan(_ unit: PlannedUnit) throws -> SamplingPlan {
        try JSONDecoder().decode(SamplesUnitSettings.self, from: Data(unit.settings.utf8)).sampling
    }

    static func classifierSettings(_ unit: PlannedUnit) throws -> ClassifierRunSettings {
        try JSONDecoder().decode(ClassifierUnitSettings.self, from: Data(unit.settings.utf8)).classifier
    }

    /// The sampling plan of the sample set a metrics unit measures (its settings hold the sample set's).
    static func samplingPlan(ofMetrics unit: PlannedUnit) throws -> SamplingPlan {
        struct MetricsUnitSettings: Decodable { var samples: String }
        let samples = try JSONDecoder().decode(MetricsUnitSettings.self, from: Data(unit.settings.utf8)).samples
        return try JSONDecoder().decode(SamplesUnitSettings.self, from: Data(samples.utf8)).sampling
    }

    private struct GANUnitSettings: Decodable { var gan: GANRunSettings }
    private struct SamplesUnitSettings: Decodable { var sampling: SamplingPlan }
    private struct ClassifierUnitSettings: Decodable { var classifier: ClassifierRunSettings }
}

/// The measured time of every unit a run folder has computed (`DIR/timings.csv`: id, kind, planned cost, seconds,
/// threads; one line appended per unit, so shards sharing the folder append without rewriting it), and the
/// estimate of what is left that they give: nothing is estimated before some unit of the kind was measured.
public enum UnitTimings {
    /// The timings file's name in a run folder.
    public static let fileName = "timings.csv"

    /// One unit's line of the timings file.
    public struct Entry: Sendable, Equatable {
        /// The unit's id.
        public let id: String
        /// What the unit made.
        public let kind: PlannedUnit.Kind
        /// The unit's planned cost (`PlannedUnit.cost`).
        public let cost: Double
        /// Measured wall time in seconds.
        public let seconds: Double
        /// Threads the unit ran with.
        public let threads: Int
    }

    /// Appends a unit's measured time to the timings file of `output` (created with a header if new).
    public static func append(_ unit: PlannedUnit, seconds: Double, threads: Int, output: String) throws {
        let path = (output as NSString).appendingPathComponent(fileName)
        // Shards in one folder append at the same time: the header only by the process that creates the file
        // (O_EXCL), each line in one write() on an O_APPEND descriptor, so no line overwrites another.
        let created = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if created >= 0 {
            let header = Array("id,kind,cost,seconds,threads\n".utf8)
            _ = header.withUnsafeBytes { write(created, $0.baseAddress, $0.count) }
            close(created)
        }
        let descriptor = open(path, O_WRONLY | O_APPEND)
        guard descriptor >= 0 else { throw ExperimentError("\(path): cannot append (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        let line = Array(String(format: "%@,%@,%.0f,%.3f,%d\n", unit.id, unit.kind.rawValue, unit.cost, seconds, threads).utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else { throw ExperimentError("\(path): cannot append (\(String(cString: strerror(errno))))") }
    }

    /// The entries of a run folder (none when it has no timings yet); the last line of a unit counts.
    public static func read(_ output: String) -> [Entry] {
        guard let text = try? String(contentsOfFile: (output as NSString).appendingPathComponent(fileName), encoding: .utf8) else { return [] }
        var byID: [String: Entry] = [:]
        // The header is skipped as a line that does not parse, wherever it stands (a shard's first line can land
        // before the creator's header).
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ",").map(String.init)
            guard fields.count == 5, let kind = PlannedUnit.Kind(rawValue: fields[1]), let cost = Double(fields[2]),
                  let seconds = Double(fields[3]), let threads = Int(fields[4]) else { continue }
            byID[fields[0]] = Entry(id: fields[0], kind: kind, cost: cost, seconds: seconds, threads: threads)
        }
        return Array(byID.values)
    }

    /// Seconds the `units` should take at `threads`, from the measured seconds per planned cost of each kind at that
    /// thread count; nil when a kind among them has no measurement.
    public static func estimate(_ units: [PlannedUnit], from entries: [Entry], threads: Int) -> Double? {
        var rate: [PlannedUnit.Kind: Double] = [:]
        for kind in Set(units.map(\.kind)) {
            let measured = entries.filter { $0.kind == kind && $0.threads == threads }
            let cost = measured.map(\.cost).reduce(0, +)
            guard cost > 0 else { return nil }
            rate[kind] = measured.map(\.seconds).reduce(0, +) / cost
        }
        return units.map { $0.cost * rate[$0.kind]! }.reduce(0, +)
    }
}

/// Shard i of n (1-based) of a plan: `--shard 2/4`.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// Which shard, 1...count.
    public let index: Int
    /// How many shards the plan is dealt into.
    public let count: Int

    /// Shard `index` of `count`; throws unless 1 <= index <= count.
    public init(index: Int, of count: Int) throws {
        guard count > 0, (1...count).contains(index) else { throw ExperimentError("a shard is i/n with 1 <= i <= n, got \(index)/\(count)") }
        (self.index, self.count) = (index, count)
    }

    /// "2/4".
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ExperimentError("a shard is i/n (for example 2/4), got '\(text)'")
        }
        try self.init(index: index, of: count)
    }

    public var description: String { "\(index)/\(count)" }

    /// The shard of a Slurm array task: task SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT, counted from
    /// SLURM_ARRAY_TASK_MIN (an array 0-3 and an array 1-4 both make shards 1/4 to 4/4).
    public static func slurmArrayTask(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard {
        guard let id = environment["SLURM_ARRAY_TASK_ID"].flatMap(Int.init), let count = environment["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init) else {
            throw ExperimentError("--shard auto reads SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, which are not set: run it as a task "
                                  + "of a Slurm array job (augbench slurm writes one), or give --shard i/n")
        }
        let first = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 1
        do {
            return try Shard(index: id - first + 1, of: count)
        } catch {
            throw ExperimentError("--shard auto: Slurm array task \(id) (first \(first)) of \(count) is not a shard of \(count): "
                                  + "submit the array as contiguous tasks (--array=1-\(count))")
        }
    }
}
