import CZlib
import Foundation
import XCTest

/// Locations of real data used by tests.
public enum Fixtures {
    /// Debian's `dataset-fashion-mnist` package installs the four IDX files here.
    public static let fashionMNIST = "/usr/share/datasets/fashion-mnist"

    /// The Fashion-MNIST folder; skips the test on a developer machine without it, fails under CI (where
    /// `.ci/run` installs it, so a missing copy is a broken set-up, not a reason to pass silently).
    public static func requireFashionMNIST(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        if FileManager.default.fileExists(atPath: "\(fashionMNIST)/train-images-idx3-ubyte.gz") { return fashionMNIST }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail("Fashion-MNIST is missing under CI: install Debian's dataset-fashion-mnist", file: file, line: line)
        }
        throw XCTSkip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    }

    /// Bytes of an IDX file of unsigned bytes with the given extents.
    public static func idxBytes(dimensions: [Int], data: [UInt8], typeByte: UInt8 = 0x08) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, typeByte, UInt8(dimensions.count)]
        for extent in dimensions {
            bytes += [UInt8(extent >> 24 & 0xff), UInt8(extent >> 16 & 0xff), UInt8(extent >> 8 & 0xff), UInt8(extent & 0xff)]
        }
        return bytes + data
    }

    /// Writes bytes to `path`, gzip-compressed when the name ends in `.gz`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        if path.hasSuffix(".gz") {
            guard let file = gzopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
            let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
            gzclose(file)
            guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        } else {
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                throw CocoaError(.fileWriteUnknown)
            }
        }
    }

    /// A small IDX dataset in `folder`: `count` images of `side` x `side` whose pixels encode (index, position),
    /// labels `index % classes`. Returns the pixel bytes and labels written.
    @discardableResult
    public static func writeIDXDataset(in folder: String, prefix: String = "train", count: Int, side: Int = 4,
                                       classes: Int = 3, gzip: Bool = true) throws -> (pixels: [UInt8], labels: [UInt8]) {
        let pixels = (0..<(count * side * side)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / (side * side)) }
        let labels = (0..<count).map { UInt8($0 % classes) }
        let suffix = gzip ? ".gz" : ""
        try write(idxBytes(dimensions: [count, side, side], data: pixels),
                  to: (folder as NSString).appendingPathComponent("\(prefix)-images-idx3-ubyte\(suffix)"))
        try write(idxBytes(dimensions: [count], data: labels),
                  to: (folder as NSString).appendingPathComponent("\(prefix)-labels-idx1-ubyte\(suffix)"))
        return (pixels, labels)
    }
}
