import Datasets
import Foundation
import Metrics
import ResultStore
import Tensors
import TestSupport
import XCTest

/// Feature sets: cached per (data, part of the file, extractor), subsampled per seed.
final class FeatureSetTests: XCTestCase {
    /// An HDF5 file whose /train and /test groups hold different 28 x 28 images of 10 classes.
    private func makeTwoSubsetFile() throws -> (file: String, folder: String) {
        let folder = try makeTemporaryFolder()
        let file = path(folder, "two.h5")
        let h5 = try HDF5File.create(file, kind: .imageset)
        for (name, seed) in [("train", UInt64(1)), ("test", 2)] {
            var generator = RandomGenerator(seed: seed)
            var images = Tensor(shape: [40, 1, 28, 28])
            generator.fillUniform(&images, low: -1, high: name == "train" ? 0 : 1)
            let set = try ImageSet(images: images, labels: (0..<40).map { $0 % 10 }, classNames: (0..<10).map(String.init), source: name)
            try HDF5ImageSetIO.write(set, into: h5.root.createGroup(name), pixels: .float32)
        }
        try h5.commit()
        return (file, folder)
    }

    func testTwoSubsetsOfOneFileNeverShareACacheEntry() throws {
        guard let bundled = FeatureExtractor.bundledPath else { throw XCTSkip("no embedded extractor") }
        let extractor = try FeatureExtractor.load(bundled)
        let (file, folder) = try makeTwoSubsetFile()
        let train = try DatasetSource.resolve(file, subset: .train), test = try DatasetSource.resolve(file, subset: .test)
        XCTAssertNotEqual(try FeatureSet.cacheKey(train, extractorChecksum: extractor.checksum),
                          try FeatureSet.cacheKey(test, extractorChecksum: extractor.checksum))
        let cache = FeatureCache(directory: path(folder, "cache"))
        var settings = FeatureSetSettings()
        settings.maxSamples = 0
        let cold = try FeatureSet.make(test, extractor: extractor, settings: settings, cache: cache, stream: 1)
        let real = try FeatureSet.make(test, extractor: extractor, settings: settings, cache: cache, stream: 1)
        let generated = try FeatureSet.make(train, extractor: extractor, settings: settings, cache: cache, stream: 2)
        XCTAssertEqual(cold.features.storage, real.features.storage, "the cached features are the extracted ones")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path(folder, "cache")).count, 2)
        XCTAssertGreaterThan(try real.metrics(against: generated).fid, 1)
    }

    func testSubsampleIsSeededAndKeepsRowsInOrder() throws {
        var generator = RandomGenerator(seed: 0)
        var features = Tensor(shape: [20, 4])
        generator.fillUniform(&features, low: -1, high: 1)
        let images = try ImageSet(images: Tensor(shape: [20, 1, 2, 2]), labels: (0..<20).map { $0 % 2 }, classNames: ["a", "b"], source: "s")
        let set = FeatureSet(images: images, features: features, logits: Tensor(shape: [20, 2]))
        let a = set.subsample(8, seed: 3, stream: 1), b = set.subsample(8, seed: 3, stream: 1), c = set.subsample(8, seed: 3, stream: 2)
        XCTAssertEqual(a.features.storage, b.features.storage)
        XCTAssertNotEqual(a.features.storage, c.features.storage)
        XCTAssertEqual(a.images.count, 8)
    }
}
