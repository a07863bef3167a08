import Foundation
import ResultStore
import TestSupport
import XCTest

final class RunCommandTests: CLITestCase {
    /// A folder with 60 training and 30 test images of 8 x 8 in three classes.
    private func makeTinyDataset(function: String = #function) throws -> String {
        let folder = try makeTemporaryFolder(function: function)
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 60, side: 8)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 30, side: 8)
        return folder
    }

    func testDryRunRunAndABadProtocol() throws {
        let folder = try makeTinyDataset()
        let protocolFile = path(folder, "tiny.yaml")
        try """
            name: tiny
            dataset: \(folder)
            split: {per_class: 4, validation_per_class: 2}
            seeds: 3
            classifier: {steps: 6, evaluate_every: 3, select_best_validation: true, batch_size: 4}
            arms: [original, traditional]

            """.write(toFile: protocolFile, atomically: true, encoding: .utf8)
        let output = path(folder, "run")
        let dry = try augbench("run", protocolFile, "--output", output, "--dry-run")
        XCTAssertEqual(dry.status, 0, dry.standardError)
        XCTAssertTrue(dry.standardError.contains("tiny: 6 units (0 GANs, 0 sample sets, 0 metric sets, 6 classifiers)"), dry.standardError)
        XCTAssertTrue(dry.standardOutput.contains("classifier/traditional/K4/seed2"), dry.standardOutput)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "a dry run writes nothing")

        let run = try augbench("run", protocolFile, "--output", output, "--threads", "1")
        XCTAssertEqual(run.status, 0, run.standardError)
        XCTAssertTrue(run.standardOutput.contains("original K=4"), run.standardOutput)
        XCTAssertTrue(run.standardOutput.contains("traditional K=4 vs original:"), run.standardOutput)
        try assertH5DumpReads(path(output, "run.h5"))

        // Two shards in one folder, then merge: the same report as the run in one process.
        let sharded = path(folder, "sharded")
        for shard in ["1/2", "2/2"] {
            let part = try augbench("run", protocolFile, "--output", sharded, "--threads", "1", "--shard", shard)
            XCTAssertEqual(part.status, 0, part.standardError)
            XCTAssertTrue(part.standardError.contains("shard \(shard): 3 units done"), part.standardError)
        }
        let merged = try augbench("merge", sharded)
        XCTAssertEqual(merged.status, 0, merged.standardError)
        XCTAssertEqual(merged.standardOutput, run.standardOutput)
        assertFailsWithOneLine(try augbench("run", protocolFile, "--output", sharded, "--shard", "3/2"), ["--shard", "3/2"])
        // Two processes at once: the same report again.
        let parallel = try augbench("run", protocolFile, "--output", path(folder, "parallel"), "--threads", "1", "--jobs", "2")
        XCTAssertEqual(parallel.status, 0, parallel.standardError)
        XCTAssertEqual(parallel.standardOutput, run.standardOutput)
        XCTAssertTrue(parallel.standardError.contains("shard 2/2 done"), parallel.standardError)
        assertFailsWithOneLine(try augbench("merge", folder), ["\(folder) is not a run folder"])

        try "name: tiny\ndataset: \(folder)\nsplit: {per_class: 4}\nseeds: 3\narms: [original, mixp]\n"
            .write(toFile: protocolFile, atomically: true, encoding: .utf8)
        assertFailsWithOneLine(try augbench("run", protocolFile, "--output", output), ["\(protocolFile):5:", "unknown arm 'mixp'"])
    }

    /// A run killed with SIGKILL in the middle of a GAN's training, then run again, equals an uninterrupted run.
    func testAKilledRunResumesToTheSameResults() throws {
        let folder = try makeTinyDataset()
        let protocolFile = path(folder, "gan.yaml")
        try """
            name: killed
            dataset: \(folder)
            gan_metrics: false          # 8 x 8 images: the embedded extractor reads 28 x 28
            split: {per_class: 4, validation_per_class: 2}
            seeds: 2
            classifier: {steps: 6, evaluate_every: 3, select_best_validation: true, batch_size: 4}
            arms:
              - original
              - gan:
                  gan: {variant: cgan, steps: 60, batch_size: 8, checkpoint_every: 5}
                  sampling: {per_class: 4, classifier_epochs: 2}
                  ratio: 0.5

            """.write(toFile: protocolFile, atomically: true, encoding: .utf8)
        let whole = path(folder, "whole"), killed = path(folder, "killed")
        XCTAssertEqual(try augbench("run", protocolFile, "--output", whole, "--threads", "1", "-q").status, 0)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["run", protocolFile, "--output", killed, "--threads", "1", "-q"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Kill it once the first GAN has written a checkpoint (in the middle of its 60 steps).
        let deadline = Date().addingTimeInterval(60)
        var sawCheckpoint = false
        while process.isRunning && Date() < deadline {
            let gans = path(killed, "units/gan/K4/seed0")
            if let runs = try? FileManager.default.contentsOfDirectory(atPath: gans),
               runs.contains(where: { FileManager.default.fileExists(atPath: path(gans, $0, "checkpoint.h5")) }) {
                sawCheckpoint = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(2000)
        }
        process.waitUntilExit()
        XCTAssertTrue(sawCheckpoint, "the GAN's first checkpoint never appeared")
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the run finished before it could be killed")

        let resumed = try augbench("run", protocolFile, "--output", killed, "--threads", "1")
        XCTAssertEqual(resumed.status, 0, resumed.standardError)
        func accuracies(_ run: String) throws -> [String: [Double]] {
            let file = try HDF5File.open(path(run, "run.h5"))
            defer { file.close() }
            let cells = try file.root.group("cells")
            return try Dictionary(uniqueKeysWithValues: cells.memberNames().map {
                ($0, try cells.group($0).read("test_accuracy", as: Double.self).values)
            })
        }
        let expected = try accuracies(whole)
        XCTAssertEqual(expected.count, 2)
        XCTAssertEqual(try accuracies(killed), expected)
    }
}
