import Foundation
import TestSupport
import XCTest

final class RunCommandTests: CLITestCase {
    func testDryRunRunAndABadProtocol() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 60, side: 8)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 30, side: 8)
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
        XCTAssertTrue(dry.standardError.contains("tiny: 6 units (0 GANs, 0 sample sets, 6 classifiers)"), dry.standardError)
        XCTAssertTrue(dry.standardOutput.contains("classifier/traditional/K4/seed2"), dry.standardOutput)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "a dry run writes nothing")

        let run = try augbench("run", protocolFile, "--output", output, "--threads", "1")
        XCTAssertEqual(run.status, 0, run.standardError)
        XCTAssertTrue(run.standardOutput.contains("original K=4"), run.standardOutput)
        XCTAssertTrue(run.standardOutput.contains("traditional K=4 vs original:"), run.standardOutput)
        try assertH5DumpReads(path(output, "run.h5"))

        try "name: tiny\ndataset: \(folder)\nsplit: {per_class: 4}\nseeds: 3\narms: [original, mixup]\n"
            .write(toFile: protocolFile, atomically: true, encoding: .utf8)
        assertFailsWithOneLine(try augbench("run", protocolFile, "--output", output), ["\(protocolFile):5:", "mixup arm is not available yet"])
    }
}
