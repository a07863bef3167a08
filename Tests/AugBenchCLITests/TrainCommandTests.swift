import Datasets
import Foundation
import Tensors
import TestSupport
import XCTest

final class TrainCommandTests: CLITestCase {
    /// A small IDX dataset whose classes differ by brightness, and a split of it.
    private func makeSplit() throws -> (split: String, out: String) {
        let data = try makeTemporaryFolder(), out = try makeTemporaryFolder()
        for (prefix, count) in [("train", 60), ("t10k", 30)] {
            let labels = (0..<count).map { UInt8($0 % 3) }
            let pixels: [UInt8] = (0..<(count * 64)).map { i -> UInt8 in
                let brightness: Int = Int(labels[i / 64]) * 100 + (i * 7) % 40
                return UInt8(min(255, brightness))
            }
            try Fixtures.write(Fixtures.idxBytes(dimensions: [count, 8, 8], data: pixels), to: path(data, "\(prefix)-images-idx3-ubyte.gz"))
            try Fixtures.write(Fixtures.idxBytes(dimensions: [count], data: labels), to: path(data, "\(prefix)-labels-idx1-ubyte.gz"))
        }
        let split = path(out, "split.h5")
        let made = try augbench("data", "split", "--data", data, "--per-class", "10", "--validation-per-class", "4", "--output", split, "-q")
        XCTAssertEqual(made.status, 0, made.standardError)
        return (split, out)
    }

    func testTrainWritesCurvesWeightsAndResumes() throws {
        let (split, out) = try makeSplit()
        let result = path(out, "train.h5")
        let first = try augbench("train", "--split", split, "--epochs", "3", "--seeds", "2", "--threads", "1", "--output", result)
        XCTAssertEqual(first.status, 0, first.standardError)
        XCTAssertTrue(first.standardOutput.contains("over 2 seed(s)"), first.standardOutput)
        try assertH5DumpReads(result)
        if let h5dump = ProcessRunner.which("h5dump") {
            let listing = try ProcessRunner.run(h5dump, ["-H", result]).standardOutput
            for name in ["seed-0", "seed-1", "train_loss", "validation_accuracy", "confusion_matrix", "7.weight", "test_accuracy_mean"] {
                XCTAssertTrue(listing.contains(name), "\(name) missing from the training file")
            }
        }
        let info = try augbench("data", "info", result)
        XCTAssertEqual(info.status, 0, info.standardError)
        for line in ["kind:     training", "@test_accuracy_mean = ", "@settings = {", "seed-1/", "real_per_class [3] int64"] {
            XCTAssertTrue(info.standardOutput.contains(line), "\(line) missing from: \(info.standardOutput)")
        }
        // Running again resumes: both seeds are found and skipped.
        let again = try augbench("train", "--split", split, "--epochs", "3", "--seeds", "2", "--threads", "1", "--output", result)
        XCTAssertEqual(again.status, 0, again.standardError)
        XCTAssertTrue(again.standardError.contains("seed 0: already in"), again.standardError)
        XCTAssertTrue(again.standardError.contains("seed 1: already in"), again.standardError)
        // Other settings refuse to mix into the same file.
        let other = try augbench("train", "--split", split, "--epochs", "4", "--output", result)
        assertFailsWithOneLine(other, [result, "exists with other settings"])
    }

    /// A learning rate that makes the loss NaN stops with one error line, not a "test accuracy" of chance with NaN
    /// weights; the new file goes, so the same command with a lower rate runs.
    func testADivergingTrainingFailsCleanlyAndLeavesNoFile() throws {
        let (split, out) = try makeSplit()
        let result = path(out, "diverged.h5")
        let diverged = try augbench("train", "--split", split, "--epochs", "3", "--learning-rate", "1e30", "--threads", "1", "--output", result)
        assertFailsWithOneLine(diverged, ["classifier training diverged at step", "lower the learning rate"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: result))
        let lower = try augbench("train", "--split", split, "--epochs", "3", "--threads", "1", "--output", result, "-q")
        XCTAssertEqual(lower.status, 0, lower.standardError)
        // Offline copies beyond the bound are refused before any allocation (99999999999 aborted allocating 800 GB).
        let huge = try augbench("train", "--split", split, "--copies", "99999999999", "--augment", "traditional", "--output", path(out, "huge.h5"))
        assertFailsWithOneLine(huge, ["copies must be in 0...1000"])
    }

    /// Images smaller than the reference classifier's two poolings take are refused with one line (1 x 1 trapped).
    func testImagesTooSmallForTheClassifier() throws {
        let data = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: data, prefix: "train", count: 30, side: 1)
        try Fixtures.writeIDXDataset(in: data, prefix: "t10k", count: 9, side: 1)
        let split = path(data, "split.h5")
        XCTAssertEqual(try augbench("data", "split", "--data", data, "--per-class", "3", "--output", split, "-q").status, 0)
        assertFailsWithOneLine(try augbench("train", "--split", split, "--epochs", "1", "--output", path(data, "t.h5")),
                               [split, "images are 1 x 1 x 1", "at least 4 x 4"])
    }

    /// An option error found after the arguments are read names the command it belongs to: its own usage, exit 64,
    /// never the top-level usage.
    func testOptionErrorsShowTheCommandsOwnUsage() throws {
        let folder = try makeTemporaryFolder()
        let missing = path(folder, "missing.yaml")
        let cases: [([String], String, String)] = [
            (["augment", "preview", folder, "--augment-file", missing, "--output", path(folder, "p.png")],
             "cannot read \(missing)", "augbench augment preview"),
            (["augment", "expand", "--split", path(folder, "s.h5"), "--output", path(folder, "x.h5")],
             "--copies must be at least 1 for expand", "augbench augment expand"),
            (["metrics", "compare", path(folder, "a.h5")], "give at least two metric files", "augbench metrics compare"),
            (["data", "info", folder, "--value-range", "3"], "--value-range must be LOW,HIGH", "augbench data info"),
        ]
        for (arguments, message, command) in cases {
            let result = try augbench(arguments: arguments)
            assertFailsWithOneLine(result, [message])
            XCTAssertEqual(result.status, 64, arguments.joined(separator: " "))
            XCTAssertTrue(result.standardError.contains("Usage: \(command)"), result.standardError)
            XCTAssertFalse(result.standardError.contains("Usage: augbench <subcommand>"), result.standardError)
        }
    }

    func testAugmentedTrainingPreviewAndExpansion() throws {
        let (split, out) = try makeSplit()
        let result = path(out, "traditional.h5")
        let trained = try augbench("train", "--split", split, "--epochs", "2", "--augment", "traditional", "--threads", "1", "--output", result)
        XCTAssertEqual(trained.status, 0, trained.standardError)
        if let h5dump = ProcessRunner.which("h5dump") {
            let attribute = try ProcessRunner.run(h5dump, ["-a", "/augmentation", result]).standardOutput
            XCTAssertTrue(attribute.contains("rotate=15,shift=3,noise=0.05"), attribute)
        }

        let yaml = path(out, "augment.yaml")
        try "- rotate: 10\n- erase: {p: 1}\n".write(toFile: yaml, atomically: true, encoding: .utf8)
        let expanded = path(out, "expanded.h5")
        let expand = try augbench("augment", "expand", "--split", split, "--copies", "2", "--augment-file", yaml, "--output", expanded)
        XCTAssertEqual(expand.status, 0, expand.standardError)
        try assertH5DumpReads(expanded)
        XCTAssertTrue(try augbench("data", "info", expanded).standardOutput.contains("images:   90 x 1 x 8 x 8"))

        let offline = try augbench("train", "--split", split, "--epochs", "1", "--augment", "traditional", "--copies", "2",
                                   "--threads", "1", "--output", path(out, "offline.h5"))
        XCTAssertEqual(offline.status, 0, offline.standardError)
        XCTAssertTrue(offline.standardError.contains("-> 90 training images"), offline.standardError)

        let preview = path(out, "preview.png")
        XCTAssertEqual(try augbench("augment", "preview", path(out, "expanded.h5"), "--augment", "strong", "--output", preview).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: preview))

        assertFailsWithOneLine(try augbench("train", "--split", split, "--augment", "rotate=x", "--output", path(out, "bad.h5")),
                               ["'x' in 'rotate=x' is not a number"])
        try "- spin: 3\n".write(toFile: yaml, atomically: true, encoding: .utf8)
        assertFailsWithOneLine(try augbench("augment", "preview", path(out, "expanded.h5"), "--augment-file", yaml, "--output", preview),
                               [yaml, "unknown step 'spin'"])
    }

    /// The GAN-augmented arm by hand: real images plus synthetic ones from a sample set, recorded in the result.
    func testSyntheticImagesJoinTheRealOnesAndTheMixIsRecorded() throws {
        let (split, out) = try makeSplit()
        var images = Tensor(shape: [30, 1, 8, 8])
        var generator = RandomGenerator(seed: 3)
        generator.fillUniform(&images, low: -1, high: 1)
        let samples = path(out, "samples.h5")
        try HDF5ImageSetIO.write(try ImageSet(images: images, labels: (0..<30).map { $0 % 3 }, classNames: ["0", "1", "2"], source: "test"),
                                 to: samples)
        let result = path(out, "mixed.h5")
        let mixed = try augbench("train", "--split", split, "--synthetic", samples, "--ratio", "0.5", "--epochs", "2", "--threads", "1",
                                 "--output", result)
        XCTAssertEqual(mixed.status, 0, mixed.standardError)
        XCTAssertTrue(mixed.standardError.contains("30 real + 15 synthetic images -> 45 training images"), mixed.standardError)
        try assertH5DumpReads(result)
        if let h5dump = ProcessRunner.which("h5dump") {
            let counts = try ProcessRunner.run(h5dump, ["-d", "/seed-0/synthetic_per_class", result]).standardOutput
            XCTAssertTrue(counts.contains("(0): 5, 5, 5"), counts)
        }
        assertFailsWithOneLine(try augbench("train", "--split", split, "--synthetic", samples, "--ratio", "3", "--output", path(out, "r3.h5")),
                               [samples, "holds 10 images of class 0", "needs 30"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path(out, "r3.h5")))
        assertFailsWithOneLine(try augbench("train", "--split", split, "--synthetic-only", "--output", path(out, "only.h5")),
                               ["--synthetic-classes need --synthetic"])
    }
}
