import Foundation
import TestSupport
import XCTest

final class MetricsCommandTests: CLITestCase {
    /// Brightness-coded classes in 8 x 8 images (train and test subsets).
    private func makeData(_ folder: String, shift: Int = 0) throws {
        for (prefix, count) in [("train", 60), ("t10k", 30)] {
            let labels = (0..<count).map { UInt8($0 % 3) }
            let pixels: [UInt8] = (0..<(count * 64)).map { i -> UInt8 in
                let brightness: Int = Int(labels[i / 64]) * 90 + (i * 7 + shift) % 50
                return UInt8(min(255, brightness))
            }
            try Fixtures.write(Fixtures.idxBytes(dimensions: [count, 8, 8], data: pixels), to: path(folder, "\(prefix)-images-idx3-ubyte.gz"))
            try Fixtures.write(Fixtures.idxBytes(dimensions: [count], data: labels), to: path(folder, "\(prefix)-labels-idx1-ubyte.gz"))
        }
    }

    func testExtractorTrainingMetricsAndCompare() throws {
        let data = try makeTemporaryFolder(), other = try makeTemporaryFolder(), out = try makeTemporaryFolder()
        try makeData(data)
        try makeData(other, shift: 17)
        let extractor = path(out, "tiny-extractor.h5")
        let trained = try augbench("extractor", "train", "--data", data, "--epochs", "1", "--threads", "1", "--output", extractor)
        XCTAssertEqual(trained.status, 0, trained.standardError)
        XCTAssertTrue(trained.standardOutput.contains("test accuracy"), trained.standardOutput)
        try assertH5DumpReads(extractor)

        let environment = ["AUGBENCH_CACHE": path(out, "cache")]
        func metrics(_ generated: String, _ output: String, extractorFile: String = extractor) throws -> ProcessResult {
            try ProcessRunner.run(Self.executable, ["metrics", "--real", data, "--generated", generated, "--extractor", extractorFile,
                                                    "--kid-subsets", "5", "--threads", "1", "--output", output], environment: environment)
        }
        let same = try metrics(data, path(out, "same.h5"))
        XCTAssertEqual(same.status, 0, same.standardError)
        for line in ["FID", "KID", "IS", "precision", "density"] { XCTAssertTrue(same.standardOutput.contains(line), same.standardOutput) }
        XCTAssertTrue(same.standardError.contains("KID subset size reduced"), same.standardError)
        try assertH5DumpReads(path(out, "same.h5"))
        let info = try augbench("data", "info", path(out, "same.h5"))
        XCTAssertTrue(info.standardOutput.contains("kind:     metrics") && info.standardOutput.contains("@fid = "), info.standardOutput)
        // The second run on the same data reads its features from the cache.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path(out, "cache")).count, 2)
        let shifted = try metrics(other, path(out, "shifted.h5"))
        XCTAssertEqual(shifted.status, 0, shifted.standardError)
        XCTAssertEqual(try augbench("metrics", "compare", path(out, "same.h5"), path(out, "shifted.h5")).status, 0)

        let cas = try augbench("metrics", "cas", "--generated", other, "--real", data, "--epochs", "2", "--threads", "1")
        XCTAssertEqual(cas.status, 0, cas.standardError)
        XCTAssertTrue(cas.standardOutput.hasPrefix("CAS "), cas.standardOutput)

        // Another extractor's numbers are refused side by side.
        let second = path(out, "second-extractor.h5")
        XCTAssertEqual(try augbench("extractor", "train", "--data", data, "--epochs", "1", "--seed", "1", "--threads", "1",
                                    "--output", second).status, 0)
        XCTAssertEqual(try metrics(other, path(out, "second.h5"), extractorFile: second).status, 0)
        assertFailsWithOneLine(try augbench("metrics", "compare", path(out, "same.h5"), path(out, "second.h5")),
                               ["different extractors are not comparable"])
    }
}
