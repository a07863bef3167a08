import Classifiers
import Datasets
import Foundation
import GANs
import ResultStore
import Sampling
import Statistics

/// What a run reports while it works (the runner prints nothing itself).
public enum ExperimentEvent {
    /// A unit starts: its position in the plan, the plan's size, and the unit.
    case unitStarted(index: Int, of: Int, PlannedUnit)
    /// A unit was already done (its file exists with the same settings).
    case unitSkipped(PlannedUnit)
    case unitFinished(PlannedUnit, seconds: Double)
    case message(String)
}

/// Runs a protocol's plan into an output folder, unit by unit, each unit in its own file written atomically (a
/// killed run loses at most the unit in flight; running again does only what is missing), then gathers the
/// classifier results with their statistics into `run.h5`.
///
/// Layout: `splits/K<k>-seed<s>.h5`; `units/<unit id>` (a GAN's folder, a sample set, a classifier's training
/// file); `run.h5`.
public enum ExperimentRunner {
    public static func run(_ p: ExperimentProtocol, output: String, threads: Int,
                           events: (ExperimentEvent) -> Void = { _ in }) throws -> ExperimentSummary {
        let source = try DatasetSource.resolve(p.dataset)
        let classCounts = try source.load().classCounts()
        try p.validate(classCounts: classCounts)
        let plan = try ExperimentPlan(p)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        for (index, unit) in plan.units.enumerated() {
            do {
                try run(unit, index: index, of: plan.units.count, protocol: p, source: source, classCount: classCounts.count, output: output,
                        threads: threads, events: events)
            } catch {
                throw ExperimentError("\(unit.id): \(error)")
            }
        }
        let summary = try ExperimentSummary(p, plan: plan, output: output)
        try summary.write(to: (output as NSString).appendingPathComponent("run.h5"), protocolText: CanonicalSettings.text(p))
        return summary
    }

    /// Runs one unit unless its output is already there.
    private static func run(_ unit: PlannedUnit, index: Int, of count: Int, protocol p: ExperimentProtocol, source: DatasetSource,
                            classCount: Int, output: String, threads: Int, events: (ExperimentEvent) -> Void) throws {
        var split = try splitPath(p, source: source, classCount: classCount, perClass: unit.perClass, seed: unit.seed, output: output)
        let target = (output as NSString).appendingPathComponent("units/\(unit.id)")
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let started = Date()
        switch unit.kind {
        case .gan:
            let checkpoint = GANRun.checkpointPath(target)
            let settings = try ganSettings(p, unit: unit)
            let existing = FileManager.default.fileExists(atPath: checkpoint) ? try TrainedGAN.load(checkpoint) : nil
            if let existing, existing.step >= existing.configuration.steps {
                events(.unitSkipped(unit))
                return
            }
            events(.unitStarted(index: index, of: count, unit))
            if existing != nil {
                _ = try GANRun.resume(output: target, checkpointEvery: settings.checkpointEvery, threads: threads)
            } else {
                _ = try GANRun.start(settings, split: split, output: target, threads: threads)
            }
        case .samples:
            let file = target + ".h5"
            if FileManager.default.fileExists(atPath: file) {
                events(.unitSkipped(unit))
                return
            }
            events(.unitStarted(index: index, of: count, unit))
            var sampling = try samplingPlan(p, unit: unit)
            sampling.seed = unit.seed
            let gan = (output as NSString).appendingPathComponent("units/\(unit.dependencies[0])")
            _ = try SamplingRun.run(sampling, checkpoint: GANRun.checkpointPath(gan), output: file, threads: threads)
        case .classifier:
            let file = target + ".h5"
            if unit.arm == "more-real", let ratio = unit.ratio {
                split = try moreRealSplitPath(split, ratio: ratio, seed: unit.seed)
            }
            let settings = try classifierSettings(p, unit: unit)
            if FileManager.default.fileExists(atPath: file), (try? TrainingRunFile.testAccuracies(file).count) == 1 {
                // The same id with other settings is refused by the training file itself (a changed protocol).
                _ = try ClassifierRun.run(settings, split: split, synthetic: samplesPath(unit, output: output), output: file, threads: threads)
                events(.unitSkipped(unit))
                return
            }
            events(.unitStarted(index: index, of: count, unit))
            _ = try ClassifierRun.run(settings, split: split, synthetic: samplesPath(unit, output: output), output: file, threads: threads)
        }
        events(.unitFinished(unit, seconds: Date().timeIntervalSince(started)))
    }

    /// The seed's split at K images per class (written once; the same content gives the same file).
    static func splitPath(_ p: ExperimentProtocol, source: DatasetSource, classCount classes: Int, perClass: Int, seed: UInt64,
                          output: String) throws -> String {
        let path = (output as NSString).appendingPathComponent("splits/K\(perClass)-seed\(seed).h5")
        guard !FileManager.default.fileExists(atPath: path) else { return path }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
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

    /// The unit's arm in the protocol.
    static func arm(_ p: ExperimentProtocol, _ unit: PlannedUnit) throws -> Arm {
        guard let arm = p.arms.first(where: { $0.name == unit.arm }) else { throw ExperimentError("no arm \(unit.arm ?? "?")") }
        return arm
    }

    static func ganSettings(_ p: ExperimentProtocol, unit: PlannedUnit) throws -> GANRunSettings {
        let decoded = try JSONDecoder().decode(GANUnitSettings.self, from: Data(unit.settings.utf8))
        var settings = decoded.gan
        settings.seed = unit.seed
        return settings
    }

    static func samplingPlan(_ p: ExperimentProtocol, unit: PlannedUnit) throws -> SamplingPlan {
        try JSONDecoder().decode(SamplesUnitSettings.self, from: Data(unit.settings.utf8)).sampling
    }

    static func classifierSettings(_ p: ExperimentProtocol, unit: PlannedUnit) throws -> ClassifierRunSettings {
        try JSONDecoder().decode(ClassifierUnitSettings.self, from: Data(unit.settings.utf8)).classifier
    }

    private struct GANUnitSettings: Decodable { var gan: GANRunSettings }
    private struct SamplesUnitSettings: Decodable { var sampling: SamplingPlan }
    private struct ClassifierUnitSettings: Decodable { var classifier: ClassifierRunSettings }
}
