import Datasets
import Foundation
import TestSupport
import XCTest

final class IDXReaderTests: XCTestCase {
    func testReadsRawAndGzipFilesIdentically() throws {
        let raw = try makeTemporaryFolder(), gz = try makeTemporaryFolder()
        let written = try Fixtures.writeIDXDataset(in: raw, count: 12, side: 5, classes: 4, gzip: false)
        try Fixtures.writeIDXDataset(in: gz, count: 12, side: 5, classes: 4, gzip: true)
        let a = try DatasetSource.resolve(raw).load()
        let b = try DatasetSource.resolve(gz).load()
        XCTAssertEqual(a.images, b.images)
        XCTAssertEqual(a.labels, b.labels)
        XCTAssertEqual(a.images.shape, [12, 1, 5, 5])
        XCTAssertEqual(a.labels, written.labels.map(Int.init))
        XCTAssertEqual(a.classNames, ["0", "1", "2", "3"])
        // v / 127.5 - 1, elementwise, in Float32 as PyTorch computes it.
        XCTAssertEqual(a.images.storage, written.pixels.map { Float($0) / 127.5 - 1 })
    }

    func testEMNISTImagesAreTransposedAndNamedFromTheMapping() throws {
        let folder = try makeTemporaryFolder()
        let pixels: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        try Fixtures.write(Fixtures.idxBytes(dimensions: [1, 3, 3], data: pixels),
                           to: path(folder, "emnist-letters-train-images-idx3-ubyte.gz"))
        try Fixtures.write(Fixtures.idxBytes(dimensions: [1], data: [2]), to: path(folder, "emnist-letters-train-labels-idx1-ubyte.gz"))
        try "0 63\n1 65\n2 66\n".write(toFile: path(folder, "emnist-letters-mapping.txt"), atomically: true, encoding: .utf8)
        let set = try DatasetSource.resolve(path(folder, "emnist-letters-train-images-idx3-ubyte.gz")).load()
        XCTAssertEqual(set.images.storage, [1, 4, 7, 2, 5, 8, 3, 6, 9].map { Float($0) / 127.5 - 1 })
        XCTAssertEqual(set.classNames, ["?", "A", "B"])
    }

    func testTruncatedPlainFile() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, count: 10, gzip: false)
        let images = path(folder, "train-images-idx3-ubyte")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: images))
        try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: images))
        assertThrowsMessage([images, "truncated IDX file", "10 x 4 x 4 = 160 bytes", "file has 155"]) {
            try DatasetSource.resolve(folder).load()
        }
        try bytes.prefix(10).write(to: URL(fileURLWithPath: images))
        assertThrowsMessage([images, "truncated IDX file: header needs 16 bytes"]) { try DatasetSource.resolve(folder).load() }
        // Dimensions whose product overflows (it trapped): an error naming the file.
        try Data(Fixtures.idxBytes(dimensions: [4_000_000_000, 60_000, 60_000], data: [UInt8](repeating: 0, count: 16))).write(to: URL(fileURLWithPath: images))
        assertThrowsMessage([images, "announces 4000000000 x 60000 x 60000 values"]) { try DatasetSource.resolve(folder).load() }
    }

    func testTruncatedGzipFile() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, count: 200, side: 10, gzip: true)
        let images = path(folder, "train-images-idx3-ubyte.gz")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: images))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: images))
        assertThrowsMessage([images, "truncated"]) { try DatasetSource.resolve(folder).load() }
    }

    func testWrongMagicTypeAndRank() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, count: 3, gzip: false)
        let images = path(folder, "train-images-idx3-ubyte")
        try Fixtures.write([0x50, 0x4b, 0x03, 0x04] + [UInt8](repeating: 0, count: 60), to: images)
        assertThrowsMessage([images, "wrong magic number 0x504b0304"]) { try DatasetSource.resolve(folder).load() }
        try Fixtures.write(Fixtures.idxBytes(dimensions: [3, 4, 4], data: [UInt8](repeating: 0, count: 192), typeByte: 0x0D), to: images)
        assertThrowsMessage([images, "IDX type float32 is not supported"]) { try DatasetSource.resolve(folder).load() }
        try Fixtures.write(Fixtures.idxBytes(dimensions: [3, 16], data: [UInt8](repeating: 0, count: 48)), to: images)
        assertThrowsMessage([images, "IDX rank 2, expected 3"]) { try DatasetSource.resolve(folder).load() }
    }

    func testImageLabelCountMismatch() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, count: 5, gzip: true)
        let labels = path(folder, "train-labels-idx1-ubyte.gz")
        try Fixtures.write(Fixtures.idxBytes(dimensions: [4], data: [0, 1, 2, 0]), to: labels)
        assertThrowsMessage([labels, "4 labels but", "has 5 images"]) { try DatasetSource.resolve(folder).load() }
    }

    func testTrailingBytesAreRejected() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, count: 2, gzip: false)
        let labels = path(folder, "train-labels-idx1-ubyte")
        try Fixtures.write(Fixtures.idxBytes(dimensions: [2], data: [0, 1, 9]), to: labels)
        assertThrowsMessage([labels, "1 unexpected bytes"]) { try DatasetSource.resolve(folder).load() }
    }

    func testMissingFilesAndSubsets() throws {
        let folder = try makeTemporaryFolder()
        assertThrowsMessage(["nowhere", "no such file or folder"]) { try DatasetSource.resolve(path(folder, "nowhere")) }
        try Fixtures.writeIDXDataset(in: folder, count: 3)
        assertThrowsMessage([folder, "no IDX test images"]) { try DatasetSource.resolve(folder, subset: .test) }
        try FileManager.default.removeItem(atPath: path(folder, "train-labels-idx1-ubyte.gz"))
        assertThrowsMessage(["no label file beside it"]) { try DatasetSource.resolve(folder) }
    }

    func testTestSubsetIsFoundByT10kOrTestPrefix() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, count: 6)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 3)
        let source = try DatasetSource.resolve(folder)
        XCTAssertTrue(source.hasTestSubset)
        XCTAssertEqual(try source.withSubset(.test).load().count, 3)
    }

    /// One IDX file is the set it holds, whatever its name says; it has no test subset to ask for.
    func testASingleFileIsTheSetItHolds() throws {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, count: 6)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 3)
        let testFile = try DatasetSource.resolve(path(folder, "t10k-images-idx3-ubyte.gz"), defaultSubset: .test)
        XCTAssertTrue(testFile.isSingleSet)
        XCTAssertFalse(testFile.hasTestSubset)
        XCTAssertEqual(try testFile.load().count, 3)
        XCTAssertFalse(testFile.description.contains("(train)"), testFile.description)
        XCTAssertEqual(try DatasetSource.resolve(path(folder, "train-images-idx3-ubyte.gz")).load().count, 6)
        XCTAssertThrowsError(try DatasetSource.resolve(path(folder, "train-images-idx3-ubyte.gz"), subset: .test)) {
            XCTAssertTrue("\($0)".contains("holds one set"), "\($0)")
        }
    }
}
