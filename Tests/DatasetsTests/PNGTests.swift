import CPNG
import Datasets
import Foundation
import Tensors
import TestSupport
import XCTest

final class PNGTests: XCTestCase {
    func testGrayAndRGBRoundTrip() throws {
        let folder = try makeTemporaryFolder()
        let gray = PNGImage(width: 3, height: 2, channels: 1, pixels: [0, 50, 100, 150, 200, 255])
        try gray.write(path(folder, "gray.png"))
        XCTAssertEqual(try PNGImage.read(path(folder, "gray.png")), gray)
        let rgb = PNGImage(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 1, 2, 3])
        try rgb.write(path(folder, "rgb.png"))
        XCTAssertEqual(try PNGImage.read(path(folder, "rgb.png")), rgb)
    }

    func testFolderOfClassFoldersLoadsInSortedOrder() throws {
        let root = try makeTemporaryFolder()
        let images: [(String, String, UInt8)] = [("cat", "b.png", 10), ("cat", "a.png", 20), ("dog", "x.png", 30)]
        for (label, name, value) in images {
            try PNGImage(width: 2, height: 2, channels: 1, pixels: [UInt8](repeating: value, count: 4)).write(path(root, label, name))
        }
        let set = try DatasetSource.resolve(root).load()
        XCTAssertEqual(set.classNames, ["cat", "dog"])
        XCTAssertEqual(set.labels, [0, 0, 1])
        XCTAssertEqual(set.images.shape, [3, 1, 2, 2])
        XCTAssertEqual(set.images.storage.first, Float(20) / 127.5 - 1)  // a.png before b.png
        XCTAssertEqual(try DatasetSource.resolve(root).format, .pngFolder)
    }

    func testExportedFolderReadsBackWithTheSamePixels() throws {
        let root = path(try makeTemporaryFolder(), "out")
        let bytes = (0..<(4 * 3 * 5 * 5)).map { UInt8(truncatingIfNeeded: $0 * 13) }
        let set = try ImageSet(images: ImageSet.normalize(bytes, shape: [4, 3, 5, 5]), labels: [1, 0, 1, 0],
                               classNames: ["T-shirt/top", "Bag"], source: "test")
        try PNGFolderReader.write(set, to: root)
        let back = try DatasetSource.resolve(root).load()
        XCTAssertEqual(back.classNames, ["Bag", "T-shirt_top"])  // folder names, sorted as torchvision's ImageFolder does
        XCTAssertEqual(back.images.storage.count, set.images.storage.count)
        // "Bag" (label 1: images 0 and 2) sorts before "T-shirt_top" (label 0: images 1 and 3).
        XCTAssertEqual(back.images.slice(0..<2), set.images.gathering([0, 2]))
        XCTAssertEqual(back.images.slice(2..<4), set.images.gathering([1, 3]))
    }

    func testNonPNGAndMismatchedSizesAreOneLineErrors() throws {
        let root = try makeTemporaryFolder()
        try PNGImage(width: 2, height: 2, channels: 1, pixels: [0, 0, 0, 0]).write(path(root, "a", "1.png"))
        try "not a png".write(toFile: path(root, "a", "2.png"), atomically: true, encoding: .utf8)
        assertThrowsMessage([path(root, "a", "2.png"), "not a readable PNG file"]) { try DatasetSource.resolve(root).load() }

        try PNGImage(width: 3, height: 2, channels: 1, pixels: [UInt8](repeating: 0, count: 6)).write(path(root, "a", "2.png"))
        assertThrowsMessage([path(root, "a", "2.png"), "is 3x2", "2x2", "one size"]) { try DatasetSource.resolve(root).load() }

        try PNGImage(width: 2, height: 2, channels: 3, pixels: [UInt8](repeating: 0, count: 12)).write(path(root, "a", "2.png"))
        assertThrowsMessage([path(root, "a", "2.png"), "RGB", "grayscale"]) { try DatasetSource.resolve(root).load() }

        let empty = try makeTemporaryFolder()
        assertThrowsMessage([empty, "has no class sub-folders"]) { try DatasetSource.resolve(empty).load() }
    }

    func testRGBAImagesAreReadAsRGB() throws {
        let file = path(try makeTemporaryFolder(), "rgba.png")
        var image = augbench_png_image_new()
        image.width = 1
        image.height = 1
        image.format = augbench_png_format_rgba()
        let pixel: [UInt8] = [10, 20, 30, 255]
        XCTAssertNotEqual(pixel.withUnsafeBytes { png_image_write_to_file(&image, file, 0, $0.baseAddress, 4, nil) }, 0)
        let read = try PNGImage.read(file)
        XCTAssertEqual(read.channels, 3)
        XCTAssertEqual(read.pixels, [10, 20, 30])
    }

    func testGridPlacesImagesRowByRow() throws {
        let images = try Tensor(shape: [3, 1, 1, 1], storage: [-1, 0, 1])
        let grid = PNGImage.grid(images, columns: 2, padding: 1, background: 7)
        XCTAssertEqual(grid.width, 2 * 1 + 3)
        XCTAssertEqual(grid.height, 2 * 1 + 3)
        XCTAssertEqual(grid.pixels[1 * grid.width + 1], 0)     // image 0 at row 1, column 1
        XCTAssertEqual(grid.pixels[1 * grid.width + 3], 128)   // image 1: 0 -> 127.5 rounds to 128
        XCTAssertEqual(grid.pixels[3 * grid.width + 1], 255)   // image 2 on the second row
        XCTAssertEqual(grid.pixels[3 * grid.width + 3], 7)     // empty cell keeps the background
    }
}
