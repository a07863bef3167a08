import Augmentations
import Classifiers
import Datasets
import Foundation
import ResultStore
import Tensors
import TestSupport
import XCTest

/// Classifier runs as a library call: real + synthetic mixes, resume, the result file's record of the mix.
final class ClassifierRunTests: XCTestCase {
    /// A 3-class 8 x 8 IDX dataset (train and test), a split of it with validation images, and a "sample set":
    /// an HDF5 image set of 12 images per class whose pixels differ from every real image.
    private func makeInputs() throws -> (split: String, samples: String, folder: String) {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 60, side: 8)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 30, side: 8)
        let source = try DatasetSource.resolve(folder)
        let split = path(folder, "split.h5")
        try SplitFile.make(source: source, plan: .stratified(classCount: 3, perClass: 6, validationPerClass: 2, seed: 0)).write(to: split)
        var generator = RandomGenerator(seed: 9)
        var images = Tensor(shape: [36, 1, 8, 8])
        generator.fillUniform(&images, low: -1, high: 1)
        let samples = try ImageSet(images: images, labels: (0..<36).map { $0 % 3 }, classNames: ["0", "1", "2"], source: "synthetic")
        let samplesPath = path(folder, "samples.h5")
        try HDF5ImageSetIO.write(samples, to: samplesPath, pixels: .float32)
        return (split, samplesPath, folder)
    }

    private func settings(seeds: Int = 1, ratio: Double = 1) -> ClassifierRunSettings {
        var s = ClassifierRunSettings()
        (s.epochs, s.batchSize, s.seeds, s.syntheticRatio) = (2, 8, seeds, ratio)
        return s
    }

    /// Every dataset of the file's seed groups (curves, confusion matrices, weights), by name.
    private func seedContents(_ file: String) throws -> [String: [Float]] {
        let h5 = try HDF5File.open(file)
        defer { h5.close() }
        var contents: [String: [Float]] = [:]
        for seed in h5.root.memberNames() where seed.hasPrefix("seed-") {
            let group = try h5.root.group(seed)
            for name in ["train_loss", "validation_accuracy", "confusion_matrix"] {
                contents["\(seed)/\(name)"] = try group.readConverting(name, as: Float.self).values
            }
            let weights = try group.group("weights")
            for name in weights.memberNames() { contents["\(seed)/weights/\(name)"] = try weights.readTensor(name).storage }
            contents["\(seed)/test_accuracy"] = [Float(try group.attribute("test_accuracy", as: Double.self))]
        }
        return contents
    }

    func testRatioZeroEqualsTheRunWithoutSyntheticImagesBitForBit() throws {
        let (split, samples, folder) = try makeInputs()
        Threads.configure(1)
        let plain = path(folder, "plain.h5"), mixed = path(folder, "ratio0.h5")
        _ = try ClassifierRun.run(settings(seeds: 2), split: split, output: plain, threads: 1)
        _ = try ClassifierRun.run(settings(seeds: 2, ratio: 0), split: split, synthetic: samples, output: mixed, threads: 1)
        let (a, b) = (try seedContents(plain), try seedContents(mixed))
        XCTAssertEqual(a.count, b.count)
        XCTAssertFalse(a.isEmpty)
        XCTAssertEqual(a, b)
        XCTAssertEqual(try TrainingRunFile.composition(mixed, seed: 1).syntheticPerClass, [0, 0, 0])
    }

    func testMixDrawsRatioTimesTheRealCountPerClassAndRecordsIt() throws {
        let (split, samples, folder) = try makeInputs()
        let output = path(folder, "ratio1.5.h5")
        let summary = try ClassifierRun.run(settings(seeds: 2, ratio: 1.5), split: split, synthetic: samples, output: output, threads: 1)
        XCTAssertEqual(summary.accuracies.map(\.seed), [0, 1])
        let first = try TrainingRunFile.composition(output, seed: 0), second = try TrainingRunFile.composition(output, seed: 1)
        XCTAssertEqual(first.realPerClass, [6, 6, 6])
        XCTAssertEqual(first.syntheticPerClass, [9, 9, 9])
        XCTAssertEqual(first.syntheticRows.count, 27)
        XCTAssertEqual(Set(first.syntheticRows).count, 27, "drawn without replacement")
        XCTAssertEqual(first.syntheticRows.map { $0 % 3 }.filter { $0 == 2 }.count, 9, "stratified by class")
        XCTAssertNotEqual(first.syntheticRows, second.syntheticRows, "each seed draws its own synthetic images")
        let h5 = try HDF5File.open(output)
        defer { h5.close() }
        XCTAssertEqual(try h5.root.stringAttribute("synthetic"), samples)
        XCTAssertEqual(try h5.root.stringAttribute("synthetic_sha256"), try DatasetSource.resolve(samples).fingerprint().combined)
        XCTAssertEqual(try h5.root.attribute("synthetic_ratio", as: Double.self), 1.5)
        XCTAssertTrue(try h5.root.stringAttribute("settings").contains("\"synthetic_ratio\":1.5"))
    }

    func testSyntheticOnlyTrainsOnTheDrawnSamplesAlone() throws {
        let (split, samples, _) = try makeInputs()
        let real = try SplitFile.read(split).load().train
        var s = settings(ratio: 2)
        s.syntheticOnly = true
        let (set, composition) = try ClassifierRun.trainingSet(real, samples: try DatasetSource.resolve(samples).load(), settings: s, seed: 4)
        XCTAssertEqual(set.count, 36)
        XCTAssertEqual(composition.realPerClass, [0, 0, 0])
        XCTAssertEqual(set.classCounts(), [12, 12, 12])
    }

    func testMinorityClassesAreToppedUpToTheLargestClassAndTheOthersGetNone() throws {
        let (_, samples, folder) = try makeInputs()
        let source = try DatasetSource.resolve(folder)
        let split = path(folder, "imbalanced.h5")
        try SplitFile.make(source: source, plan: .imbalanced(classCount: 3, perClass: 8, minority: [1: 2], validationPerClass: 2, seed: 0))
            .write(to: split)
        var s = settings()
        s.syntheticClasses = .minority
        let output = path(folder, "minority.h5")
        _ = try ClassifierRun.run(s, split: split, synthetic: samples, output: output, threads: 1)
        let composition = try TrainingRunFile.composition(output, seed: 0)
        XCTAssertEqual(composition.realPerClass, [8, 2, 8])
        XCTAssertEqual(composition.syntheticPerClass, [0, 6, 0])
        XCTAssertTrue(composition.syntheticRows.allSatisfy { $0 % 3 == 1 }, "only class 1's samples are drawn")
        XCTAssertEqual(SyntheticMix.syntheticCounts(realPerClass: [10, 200, 3], ratio: 1, classes: .minority), [190, 0, 197])
        // Naming `all` keeps the settings text (and so every existing run's checksum) unchanged.
        let all = try JSONDecoder().decode(ClassifierRunSettings.self, from: Data(#"{"synthetic_classes": "all"}"#.utf8))
        XCTAssertEqual(try all.canonicalTextWithoutSeeds(), try ClassifierRunSettings().canonicalTextWithoutSeeds())
        s.syntheticRatio = 2
        XCTAssertThrowsError(try s.validate()) { XCTAssertTrue("\($0)".contains("synthetic_ratio does not apply"), "\($0)") }
    }

    func testTooFewSamplesIsAClearErrorAndWritesNothing() throws {
        let (split, samples, folder) = try makeInputs()
        let output = path(folder, "ratio3.h5")
        XCTAssertThrowsError(try ClassifierRun.run(settings(ratio: 3), split: split, synthetic: samples, output: output, threads: 1)) { error in
            XCTAssertTrue("\(error)".contains("holds 12 images of class 0"), "\(error)")
            XCTAssertTrue("\(error)".contains("needs 18"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    func testOfflineExpansionComposesWithTheMix() throws {
        let (split, samples, _) = try makeInputs()
        let real = try SplitFile.read(split).load().train
        var s = settings(ratio: 1)
        (s.copies, s.augmentation) = (2, .traditional)
        let (set, composition) = try ClassifierRun.trainingSet(real, samples: try DatasetSource.resolve(samples).load(), settings: s, seed: 0)
        XCTAssertEqual(set.count, 3 * (18 + 18))
        XCTAssertEqual(composition.syntheticPerClass, [6, 6, 6])
    }

    func testResumeAfterTheLastFinishedSeedEqualsOneRun() throws {
        let (split, samples, folder) = try makeInputs()
        let whole = path(folder, "whole.h5"), pieces = path(folder, "pieces.h5")
        _ = try ClassifierRun.run(settings(seeds: 2), split: split, synthetic: samples, output: whole, threads: 1)
        _ = try ClassifierRun.run(settings(seeds: 1), split: split, synthetic: samples, output: pieces, threads: 1)
        var skipped: [UInt64] = []
        _ = try ClassifierRun.run(settings(seeds: 2), split: split, synthetic: samples, output: pieces, threads: 1) { event in
            if case .skipped(let seed) = event { skipped.append(seed) }
        }
        XCTAssertEqual(skipped, [0])
        XCTAssertEqual(try seedContents(whole), try seedContents(pieces))
        // Nothing new to add: the file is left as it is.
        let before = try Data(contentsOf: URL(fileURLWithPath: pieces))
        let again = try ClassifierRun.run(settings(seeds: 2), split: split, synthetic: samples, output: pieces, threads: 1)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: pieces)), before)
        XCTAssertEqual(again.accuracies.count, 2)
        // Another ratio or thread count is another run: refused with the difference named.
        XCTAssertThrowsError(try ClassifierRun.run(settings(seeds: 2, ratio: 2), split: split, synthetic: samples, output: pieces, threads: 1)) {
            XCTAssertTrue("\($0)".contains("exists with other settings (settings:"), "\($0)")
        }
        XCTAssertThrowsError(try ClassifierRun.run(settings(seeds: 2), split: split, synthetic: samples, output: pieces, threads: 2)) {
            XCTAssertTrue("\($0)".contains("(threads: recorded 1, now 2)"), "\($0)")
        }
    }

    func testSettingsDecodeWithDefaultsAndRejectUnknownKeysAndBadValues() throws {
        let decoded = try JSONDecoder().decode(ClassifierRunSettings.self, from: Data(#"{"epochs": 5, "augmentation": "traditional", "synthetic_ratio": 2}"#.utf8))
        var expected = ClassifierRunSettings()
        (expected.epochs, expected.augmentation, expected.syntheticRatio) = (5, .traditional, 2)
        XCTAssertEqual(decoded, expected)
        // The canonical text decodes back to the same settings.
        let text = try CanonicalSettings.text(decoded)
        XCTAssertEqual(try JSONDecoder().decode(ClassifierRunSettings.self, from: Data(text.utf8)), decoded)
        XCTAssertThrowsError(try JSONDecoder().decode(ClassifierRunSettings.self, from: Data(#"{"epoch": 5}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("unknown key 'epoch'"), "\($0)")
        }
        XCTAssertThrowsError(try JSONDecoder().decode(ClassifierRunSettings.self, from: Data(#"{"synthetic_ratio": -1}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("synthetic_ratio must be non-negative"), "\($0)")
        }
        XCTAssertThrowsError(try JSONDecoder().decode(ClassifierRunSettings.self, from: Data(#"{"augmentation": "spin=3"}"#.utf8)))
    }
}
