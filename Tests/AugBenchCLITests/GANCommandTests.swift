import Foundation
import TestSupport
import XCTest

final class GANCommandTests: CLITestCase {
    /// Two classes of 28 x 28 patterns as IDX files, and a split of them.
    private func makeSplit() throws -> (split: String, out: String) {
        let data = try makeTemporaryFolder(), out = try makeTemporaryFolder()
        for (prefix, count) in [("train", 40), ("t10k", 10)] {
            let pixels: [UInt8] = (0..<(count * 784)).map { UInt8(($0 * 37) % 256) }
            try Fixtures.write(Fixtures.idxBytes(dimensions: [count, 28, 28], data: pixels), to: path(data, "\(prefix)-images-idx3-ubyte.gz"))
            try Fixtures.write(Fixtures.idxBytes(dimensions: [count], data: (0..<count).map { UInt8($0 % 2) }),
                               to: path(data, "\(prefix)-labels-idx1-ubyte.gz"))
        }
        let split = path(out, "split.h5")
        XCTAssertEqual(try augbench("data", "split", "--data", data, "--per-class", "10", "--output", split, "-q").status, 0)
        return (split, out)
    }

    func testGANTrainCheckpointsAndResumes() throws {
        let (split, out) = try makeSplit()
        let run = path(out, "gan")
        let first = try augbench("gan", "train", "--split", split, "--steps", "4", "--batch-size", "8", "--checkpoint-every", "2",
                                 "--threads", "1", "--output", run)
        XCTAssertEqual(first.status, 0, first.standardError)
        try assertH5DumpReads(path(run, "checkpoint.h5"))
        for file in ["samples-step-2.png", "samples-step-4.png", "losses.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path(run, file)), file)
        }
        let info = try augbench("data", "info", path(run, "checkpoint.h5"))
        XCTAssertTrue(info.standardOutput.contains("kind:     gan-checkpoint"), info.standardOutput)
        XCTAssertTrue(info.standardOutput.contains("@step = 4"), info.standardOutput)
        let again = try augbench("gan", "train", "--split", split, "--steps", "4", "--output", run)
        assertFailsWithOneLine(again, ["exists: use --resume"])
        // Resuming with another thread count, or on a split that changed, would not continue the same run.
        let otherThreads = try augbench("gan", "train", "--resume", "--steps", "6", "--threads", "2", "--output", run)
        assertFailsWithOneLine(otherThreads, ["was trained with 1 thread(s)", "resume with --threads 1"])
        let original = try XCTUnwrap(FileManager.default.contents(atPath: split))
        try (original + Data([0])).write(to: URL(fileURLWithPath: split))
        assertFailsWithOneLine(try augbench("gan", "train", "--resume", "--steps", "6", "--threads", "1", "--output", run),
                               ["was trained on another", "SHA-256 changed"])
        try original.write(to: URL(fileURLWithPath: split))
        let resumed = try augbench("gan", "train", "--resume", "--steps", "6", "--batch-size", "8", "--threads", "1", "--output", run)
        XCTAssertEqual(resumed.status, 0, resumed.standardError)
        XCTAssertTrue(resumed.standardError.contains("resuming"), resumed.standardError)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path(run, "samples-step-6.png")))
        let curve = try String(contentsOfFile: path(run, "losses.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(curve.count, 7, "a header and one line per step")
    }

    func testConditionalTrainingSamplingAndFilters() throws {
        let (split, out) = try makeSplit()
        let run = path(out, "cgan")
        let trained = try augbench("gan", "train", "--split", split, "--variant", "cgan", "--steps", "3", "--batch-size", "8",
                                   "--diffaugment", "--ema", "0.9", "--label-smoothing", "0.1", "--projection", "--threads", "1",
                                   "--output", run, "-q")
        XCTAssertEqual(trained.status, 0, trained.standardError)
        let samples = path(out, "samples.h5")
        let sampled = try augbench("gan", "sample", path(run, "checkpoint.h5"), "--per-class", "5", "--filter", "discriminator=0.5",
                                   "--filter", "dedupe=0.001", "--threads", "1", "--output", samples)
        XCTAssertEqual(sampled.status, 0, sampled.standardError)
        XCTAssertTrue(sampled.standardOutput.contains("- discriminator=0.5"), sampled.standardOutput)
        XCTAssertTrue(sampled.standardOutput.contains("10 samples ->"), sampled.standardOutput)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path(out, "samples-grid.png")))
        try assertH5DumpReads(samples)
        // The kept samples open wherever an image set does.
        let info = try augbench("data", "info", samples)
        XCTAssertEqual(info.status, 0, info.standardError)
        XCTAssertTrue(info.standardOutput.contains("10 x 1 x 28 x 28"), info.standardOutput)

        assertFailsWithOneLine(try augbench("gan", "sample", path(run, "checkpoint.h5"), "--filter", "sharpness=2", "--output", samples),
                               ["unknown filter 'sharpness'"])
        // The bundled extractor knows Fashion-MNIST's ten classes, not these two.
        assertFailsWithOneLine(try augbench("gan", "sample", path(run, "checkpoint.h5"), "--filter", "realism=1", "--threads", "1",
                                            "--output", path(out, "other.h5")), ["need a feature extractor"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path(out, "other.h5")))
        assertFailsWithOneLine(try augbench("gan", "sample", path(out, "missing.h5"), "--output", samples), ["missing.h5"])
        assertFailsWithOneLine(try augbench("gan", "train", "--split", split, "--variant", "wgan", "--label-smoothing", "0.1",
                                            "--output", path(out, "w")), ["label smoothing applies to the cross-entropy losses"])
    }
}
