import Foundation
import ResultStore
import TestSupport
import XCTest

final class AtomicWriteTests: XCTestCase {
    func testFileAppearsOnlyOnCommit() throws {
        let file = path(try makeTemporaryFolder(), "sub/dir/out.h5")
        let writer = try HDF5File.create(file, kind: .imageset)
        try writer.root.write("x", [Float(1)], shape: [1])
        XCTAssertFalse(FileManager.default.fileExists(atPath: file), "file visible under its final name before commit")
        try writer.commit()
        XCTAssertTrue(FileManager.default.fileExists(atPath: file))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (file as NSString).deletingLastPathComponent)
        XCTAssertEqual(leftovers, ["out.h5"])
    }

    func testAbandonedWriteLeavesExistingFileUntouched() throws {
        let file = path(try makeTemporaryFolder(), "out.h5")
        let first = try HDF5File.create(file, kind: .imageset)
        try first.root.setAttribute("generation", Int64(1))
        try first.commit()
        let before = try Data(contentsOf: URL(fileURLWithPath: file))

        do {
            let second = try HDF5File.create(file, kind: .imageset)
            try second.root.setAttribute("generation", Int64(2))
            _ = second  // dropped without commit, as when an error is thrown half-way
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), before)
        let reader = try HDF5File.open(file)
        XCTAssertEqual(try reader.root.attribute("generation", as: Int64.self), 1)
        reader.close()
    }

    func testUpdateAddsToACopyAndReplacesOnCommit() throws {
        let file = path(try makeTemporaryFolder(), "out.h5")
        let first = try HDF5File.create(file, kind: .imageset)
        try first.root.write("unit0", [Float(0)], shape: [1])
        try first.commit()

        let abandoned = try HDF5File.update(file)
        try abandoned.root.write("unit1", [Float(9)], shape: [1])
        abandoned.discard()
        XCTAssertFalse(try HDF5File.open(file).root.contains("unit1"))

        let update = try HDF5File.update(file)
        try update.root.write("unit1", [Float(1)], shape: [1])
        try update.commit()
        let reader = try HDF5File.open(file)
        XCTAssertEqual(try reader.root.read("unit0", as: Float.self).values, [0])
        XCTAssertEqual(try reader.root.read("unit1", as: Float.self).values, [1])
        reader.close()
    }

    func testOpenErrorsAreOneLine() throws {
        let folder = try makeTemporaryFolder()
        assertThrowsMessage(["missing.h5", "no such file"]) { try HDF5File.open(path(folder, "missing.h5")) }
        let text = path(folder, "text.h5")
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        assertThrowsMessage(["text.h5", "not an HDF5 file"]) { try HDF5File.open(text) }
    }

    func testRequireKindChecksKindAndVersion() throws {
        let file = path(try makeTemporaryFolder(), "k.h5")
        let writer = try HDF5File.create(file, kind: .split)
        try writer.commit()
        let reader = try HDF5File.open(file)
        XCTAssertNoThrow(try reader.requireKind(.split))
        assertThrowsMessage(["'split' file, expected a 'gan-checkpoint' file"]) { try reader.requireKind(.ganCheckpoint) }
        reader.close()

        let future = try HDF5File.update(file)
        try future.root.setAttribute("augbench_format_version", AugBenchVersion.fileFormat + 1)
        try future.commit()
        let newer = try HDF5File.open(file)
        assertThrowsMessage(["newer than this AugBench reads"]) { try newer.requireKind(.split) }
        newer.close()
    }
}
