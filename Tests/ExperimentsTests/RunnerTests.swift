import Classifiers
import Datasets
import Experiments
import Foundation
import Metrics
import ResultStore
import TestSupport
import XCTest

/// A small protocol run end to end in one process: units in their own files, resume, statistics in run.h5.
final class RunnerTests: XCTestCase {
    /// Three classes of 28 x 28 images (what the embedded extractor reads); per seed a GAN, its samples, their
    /// metrics and four classifiers; once the real-data floor.
    private func tinyProtocol(in folder: String, editing edit: (String) -> String = { $0 }) throws -> ExperimentProtocol {
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 60, side: 28)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 30, side: 28)
        let text = """
            name: tiny
            dataset: \(folder)
            split: {per_class: 4, validation_per_class: 2}
            seeds: 3
            classifier: {steps: 6, evaluate_every: 3, select_best_validation: true, batch_size: 4}
            arms:
              - original
              - traditional
              - gan:
                  gan: {variant: cgan, steps: 2, batch_size: 6}
                  sampling: {per_class: 4, classifier_epochs: 2}
                  ratio: 0.5
              - more-real: {ratio: 1}
            """
        return try SettingsFile.decode(ExperimentProtocol.self, yaml: edit(text), path: "tiny.yaml")
    }

    func testASmallProtocolRunsResumesAndGathersItsStatistics() throws {
        let folder = try makeTemporaryFolder()
        let p = try tinyProtocol(in: folder)
        let output = path(folder, "run")
        var started: [String] = []
        let summary = try ExperimentRunner.run(p, output: output, threads: 1) { event in
            if case let .unitStarted(_, _, unit, _) = event { started.append(unit.id) }
        }
        XCTAssertEqual(started.count, 3 * (1 + 1 + 1 + 4) + 1, "per seed: a GAN, its samples, their metrics and four classifiers; the floor")
        XCTAssertEqual(summary.quality.map { $0.group.hasPrefix("cgan-") && $0.group.hasSuffix(" K=4") || $0.group == "floor" }, [true, true])
        XCTAssertEqual(summary.quality.last?.group, "floor")
        let quality = try XCTUnwrap(summary.quality.first { $0.group != "floor" })
        XCTAssertEqual(quality.arms, ["gan"])
        XCTAssertEqual(quality.seeds, [0, 1, 2])
        let fid = try XCTUnwrap(quality.values.first { $0.name == "fid" }).perSeed
        XCTAssertEqual(fid[1], try MetricsReport.headline(path(output, "units/\(try XCTUnwrap(ExperimentPlan(p).units.first { $0.kind == .metrics && $0.seed == 1 }).id).h5"))[0].value)
        XCTAssertEqual(summary.cells.map(\.label), ["original K=4", "traditional K=4", "gan K=4 r=0.5", "more-real K=4 r=1"])
        XCTAssertEqual(summary.cells.map(\.seeds), [[UInt64]](repeating: [0, 1, 2], count: 4))
        XCTAssertEqual(summary.comparisons.map { "\($0.cell.arm)-\($0.baseline.arm)" },
                       ["traditional-original", "gan-original", "more-real-original", "gan-traditional", "more-real-traditional"])
        // More real data: the seed's split plus as many real images again, the same validation and test images.
        let moreReal = path(output, "units/classifier/more-real/K4/r1/seed1.h5")
        XCTAssertEqual(try TrainingRunFile.composition(moreReal, seed: 1).realPerClass, [8, 8, 8])
        let splitName = try XCTUnwrap(ExperimentPlan(p).units.first { $0.seed == 1 }?.splitName)
        XCTAssertTrue(splitName.hasPrefix("K4-seed1-"))
        let small = try SplitFile.read(path(output, "splits/\(splitName)"))
        let large = try SplitFile.read(path(output, "splits/\(splitName.dropLast(3))-plus1x.h5"))
        XCTAssertTrue(Set(small.split.train).isSubset(of: Set(large.split.train)))
        XCTAssertEqual(large.split.train.count, 24)
        XCTAssertEqual(small.split.validation, large.split.validation)
        XCTAssertTrue(Set(large.split.train).isDisjoint(with: Set(large.split.validation)))
        // Each classifier unit holds its mix; the GAN arm's half-ratio draw is 2 synthetic images per class.
        let ganUnit = path(output, "units/classifier/gan/K4/r0.5/seed2.h5")
        XCTAssertEqual(try TrainingRunFile.composition(ganUnit, seed: 2).syntheticPerClass, [2, 2, 2])
        let run = try HDF5File.open(path(output, "run.h5"))
        XCTAssertEqual(run.kind, .experimentRun)
        XCTAssertEqual(try run.root.group("cells/gan_K=4_r=0.5").read("test_accuracy", as: Double.self).values,
                       summary.cells[2].accuracies)
        XCTAssertFalse(try run.root.group("comparisons/gan_K=4_r=0.5_vs_original").stringAttribute("verdict").isEmpty)
        // The gan arm's 2 synthetic images per class, read off the curve original -> more-real (4 extra real images).
        XCTAssertEqual(summary.equivalents.map(\.cell.label), ["gan K=4 r=0.5"])
        XCTAssertEqual(summary.equivalents[0].equivalent.syntheticPerClass, 2)
        XCTAssertEqual(try run.root.group("real_image_equivalent/gan_K=4_r=0.5").attribute("real_per_class", as: Double.self),
                       summary.equivalents[0].equivalent.realPerClass)
        run.close()
        // Running again does nothing but gather; the results are the same.
        var again: [String] = []
        let resumed = try ExperimentRunner.run(p, output: output, threads: 1) { event in
            if case let .unitStarted(_, _, unit, _) = event { again.append(unit.id) }
        }
        XCTAssertEqual(again, [])
        XCTAssertEqual(resumed.cells.map(\.accuracies), summary.cells.map(\.accuracies))
        // A lost unit is redone, and only that one.
        try FileManager.default.removeItem(atPath: ganUnit)
        var redone: [String] = []
        let repaired = try ExperimentRunner.run(p, output: output, threads: 1) { event in
            if case let .unitStarted(_, _, unit, _) = event { redone.append(unit.id) }
        }
        XCTAssertEqual(redone, ["classifier/gan/K4/r0.5/seed2"])
        XCTAssertEqual(repaired.cells.map(\.accuracies), summary.cells.map(\.accuracies), "the redone unit gives the same bits")
        // Another GAN gives other samples: the classifiers trained on the old ones are refused, not reused, and
        // the folder's protocol stays the one its results were made with.
        let recordedProtocol = try ExperimentRunner.recordedProtocol(output)
        let otherGAN = try tinyProtocol(in: folder) { $0.replacingOccurrences(of: "{variant: cgan, steps: 2,", with: "{variant: cgan, steps: 3,") }
        assertThrowsMessage(["units/classifier/gan/K4/r0.5/seed", "trained on other samples", "choose another --output"]) {
            try ExperimentRunner.run(otherGAN, output: output, threads: 1)
        }
        XCTAssertEqual(try ExperimentRunner.recordedProtocol(output), recordedProtocol)
    }

    func testShardsDealEveryUnitOnceAndKeepAGANWithItsUsers() throws {
        let p = try tinyProtocol(in: try makeTemporaryFolder())
        let plan = try ExperimentPlan(p)
        let shards = (1...3).map { plan.shard($0, of: 3) }
        XCTAssertEqual(shards.flatMap { $0.map(\.id) }.sorted(), plan.units.map(\.id).sorted(), "every unit in exactly one shard")
        for shard in shards {
            XCTAssertEqual(shard.filter { $0.kind == .gan }.count, 1, "three GANs over three shards: one each")
            let ids = Set(shard.map(\.id))
            for unit in shard { XCTAssertTrue(unit.dependencies.allSatisfy(ids.contains), "\(unit.id) runs where its inputs are made") }
        }
        XCTAssertEqual(plan.shard(2, of: 3).map(\.id), try ExperimentPlan(p).shard(2, of: 3).map(\.id), "the same share every time")
        XCTAssertEqual(plan.shard(1, of: 1).map(\.id), plan.units.map(\.id))
    }

    func testShardsInTheirOwnFoldersMergeIntoTheSameResultsAsOneRun() throws {
        let folder = try makeTemporaryFolder()
        let p = try tinyProtocol(in: folder)
        let whole = try ExperimentRunner.run(p, output: path(folder, "whole"), threads: 1)
        let shardFolders = (1...3).map { path(folder, "shard-\($0)") }
        for (index, shardFolder) in shardFolders.enumerated() {
            _ = try ExperimentRunner.run(p, output: shardFolder, shard: Shard(index: index + 1, of: 3), threads: 1)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path(shardFolder, "run.h5")), "a shard alone writes no statistics")
        }
        // A shard missing: merge names a unit and trains nothing.
        XCTAssertThrowsError(try ExperimentRunner.merge(shards: Array(shardFolders.prefix(2)), output: path(folder, "partial"))) { error in
            XCTAssertTrue("\(error)".contains("missing from every shard folder"), "\(error)")
        }
        let merged = try ExperimentRunner.merge(shards: shardFolders, output: path(folder, "merged"))
        XCTAssertEqual(merged.cells.map(\.label), whole.cells.map(\.label))
        XCTAssertEqual(merged.cells.map { $0.accuracies.map(\.bitPattern) }, whole.cells.map { $0.accuracies.map(\.bitPattern) })
        XCTAssertEqual(merged.comparisons.map(\.statistics.adjustedP.bitPattern), whole.comparisons.map(\.statistics.adjustedP.bitPattern))
        for unit in try ExperimentPlan(p).units where unit.kind == .classifier {
            let (a, b) = (path(folder, "whole/units/\(unit.id).h5"), path(folder, "merged/units/\(unit.id).h5"))
            let (fa, fb) = (try HDF5File.open(a), try HDF5File.open(b))
            let group = "seed-\(unit.seed)"
            XCTAssertEqual(try fa.root.group(group).read("confusion_matrix", as: Int64.self).values,
                           try fb.root.group(group).read("confusion_matrix", as: Int64.self).values, unit.id)
            XCTAssertEqual(try fa.root.group(group).read("validation_accuracy", as: Double.self).values.map(\.bitPattern),
                           try fb.root.group(group).read("validation_accuracy", as: Double.self).values.map(\.bitPattern), unit.id)
            fa.close()
            fb.close()
        }
        // Shards sharing one folder need no copying: merge gathers in place.
        let shared = path(folder, "shared")
        for index in 1...3 { _ = try ExperimentRunner.run(p, output: shared, shard: Shard(index: index, of: 3), threads: 1) }
        let inPlace = try ExperimentRunner.merge(shards: [shared], output: shared)
        XCTAssertEqual(inPlace.cells.map { $0.accuracies.map(\.bitPattern) }, whole.cells.map { $0.accuracies.map(\.bitPattern) })
    }

    /// An imbalanced split: the minority classes' accuracy is compared too (the headline), in the same Holm family.
    func testAMinoritySplitComparesTheMinorityClassesAccuracy() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 60, side: 8)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 30, side: 8)
        let text = """
            name: minority
            dataset: \(folder)
            split: {per_class: 6, minority: {1: 2}, validation_per_class: 2}
            seeds: 3
            gan_metrics: false
            classifier: {steps: 4, evaluate_every: 2, select_best_validation: true, batch_size: 4}
            arms:
              - original
              - gan:
                  gan: {variant: cgan, steps: 2, batch_size: 6}
                  sampling: {per_class: 4, classifier_epochs: 2}
                  synthetic_classes: minority
            """
        let p = try SettingsFile.decode(ExperimentProtocol.self, yaml: text, path: "minority.yaml")
        let output = path(folder, "run")
        let summary = try ExperimentRunner.run(p, output: output, threads: 1)
        let gan = try XCTUnwrap(summary.cells.first { $0.arm == "gan" })
        XCTAssertEqual(try TrainingRunFile.composition(path(output, "units/classifier/gan/K6/r1/seed0.h5"), seed: 0).syntheticPerClass, [0, 4, 0])
        XCTAssertEqual(gan.minorityAccuracies, gan.perClassAccuracies.map { $0[1] }, "one minority class: its own accuracy")
        XCTAssertEqual(summary.comparisons.map(\.measure), [.accuracy, .minorityClasses([1])])
        XCTAssertTrue(summary.comparisons[1].sentence.contains("vs original, minority classes 1:"), summary.comparisons[1].sentence)
        XCTAssertEqual(summary.comparisons[1].statistics.familySize, 2)
        let run = try HDF5File.open(path(output, "run.h5"))
        defer { run.close() }
        XCTAssertEqual(try run.root.group("comparisons/gan_K=6_r=1_vs_original_minority").stringAttribute("measure"), "minority-class accuracy")
        let perClass = try run.root.group("cells/gan_K=6_r=1").read("per_class_accuracy", as: Double.self)
        XCTAssertEqual(perClass.shape, [3, 3])
        XCTAssertEqual(perClass.values, gan.perClassAccuracies.flatMap { $0 })
    }

    /// A sweep runs each GAN combination as its own arm and each arm at every classifier combination; an arm is
    /// compared with `original` at the same classifier settings only, and a GAN's samples list the arms that used them.
    func testASweepComparesArmsAtTheSameClassifierSettings() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 60, side: 28)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 30, side: 28)
        let text = """
            name: sweep
            dataset: \(folder)
            split: {per_class: 4, validation_per_class: 2}
            seeds: 2
            classifier: {steps: [2, 4], evaluate_every: 2, select_best_validation: true, batch_size: 4}
            arms:
              - original
              - gan:
                  gan: {variant: cgan, steps: 2, batch_size: [4, 6]}
                  sampling: {per_class: 4, classifier_epochs: 2}
              - synthetic-only:
                  gan: {variant: cgan, steps: 2, batch_size: [4, 6]}
                  sampling: {per_class: 4, classifier_epochs: 2}
            """
        let p = try SettingsFile.decode(ExperimentProtocol.self, yaml: text, path: "sweep.yaml")
        let output = path(folder, "run")
        let summary = try ExperimentRunner.run(p, output: output, threads: 1)
        XCTAssertEqual(summary.cells.map(\.label), [
            "original K=4 steps=2", "gan[batch_size=4] K=4 steps=2 r=1", "gan[batch_size=6] K=4 steps=2 r=1",
            "synthetic-only[batch_size=4] K=4 steps=2 r=1", "synthetic-only[batch_size=6] K=4 steps=2 r=1",
            "original K=4 steps=4", "gan[batch_size=4] K=4 steps=4 r=1", "gan[batch_size=6] K=4 steps=4 r=1",
            "synthetic-only[batch_size=4] K=4 steps=4 r=1", "synthetic-only[batch_size=6] K=4 steps=4 r=1"])
        XCTAssertEqual(summary.comparisons.count, 8)
        for comparison in summary.comparisons {
            XCTAssertEqual(comparison.baseline.arm, "original")
            XCTAssertEqual(comparison.baseline.classifierSetting, comparison.cell.classifierSetting, comparison.sentence)
        }
        // The step budget is the swept one: the 4-step units trained twice as long as the 2-step ones.
        for steps in [2, 4] {
            let file = path(output, "units/classifier/original/K4/steps=\(steps)/seed1.h5")
            XCTAssertTrue(try TrainingRunFile.recordedSettingsText(file).contains("\"steps\":\(steps)"))
        }
        let quality = summary.quality.filter { $0.group != "floor" }.map(\.arms)
        XCTAssertEqual(quality, [["gan[batch_size=4]", "synthetic-only[batch_size=4]"], ["gan[batch_size=6]", "synthetic-only[batch_size=6]"]])
        XCTAssertEqual(summary.quality.filter { $0.group != "floor" }.map { $0.cas?.label }, ["synthetic-only[batch_size=4] K=4 steps=2 r=1", "synthetic-only[batch_size=6] K=4 steps=2 r=1"])
        let run = try HDF5File.open(path(output, "run.h5"))
        defer { run.close() }
        XCTAssertEqual(try run.root.group("cells/gan[batch_size=6]_K=4_steps=4_r=1").stringAttribute("classifier_setting"), "steps=4")
    }

    /// A failing unit does not stop the run: the units that do not need it run, those that do are reported, and the
    /// run ends with an error naming the first failure; running again redoes only what is missing.
    func testAFailingUnitDoesNotStopTheUnitsThatDoNotNeedIt() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 60, side: 8)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 30, side: 8)
        let text = """
            name: keep-going
            dataset: \(folder)
            split: {per_class: 4, validation_per_class: 2}
            seeds: 2
            gan_metrics: false
            classifier: {steps: 4, evaluate_every: 2, select_best_validation: true, batch_size: 4}
            arms:
              - original
              - gan:
                  gan: {variant: cgan, steps: 2, batch_size: 6}
                  sampling: {per_class: 4, classifier_epochs: 1, filters: ["confidence=1"]}
              - traditional
            """
        let p = try SettingsFile.decode(ExperimentProtocol.self, yaml: text, path: "keep-going.yaml")
        let output = path(folder, "run")
        var failed: [String] = []
        XCTAssertThrowsError(try ExperimentRunner.run(p, output: output, threads: 1) { event in
            if case let .unitFailed(unit, _) = event { failed.append(unit.id) }
        }) { error in
            XCTAssertTrue("\(error)".hasPrefix("samples/K4/seed0/"), "\(error)")
            XCTAssertTrue("\(error)".contains("rejected every candidate"), "\(error)")
            XCTAssertTrue("\(error)".contains("(and 3 more units, listed above)"), "\(error)")
        }
        XCTAssertEqual(failed.filter { $0.hasPrefix("classifier/gan/") }, ["classifier/gan/K4/r1/seed0", "classifier/gan/K4/r1/seed1"])
        XCTAssertEqual(failed.filter { $0.hasPrefix("samples/") }.count, 2)
        let pending = try ExperimentRunner.pendingUnits(ExperimentPlan(p), output: output).map(\.id)
        XCTAssertEqual(pending.sorted(), failed.sorted(), "everything else is done")
    }
}
