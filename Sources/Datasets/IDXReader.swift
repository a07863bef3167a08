import CZlib
import Foundation
import Tensors

/// Reader for IDX files (MNIST, Fashion-MNIST, KMNIST, EMNIST), raw or gzip-compressed.
///
/// Layout: two zero bytes, a type byte (0x08 = unsigned byte), a rank byte, `rank` big-endian UInt32 extents,
/// then the elements. Images are rank 3 (N, H, W), labels rank 1 (N).
/// Reference: http://yann.lecun.com/exdb/mnist/ ("FILE FORMATS FOR THE MNIST DATABASE").
public enum IDXReader {
    /// A parsed IDX file of unsigned bytes.
    public struct Contents: Sendable {
        /// The extents, outermost first: [N, H, W] for images, [N] for labels.
        public let dimensions: [Int]
        /// The elements, row-major: as many bytes as the product of `dimensions`.
        public let bytes: [UInt8]
    }

    /// Reads a whole file, decompressing it when the name ends in `.gz`.
    static func readFileBytes(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw DatasetError(path, "no such file") }
        if path.hasSuffix(".gz") { return try gunzip(path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(path, "cannot read file")
        }
        return [UInt8](data)
    }

    private static func gunzip(_ path: String) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else { throw DatasetError(path, "cannot open gzip file") }
        defer { gzclose(file) }
        gzbuffer(file, 1 << 20)
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let read = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if read < 0 { break }
            if read == 0 { break }
            result.append(contentsOf: chunk[0..<Int(read)])
        }
        var errorCode: Int32 = 0
        let message = gzerror(file, &errorCode).map { String(cString: $0) } ?? ""
        if errorCode == Z_BUF_ERROR {
            throw DatasetError(path, "truncated gzip stream (unexpected end of file after \(result.count) bytes)")
        }
        if errorCode != Z_OK && errorCode != Z_STREAM_END {
            throw DatasetError(path, "corrupt gzip data: \(message)")
        }
        return result
    }

    /// Parses an IDX file of unsigned bytes with the expected rank.
    public static func read(_ path: String, expectedRank: Int) throws -> Contents {
        let raw = try readFileBytes(path)
        guard raw.count >= 4 else {
            throw DatasetError(path, "truncated IDX file: \(raw.count) bytes, too short for the 4-byte magic number")
        }
        guard raw[0] == 0, raw[1] == 0 else {
            throw DatasetError(path, String(format: "wrong magic number 0x%02x%02x%02x%02x: not an IDX file",
                                            raw[0], raw[1], raw[2], raw[3]))
        }
        guard raw[2] == 0x08 else {
            let known: [UInt8: String] = [0x09: "signed byte", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32",
                                          0x0E: "float64"]
            let kind = known[raw[2]].map { "IDX type \($0)" } ?? String(format: "unknown IDX type 0x%02x", raw[2])
            throw DatasetError(path, "\(kind) is not supported: images and labels must be unsigned bytes (0x08)")
        }
        let rank = Int(raw[3])
        guard rank == expectedRank else {
            throw DatasetError(path, "IDX rank \(rank), expected \(expectedRank) "
                               + (expectedRank == 3 ? "(images: count, height, width)" : "(labels: count)"))
        }
        let headerSize = 4 + 4 * rank
        guard raw.count >= headerSize else {
            throw DatasetError(path, "truncated IDX file: header needs \(headerSize) bytes, file has \(raw.count)")
        }
        let dimensions = (0..<rank).map { axis -> Int in
            let offset = 4 + 4 * axis
            return Int(raw[offset]) << 24 | Int(raw[offset + 1]) << 16 | Int(raw[offset + 2]) << 8 | Int(raw[offset + 3])
        }
        // Checked: a corrupt header can announce dimensions whose product overflows.
        let product = dimensions.reduce((partialValue: 1, overflow: false)) { running, d in
            running.overflow ? running : running.partialValue.multipliedReportingOverflow(by: d)
        }
        guard !product.overflow else {
            throw DatasetError(path, "IDX header announces \(dimensions.map(String.init).joined(separator: " x ")) values, more than any file holds")
        }
        let expected = product.partialValue
        let available = raw.count - headerSize
        guard available >= expected else {
            throw DatasetError(path, "truncated IDX file: header announces \(dimensions.map(String.init).joined(separator: " x ")) "
                               + "= \(expected) bytes of data, file has \(available)")
        }
        guard available == expected else {
            throw DatasetError(path, "IDX file has \(available - expected) unexpected bytes after the "
                               + "\(dimensions.map(String.init).joined(separator: " x ")) data")
        }
        return Contents(dimensions: dimensions, bytes: Array(raw[headerSize...]))
    }

    /// Loads an image file and its label file into an `ImageSet`.
    ///
    /// - Parameters:
    ///   - imagesPath: the IDX image file (`*-images-idx3-ubyte`, gzipped or not).
    ///   - labelsPath: the IDX label file with one label per image.
    ///   - transposed: EMNIST stores each image transposed; `nil` decides from the file name (`emnist-*`).
    ///   - classNames: `nil` recognises Fashion-MNIST, KMNIST and EMNIST names, digits otherwise.
    public static func load(images imagesPath: String, labels labelsPath: String, transposed: Bool? = nil,
                            classNames: [String]? = nil) throws -> ImageSet {
        let images = try read(imagesPath, expectedRank: 3)
        let labels = try read(labelsPath, expectedRank: 1)
        let (count, height, width) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
        guard labels.dimensions[0] == count else {
            throw DatasetError(labelsPath, "\(labels.dimensions[0]) labels but \(imagesPath) has \(count) images")
        }
        var pixels = images.bytes
        let shouldTranspose = transposed ?? (imagesPath as NSString).lastPathComponent.hasPrefix("emnist-")
        if shouldTranspose {
            guard height == width else {
                throw DatasetError(imagesPath, "cannot transpose non-square \(height) x \(width) images")
            }
            pixels = transposeEach(pixels, count: count, side: height)
        }
        let labelValues = labels.bytes.map(Int.init)
        let classCount = (labelValues.max() ?? 0) + 1
        let names = classNames ?? KnownClassNames.guess(path: imagesPath, classCount: classCount)
        guard names.count >= classCount else {
            throw DatasetError(labelsPath, "labels go up to \(classCount - 1) but only \(names.count) class names were given")
        }
        return try ImageSet(images: ImageSet.normalize(pixels, shape: [count, 1, height, width]),
                            labels: labelValues, classNames: names, source: imagesPath)
    }

    private static func transposeEach(_ pixels: [UInt8], count: Int, side: Int) -> [UInt8] {
        var out = pixels
        let plane = side * side
        for image in 0..<count {
            let base = image * plane
            for row in 0..<side {
                for column in 0..<side { out[base + column * side + row] = pixels[base + row * side + column] }
            }
        }
        return out
    }
}
