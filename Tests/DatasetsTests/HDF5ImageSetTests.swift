import Datasets
import Foundation
import ResultStore
import Tensors
import TestSupport
import XCTest

final class HDF5ImageSetTests: XCTestCase {
    private func smallSet(count: Int = 6, channels: Int = 1, side: Int = 3) throws -> ImageSet {
        let bytes = (0..<(count * channels * side * side)).map { UInt8(truncatingIfNeeded: $0 * 37) }
        return try ImageSet(images: ImageSet.normalize(bytes, shape: [count, channels, side, side]),
                            labels: (0..<count).map { $0 % 3 }, classNames: ["a", "b", "c"], source: "made in test")
    }

    func testUint8AndFloat32ExportsReadBackExactly() throws {
        let folder = try makeTemporaryFolder()
        let set = try smallSet(channels: 3)
        for pixels in HDF5ImageSetIO.PixelType.allCases {
            let file = path(folder, "\(pixels.rawValue).h5")
            try HDF5ImageSetIO.write(set, to: file, pixels: pixels)
            let back = try DatasetSource.resolve(file).load()
            XCTAssertEqual(back.images, set.images, "\(pixels)")
            XCTAssertEqual(back.labels, set.labels)
            XCTAssertEqual(back.classNames, ["a", "b", "c"])
        }
    }

    /// A file as h5py users write it: float pixels in [0, 1], N x H x W x C, labels as int32 of shape N x 1.
    func testForeignLayoutsAndRangesAreUnderstood() throws {
        let file = path(try makeTemporaryFolder(), "foreign.h5")
        let writer = try HDF5File.create(file, kind: .imageset)
        let nhwc: [Float] = [0, 0.5, 1, 0.25, 0.75, 1, 0, 0]  // N=2, H=2, W=2, C=1
        try writer.root.write("x", nhwc, shape: [2, 2, 2, 1])
        try writer.root.write("y", [Int32(1), 0], shape: [2, 1])
        try writer.commit()
        let options = HDF5ImageSetIO.ReadOptions(imagesDataset: "x", labelsDataset: "y")
        let set = try DatasetSource.resolve(file, hdf5Options: options).load()
        XCTAssertEqual(set.images.shape, [2, 1, 2, 2])
        XCTAssertEqual(set.images.storage, nhwc.map { $0 / 0.5 - 1 })
        XCTAssertEqual(set.labels, [1, 0])
        XCTAssertEqual(set.classNames, ["0", "1"])
    }

    func testChannelsLastRGBIsTransposedToNCHW() throws {
        let folder = try makeTemporaryFolder()
        // Two 1 x 2 RGB images, channels last: pixels (0, 255, 0), (255, 0, 255), then the inverse.
        let pixels: [UInt8] = [0, 255, 0, 255, 0, 255, 255, 0, 255, 0, 255, 0]
        let expected: [Float] = [-1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1]
        // Ambiguous by shape: [2, 1, 2, 3] has 1 in the channel slot, so it needs the layout attribute...
        let declared = path(folder, "declared.h5")
        let writer = try HDF5File.create(declared, kind: .imageset)
        try writer.root.write("images", pixels, shape: [2, 1, 2, 3])
        try writer.root.setAttribute("layout", "NHWC", on: "images")
        try writer.root.write("labels", [Int64(0), 1], shape: [2])
        try writer.commit()
        let set = try DatasetSource.resolve(declared).load()
        XCTAssertEqual(set.images.shape, [2, 3, 1, 2])
        XCTAssertEqual(set.images.storage, expected)
        // ...while [2, 2, 1, 3] (2 is not a channel count) is recognised as N,H,W,C on its own.
        let inferred = path(folder, "inferred.h5")
        let other = try HDF5File.create(inferred, kind: .imageset)
        try other.root.write("images", pixels, shape: [2, 2, 1, 3])
        try other.root.write("labels", [Int64(0), 1], shape: [2])
        try other.commit()
        XCTAssertEqual(try DatasetSource.resolve(inferred).load().images.shape, [2, 3, 2, 1])
    }

    func testTrainAndTestGroupsAreSubsets() throws {
        let file = path(try makeTemporaryFolder(), "both.h5")
        let writer = try HDF5File.create(file, kind: .imageset)
        try HDF5ImageSetIO.write(try smallSet(count: 6), into: writer.root.createGroup("train"))
        try HDF5ImageSetIO.write(try smallSet(count: 3), into: writer.root.createGroup("test"))
        try writer.commit()
        XCTAssertEqual(try DatasetSource.resolve(file).load().count, 6)
        XCTAssertEqual(try DatasetSource.resolve(file, subset: .test).load().count, 3)
    }

    func testWrongRankTypeAndCountsAreOneLineErrors() throws {
        let folder = try makeTemporaryFolder()
        func make(_ name: String, _ body: (HDF5Group) throws -> Void) throws -> String {
            let file = path(folder, name)
            let writer = try HDF5File.create(file, kind: .imageset)
            try body(writer.root)
            try writer.commit()
            return file
        }
        let rank2 = try make("rank2.h5") { root in
            try root.write("images", [UInt8](repeating: 0, count: 8), shape: [2, 4])
            try root.write("labels", [Int64(0), 1], shape: [2])
        }
        assertThrowsMessage([rank2, "/images has rank 2", "expected rank 3 (N,H,W) or 4"]) { try DatasetSource.resolve(rank2).load() }

        let floatLabels = try make("floatlabels.h5") { root in
            try root.write("images", [UInt8](repeating: 0, count: 8), shape: [2, 2, 2])
            try root.write("labels", [0.5, 1.0], shape: [2])
        }
        assertThrowsMessage([floatLabels, "labels holds float64, expected integer labels"]) { try DatasetSource.resolve(floatLabels).load() }

        let mismatch = try make("mismatch.h5") { root in
            try root.write("images", [UInt8](repeating: 0, count: 8), shape: [2, 2, 2])
            try root.write("labels", [Int64(0), 1, 1], shape: [3])
        }
        assertThrowsMessage([mismatch, "2 images", "3 labels"]) { try DatasetSource.resolve(mismatch).load() }

        // A NaN or infinite pixel is refused at load, naming the image (it would otherwise train to NaN weights).
        for (name, bad) in [("nan.h5", Float.nan), ("inf.h5", Float.infinity)] {
            let file = try make(name) { root in
                var pixels = [Float](repeating: 0.5, count: 12)
                pixels[9] = bad
                try root.write("images", pixels, shape: [3, 2, 2])
                try root.write("labels", [Int64(0), 1, 0], shape: [3])
            }
            assertThrowsMessage([file, "/images holds \(bad) in image 2", "must be finite"]) { try DatasetSource.resolve(file).load() }
        }

        // A label far beyond any class count (it aborted allocating 1.6 TB of class counts).
        for huge in [Int64(100_000_000_000), Int64(1) << 62] {
            let file = try make("label\(huge).h5") { root in
                try root.write("images", [UInt8](repeating: 0, count: 12), shape: [3, 2, 2])
                try root.write("labels", [Int64(0), huge, 1], shape: [3])
            }
            assertThrowsMessage([file, "contains the label \(huge)", "class indices below 100000"]) { try DatasetSource.resolve(file).load() }
        }

        let noImages = try make("noimages.h5") { root in try root.write("pixels", [UInt8(0)], shape: [1]) }
        assertThrowsMessage([noImages, "no images dataset 'images'", "--images-dataset"]) { try DatasetSource.resolve(noImages) }
        assertThrowsMessage([noImages, "has no test subset"]) {
            try DatasetSource.resolve(noImages, subset: .test, hdf5Options: .init(imagesDataset: "pixels"))
        }

        let badRange = try make("range.h5") { root in
            try root.write("images", [Float(-5), 300], shape: [2, 1, 1])
            try root.write("labels", [Int64(0), 1], shape: [2])
        }
        assertThrowsMessage([badRange, "cannot tell the value range", "--value-range"]) { try DatasetSource.resolve(badRange).load() }
        let ranged = try DatasetSource.resolve(badRange, hdf5Options: .init(valueRange: -5...300)).load()
        XCTAssertEqual(ranged.images.storage, [-1, 1])
    }
}
