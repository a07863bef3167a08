import Foundation
import TestSupport
import XCTest

final class DataCommandTests: CLITestCase {
    func testEveryCommandExplainsItselfWithAnExample() throws {
        for command in [["data", "info"], ["data", "split"], ["data", "export"], ["data", "grid"], ["train"], ["bench"],
                        ["augment"], ["augment", "preview"], ["augment", "expand"], ["gan", "train"], ["gan", "sample"], ["run"], ["extractor", "train"],
                        ["metrics"], ["metrics", "compare"], ["metrics", "cas"], []] {
            let result = try augbench(arguments: command + ["--help"])
            XCTAssertEqual(result.status, 0, "\(command)")
            XCTAssertTrue(result.standardOutput.contains("Example"), "help of '\(command.joined(separator: " "))' has no example")
        }
    }

    func testInfoSplitExportAndGridOnASmallDataset() throws {
        let data = try makeTemporaryFolder(), out = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: data, count: 30, classes: 3)
        try Fixtures.writeIDXDataset(in: data, prefix: "t10k", count: 6, classes: 3)

        let info = try augbench("data", "info", data)
        XCTAssertEqual(info.status, 0, info.standardError)
        XCTAssertTrue(info.standardOutput.contains("images:   30 x 1 x 4 x 4"), info.standardOutput)
        XCTAssertTrue(info.standardOutput.contains("classes:  3"))

        let split = path(out, "split.h5")
        let made = try augbench("data", "split", "--data", data, "--per-class", "4", "--validation-per-class", "2",
                                "--minority", "1:2", "--seed", "5", "--output", split)
        XCTAssertEqual(made.status, 0, made.standardError)
        try assertH5DumpReads(split)
        // A zero-image IDX pair is described as empty (it printed min inf, max -inf).
        let empty = try makeTemporaryFolder()
        try Fixtures.write(Fixtures.idxBytes(dimensions: [0, 28, 28], data: []), to: path(empty, "train-images-idx3-ubyte"))
        try Fixtures.write(Fixtures.idxBytes(dimensions: [0], data: []), to: path(empty, "train-labels-idx1-ubyte"))
        let described0 = try augbench("data", "info", empty)
        XCTAssertEqual(described0.status, 0, described0.standardError)
        XCTAssertTrue(described0.standardOutput.contains("pixels:   none (the set holds no images)"), described0.standardOutput)
        XCTAssertFalse(described0.standardOutput.contains("inf"), described0.standardOutput)
        // A minority class the data does not have: one line naming the data, not the usage text of every command.
        let missing = try augbench("data", "split", "--data", data, "--per-class", "4", "--minority", "99:5", "--output", path(out, "bad.h5"))
        assertFailsWithOneLine(missing, [data, "--minority names class 99, the data has classes 0...2"])
        XCTAssertFalse(missing.standardError.contains("Usage:"), missing.standardError)
        let described = try augbench("data", "info", split)
        XCTAssertTrue(described.standardOutput.contains("imbalanced, seed 5"), described.standardOutput)
        XCTAssertTrue(described.standardOutput.contains("train:    10 images"), described.standardOutput)

        let exported = path(out, "data.h5")
        XCTAssertEqual(try augbench("data", "export", "--data", data, "--output", exported).status, 0)
        try assertH5DumpReads(exported)
        let reread = try augbench("data", "info", exported, "--subset", "test")
        XCTAssertTrue(reread.standardOutput.contains("images:   6 x 1 x 4 x 4"), reread.standardOutput)

        let pngFolder = path(out, "png")
        XCTAssertEqual(try augbench("data", "export", "--data", exported, "--subset", "train", "--format", "png", "--output", pngFolder).status, 0)
        XCTAssertTrue(try augbench("data", "info", pngFolder).standardOutput.contains("images:   30 x 1 x 4 x 4"))

        let grid = path(out, "grid.png")
        XCTAssertEqual(try augbench("data", "grid", data, "--per-class", "3", "--output", grid).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: grid))
    }

    func testQuietSilencesLogsButNotErrors() throws {
        let data = try makeTemporaryFolder(), out = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: data, count: 30, classes: 3)
        let loud = try augbench("data", "split", "--data", data, "--per-class", "2", "--test-per-class", "2", "--output", path(out, "a.h5"))
        XCTAssertTrue(loud.standardError.contains("wrote"), loud.standardError)
        let quiet = try augbench("data", "split", "--data", data, "--per-class", "2", "--test-per-class", "2", "--quiet", "--output", path(out, "b.h5"))
        XCTAssertEqual(quiet.status, 0)
        XCTAssertEqual(quiet.standardError, "")
        let failing = try augbench("data", "split", "--data", data, "--per-class", "20", "--test-per-class", "2", "--quiet", "--output", path(out, "c.h5"))
        assertFailsWithOneLine(failing, ["has 10 images"])
    }

    /// Each bad input: one line naming the file, a non-zero exit, and an existing output left as it was.
    func testBadInputsLeaveExistingOutputUntouched() throws {
        let data = try makeTemporaryFolder(), out = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: data, count: 30, classes: 3)
        try Fixtures.writeIDXDataset(in: data, prefix: "t10k", count: 6, classes: 3)
        let output = path(out, "split.h5")
        XCTAssertEqual(try augbench("data", "split", "--data", data, "--per-class", "2", "--output", output).status, 0)
        let original = try Data(contentsOf: URL(fileURLWithPath: output))
        let export = path(out, "export.h5")
        XCTAssertEqual(try augbench("data", "export", "--data", data, "--output", export).status, 0)
        let originalExport = try Data(contentsOf: URL(fileURLWithPath: export))

        let images = path(data, "train-images-idx3-ubyte.gz")
        let good = try Data(contentsOf: URL(fileURLWithPath: images))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: images))
        assertFailsWithOneLine(try augbench("data", "split", "--data", data, "--per-class", "2", "--output", output), [images, "truncated"])
        assertFailsWithOneLine(try augbench("data", "export", "--data", data, "--output", export), [images, "truncated"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)), original)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: export)), originalExport)

        // The split made from the good file now refuses the changed source.
        try good.write(to: URL(fileURLWithPath: images))
        let labels = path(data, "train-labels-idx1-ubyte.gz")
        try Fixtures.write(Fixtures.idxBytes(dimensions: [30], data: [UInt8](repeating: 2, count: 30)), to: labels)
        assertFailsWithOneLine(try augbench("data", "info", output), [output, "changed since the split was made"])

        assertFailsWithOneLine(try augbench("data", "info", path(data, "missing")), ["missing", "no such file or folder"])
        assertFailsWithOneLine(try augbench("data", "split", "--data", data, "--per-class", "0", "--output", output), ["--per-class"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)), original)
    }

    /// A zero-image IDX pair reads (data info says it holds none), but grids, previews and extractors refuse it with one
    /// line instead of trapping (grid, preview) or "training" to accuracy 0 with exit 0 (extractor).
    func testAZeroImageDatasetIsRefusedWhereImagesAreNeeded() throws {
        let data = try makeTemporaryFolder(), out = try makeTemporaryFolder()
        for prefix in ["train", "t10k"] {
            try Fixtures.write(Fixtures.idxBytes(dimensions: [0, 28, 28], data: []), to: path(data, "\(prefix)-images-idx3-ubyte"))
            try Fixtures.write(Fixtures.idxBytes(dimensions: [0], data: []), to: path(data, "\(prefix)-labels-idx1-ubyte"))
        }
        XCTAssertEqual(try augbench("data", "info", data).status, 0)
        assertFailsWithOneLine(try augbench("data", "grid", data, "--output", path(out, "g.png")), ["holds no images", "a grid"])
        assertFailsWithOneLine(try augbench("augment", "preview", data, "--augment", "rotate=5", "--output", path(out, "p.png")),
                               ["holds no images", "a preview"])
        assertFailsWithOneLine(try augbench("extractor", "train", "--data", data, "--epochs", "1", "--output", path(out, "e.h5")),
                               ["holds no images", "training an extractor"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path(out, "e.h5")))
    }
}
