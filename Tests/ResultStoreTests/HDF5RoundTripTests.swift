import Foundation
import ResultStore
import Tensors
import TestSupport
import XCTest

final class HDF5RoundTripTests: XCTestCase {
    /// No modification times are stored: the same content written twice (a second apart) gives the same bytes,
    /// so checksums that other files record of it (a split's) survive writing it again.
    func testTheSameContentGivesTheSameBytes() throws {
        let folder = try makeTemporaryFolder()
        for name in ["a.h5", "b.h5"] {
            let writer = try HDF5File.create(path(folder, name), kind: .split)
            try writer.root.createGroup("source").setAttribute("path", "/data")
            try writer.root.write("source/indices", [Int64(3), 1, 4], shape: [3])
            try writer.root.write("weights", [Float](repeating: 0.5, count: 4096), shape: [64, 64], compression: .gzip(level: 4))
            try writer.commit()
            Thread.sleep(forTimeInterval: 1.1)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path(folder, "a.h5"))),
                       try Data(contentsOf: URL(fileURLWithPath: path(folder, "b.h5"))))
    }

    func testEverySupportedTypeRoundTripsWithShape() throws {
        let folder = try makeTemporaryFolder()
        let file = path(folder, "types.h5")
        let writer = try HDF5File.create(file, kind: .imageset)
        let floats: [Float] = [1.5, -2, .pi, 0, 1e-30, -3e38]
        let doubles: [Double] = [1.0 / 3.0, -1e300, 0, 2]
        let int32s: [Int32] = [.min, -1, 0, .max]
        let int64s: [Int64] = [.min, -1, 0, 1 << 40, .max, 7]
        let bytes: [UInt8] = (0..<24).map { UInt8($0 * 10) }
        try writer.root.write("f32", floats, shape: [2, 3])
        try writer.root.write("group/f64", doubles, shape: [4])
        try writer.root.write("i32", int32s, shape: [2, 2])
        try writer.root.write("i64", int64s, shape: [3, 2], compression: .gzip(level: 6))
        try writer.root.write("u8", bytes, shape: [2, 3, 2, 2], compression: .gzip(level: 1))
        try writer.root.write("empty", [Int64](), shape: [0])
        try writer.commit()

        let reader = try HDF5File.open(file)
        defer { reader.close() }
        XCTAssertEqual(try reader.root.read("f32", as: Float.self).values, floats)
        XCTAssertEqual(try reader.root.read("f32", as: Float.self).shape, [2, 3])
        XCTAssertEqual(try reader.root.read("group/f64", as: Double.self).values, doubles)
        XCTAssertEqual(try reader.root.read("i32", as: Int32.self).values, int32s)
        XCTAssertEqual(try reader.root.read("i64", as: Int64.self).values, int64s)
        XCTAssertEqual(try reader.root.read("i64", as: Int64.self).shape, [3, 2])
        XCTAssertEqual(try reader.root.read("u8", as: UInt8.self, rank: 4).values, bytes)
        XCTAssertEqual(try reader.root.read("empty", as: Int64.self).values, [])
        let info = try reader.root.datasetInfo("u8")
        XCTAssertEqual(info.shape, [2, 3, 2, 2])
        XCTAssertEqual(info.elementType, .uint8)
        XCTAssertEqual(Set(reader.root.memberNames()), ["f32", "group", "i32", "i64", "u8", "empty"])
        XCTAssertTrue(reader.root.isDataset("f32"))
        XCTAssertFalse(reader.root.isDataset("group"))
    }

    func testLargeCompressedTensorRoundTrips() throws {
        let file = path(try makeTemporaryFolder(), "tensor.h5")
        var tensor = Tensor(shape: [500, 1, 28, 28])
        var generator = RandomGenerator(seed: 1)
        generator.fillNormal(&tensor)
        let writer = try HDF5File.create(file, kind: .imageset)
        try writer.root.write("x", tensor, compression: .gzip(level: 4))
        try writer.commit()
        let reader = try HDF5File.open(file)
        XCTAssertEqual(try reader.root.readTensor("x", shape: [500, 1, 28, 28]), tensor)
        assertThrowsMessage(["shape [500, 1, 28, 28]", "expected [500, 784]"]) { try reader.root.readTensor("x", shape: [500, 784]) }
        reader.close()
    }

    func testAttributesOfEveryKindOnGroupsAndDatasets() throws {
        let file = path(try makeTemporaryFolder(), "attributes.h5")
        let writer = try HDF5File.create(file, kind: .imageset)
        try writer.root.write("data", [Float(1)], shape: [1])
        try writer.root.setAttribute("name", "Fashion-MNIST ✓")
        try writer.root.setAttribute("classes", ["T-shirt/top", "Trouser", ""])
        try writer.root.setAttribute("seed", Int64(42))
        try writer.root.setAttribute("range", [-1.0, 1.0], on: "data")
        try writer.root.setAttribute("scale", Float(0.5), on: "data")
        try writer.root.setAttribute("seed", Int64(43))  // replaces
        let sub = try writer.root.createGroup("a/b")
        try sub.setAttribute("note", "nested")
        try writer.commit()

        let reader = try HDF5File.open(file)
        defer { reader.close() }
        XCTAssertEqual(try reader.root.stringAttribute("name"), "Fashion-MNIST ✓")
        XCTAssertEqual(try reader.root.stringArrayAttribute("classes"), ["T-shirt/top", "Trouser", ""])
        XCTAssertEqual(try reader.root.attribute("seed", as: Int64.self), 43)
        XCTAssertEqual(try reader.root.attribute("seed", as: Double.self), 43)  // numeric conversion is allowed
        XCTAssertEqual(try reader.root.arrayAttribute("range", as: Double.self, on: "data"), [-1, 1])
        XCTAssertEqual(try reader.root.attribute("scale", as: Float.self, on: "data"), 0.5)
        XCTAssertEqual(try reader.root.group("a/b").stringAttribute("note"), "nested")
        XCTAssertEqual(try reader.root.stringAttribute("augbench_version"), AugBenchVersion.current)
        XCTAssertEqual(try reader.root.attribute("augbench_format_version", as: Int64.self), AugBenchVersion.fileFormat)
        XCTAssertEqual(reader.kind, .imageset)
        assertThrowsMessage(["no attribute 'missing'"]) { try reader.root.stringAttribute("missing") }
        assertThrowsMessage(["'seed'", "expected a string"]) { try reader.root.stringAttribute("seed") }
        assertThrowsMessage(["'name'", "expected a number"]) { try reader.root.attribute("name", as: Int64.self) }
    }

    func testTypeAndRankChecksNameTheFileAndDataset() throws {
        let file = path(try makeTemporaryFolder(), "checks.h5")
        let writer = try HDF5File.create(file, kind: .imageset)
        try writer.root.write("doubles", [1.0, 2.0], shape: [2])
        try writer.root.write("matrix", [Float](repeating: 0, count: 6), shape: [2, 3])
        try writer.commit()
        let reader = try HDF5File.open(file)
        defer { reader.close() }
        assertThrowsMessage([file, "/doubles", "float64", "expected float32"]) { try reader.root.read("doubles", as: Float.self) }
        assertThrowsMessage([file, "/matrix", "rank 2", "expected rank 3"]) { try reader.root.read("matrix", as: Float.self, rank: 3) }
        assertThrowsMessage([file, "no dataset /nothing"]) { try reader.root.read("nothing", as: Float.self) }
        XCTAssertEqual(try reader.root.readConverting("doubles", as: Float.self).values, [1, 2])
    }

    func testWritingTwiceOrWithWrongShapeFails() throws {
        let writer = try HDF5File.create(path(try makeTemporaryFolder(), "w.h5"), kind: .imageset)
        try writer.root.write("x", [Int32(1), 2], shape: [2])
        assertThrowsMessage(["already exists"]) { try writer.root.write("x", [Int32(1)], shape: [1]) }
        assertThrowsMessage(["3 values do not fill shape [2, 2]"]) { try writer.root.write("y", [Int32(1), 2, 3], shape: [2, 2]) }
        writer.discard()
    }
}
