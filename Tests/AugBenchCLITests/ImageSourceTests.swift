import Datasets
import Foundation
import TestSupport
import XCTest

/// Every command that reads images takes the same four forms of a set with the same meaning: one IDX image file,
/// an IDX folder with a subset option, an HDF5 image set and a folder of class folders of PNGs.
final class ImageSourceTests: CLITestCase {
    func testTheFourFormsOfOneSetMeanTheSameImagesInEveryCommand() throws {
        let data = try makeTemporaryFolder(), out = try makeTemporaryFolder()
        for (prefix, count) in [("train", 60), ("t10k", 30)] {
            let labels = (0..<count).map { UInt8($0 % 3) }
            let pixels = (0..<(count * 64)).map { UInt8(min(255, Int(labels[$0 / 64]) * 90 + ($0 * 7 + count) % 50)) }
            try Fixtures.write(Fixtures.idxBytes(dimensions: [count, 8, 8], data: pixels), to: path(data, "\(prefix)-images-idx3-ubyte.gz"))
            try Fixtures.write(Fixtures.idxBytes(dimensions: [count], data: labels), to: path(data, "\(prefix)-labels-idx1-ubyte.gz"))
        }
        // The test images in four forms.
        let idxFile = path(data, "t10k-images-idx3-ubyte.gz"), hdf5 = path(out, "test.h5"), png = path(out, "test-png")
        XCTAssertEqual(try augbench("data", "export", "--data", idxFile, "--output", hdf5, "-q").status, 0)
        XCTAssertEqual(try augbench("data", "export", "--data", idxFile, "--format", "png", "--output", png, "-q").status, 0)
        let forms: [(name: String, path: String, subset: [String])] = [
            ("idx-file", idxFile, []), ("idx-folder", data, ["test"]), ("hdf5", hdf5, []), ("png", png, []),
        ]
        let extractor = path(out, "extractor.h5")
        XCTAssertEqual(try augbench("extractor", "train", "--data", data, "--epochs", "1", "--threads", "1", "--output", extractor, "-q").status, 0)
        let split = path(out, "split.h5")
        XCTAssertEqual(try augbench("data", "split", "--data", data, "--per-class", "5", "--output", split, "-q").status, 0)

        var seen: [String: [String]] = [:]
        func record(_ key: String, _ value: String) { seen[key, default: []].append(value) }
        for form in forms {
            func subset(_ option: String) -> [String] { form.subset.isEmpty ? [] : [option] + form.subset }
            let info = try augbench(arguments: ["data", "info", form.path] + subset("--subset"))
            XCTAssertEqual(info.status, 0, "\(form.name): \(info.standardError)")
            XCTAssertTrue(info.standardOutput.contains("images:   30 x 1 x 8 x 8"), "\(form.name): \(info.standardOutput)")
            record("data info pixels", info.standardOutput.split(separator: "\n").filter { $0.hasPrefix("pixels:") }.joined())

            let grid = path(out, "\(form.name)-grid.png")
            XCTAssertEqual(try augbench(arguments: ["data", "grid", form.path, "--per-class", "4", "--output", grid] + subset("--subset")).status, 0)
            record("data grid", try Data(contentsOf: URL(fileURLWithPath: grid)).base64EncodedString())

            let preview = path(out, "\(form.name)-preview.png")
            let previewed = try augbench(arguments: ["augment", "preview", form.path, "--augment", "traditional", "--output", preview] + subset("--subset"))
            XCTAssertEqual(previewed.status, 0, "\(form.name): \(previewed.standardError)")
            record("augment preview", try Data(contentsOf: URL(fileURLWithPath: preview)).base64EncodedString())

            let metrics = try augbench(arguments: ["metrics", "--real", data, "--real-subset", "train", "--generated", form.path, "--extractor",
                                                   extractor, "--kid-subsets", "3", "--no-cache", "--threads", "1", "--output",
                                                   path(out, "\(form.name)-metrics.h5"), "-q"] + subset("--generated-subset"))
            XCTAssertEqual(metrics.status, 0, "\(form.name): \(metrics.standardError)")
            record("metrics --generated", metrics.standardOutput.split(separator: "\n").filter { $0.hasPrefix("FID ") }.joined())
            let asReal = try augbench(arguments: ["metrics", "--real", form.path, "--generated", data, "--extractor", extractor, "--kid-subsets",
                                                  "3", "--no-cache", "--threads", "1", "--output", path(out, "\(form.name)-real.h5"), "-q"]
                                      + subset("--real-subset"))
            XCTAssertEqual(asReal.status, 0, "\(form.name): \(asReal.standardError)")
            record("metrics --real", asReal.standardOutput.split(separator: "\n").filter { $0.hasPrefix("FID ") }.joined())

            let formSplit = path(out, "\(form.name)-split.h5")
            let splitMade = try augbench(arguments: ["data", "split", "--data", form.path, "--per-class", "3", "--test-per-class", "2",
                                                     "--output", formSplit, "-q"] + subset("--subset"))
            XCTAssertEqual(splitMade.status, 0, "\(form.name): \(splitMade.standardError)")
            // Indices differ (a PNG folder lists its images class by class); the images drawn must not.
            let drawn = try SplitFile.read(formSplit).load()
            func content(_ set: ImageSet) -> String {
                let inner = set.imageShape.reduce(1, *)
                return set.labels.indices.map { "\(set.labels[$0]):\(set.images.storage[($0 * inner)..<(($0 + 1) * inner)].map(\.bitPattern))" }
                    .sorted().joined(separator: ";")
            }
            record("data split", content(drawn.train) + "|" + content(drawn.test))

            let cas = try augbench(arguments: ["metrics", "cas", "--generated", data, "--real", form.path, "--epochs", "1", "--threads", "1", "-q"]
                                   + subset("--real-subset"))
            XCTAssertEqual(cas.status, 0, "\(form.name): \(cas.standardError)")
            record("metrics cas --real", cas.standardOutput)

            if form.subset.isEmpty {
                // A sample set for the mixed arm: the synthetic images' labels and pixels are the same in each form.
                let trained = try augbench("train", "--split", split, "--synthetic", form.path, "--ratio", "1", "--epochs", "1",
                                           "--threads", "1", "--output", path(out, "\(form.name)-train.h5"))
                XCTAssertEqual(trained.status, 0, "\(form.name): \(trained.standardError)")
                record("train --synthetic", String(trained.standardOutput.prefix { $0 != ">" }))
            }
        }
        for (command, values) in seen {
            XCTAssertEqual(Set(values).count, 1, "\(command) differs between the forms: \(values)")
        }
        // A single set has no test subset to ask for: an error, not the same images again.
        assertFailsWithOneLine(try augbench("data", "info", idxFile, "--subset", "test"), [idxFile, "holds one set"])
        assertFailsWithOneLine(try augbench("data", "info", hdf5, "--subset", "test"), [hdf5, "holds one set"])
        // A split of a test subset cannot use that subset as its evaluation set too.
        assertFailsWithOneLine(try augbench("data", "split", "--data", data, "--subset", "test", "--per-class", "3", "--output",
                                            path(out, "overlap.h5")), ["--test-per-class"])
    }
}
