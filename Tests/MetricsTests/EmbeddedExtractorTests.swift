import Datasets
import Foundation
import Metrics
import Tensors
import TestSupport
import XCTest

/// The extractor shipped in the package, on the real data it was trained for.
final class EmbeddedExtractorTests: XCTestCase {
    private func extractor() throws -> FeatureExtractor {
        guard let path = FeatureExtractor.bundledPath else {
            XCTFail("this build ships no embedded extractor (Sources/Metrics/Resources/fmnist-extractor.h5)")
            throw XCTSkip("no extractor")
        }
        return try FeatureExtractor.load(path)
    }

    func testShippedExtractorReachesItsTestAccuracy() throws {
        let folder = try Fixtures.requireFashionMNIST()
        let model = try extractor()
        XCTAssertEqual(model.imageShape, [1, 28, 28])
        let test = try DatasetSource.resolve(folder, subset: .test).load()
        let (features, logits) = try model.extract(test.images)
        XCTAssertEqual(features.shape, [10000, FeatureExtractor.featureDimension])
        var correct = 0
        for row in 0..<test.count {
            let scores = logits.storage[(row * 10)..<((row + 1) * 10)]
            if scores.firstIndex(of: scores.max()!)! - row * 10 == test.labels[row] { correct += 1 }
        }
        XCTAssertGreaterThanOrEqual(Double(correct) / Double(test.count), 0.93)
    }

    /// Real data sanity: two halves of the training set are far closer than real images and noise.
    func testFrechetDistanceSeparatesRealHalvesFromNoise() throws {
        let folder = try Fixtures.requireFashionMNIST()
        let model = try extractor()
        let train = try DatasetSource.resolve(folder).load()
        let halfA = train.images.slice(0..<5000), halfB = train.images.slice(5000..<10000)
        var noise = Tensor(shape: [5000, 1, 28, 28])
        var generator = RandomGenerator(seed: 1)
        generator.fillUniform(&noise, low: -1, high: 1)
        let (a, _) = try model.extract(halfA), (b, _) = try model.extract(halfB), (n, _) = try model.extract(noise)
        let halves = try FrechetDistance.compute(a, b), againstNoise = try FrechetDistance.compute(a, n)
        XCTAssertLessThan(halves * 20, againstNoise, "FID(half A, half B) = \(halves), FID(real, noise) = \(againstNoise)")
    }

    func testSaveLoadRoundTripKeepsFeaturesAndChecksum() throws {
        let network = FeatureExtractor.makeNetwork(imageShape: [1, 8, 8], classCount: 3, seed: 4)
        let file = path(try makeTemporaryFolder(), "e.h5")
        try FeatureExtractor.save(network: network, imageShape: [1, 8, 8], classNames: ["a", "b", "c"], name: "tiny",
                                  provenance: ["data": "test"], accuracy: 0.5, to: file)
        let first = try FeatureExtractor.load(file), second = try FeatureExtractor.load(file)
        XCTAssertEqual(first.checksum, second.checksum)
        let images = randomTensor([7, 1, 8, 8], seed: 5)
        network.forward(images, mode: .evaluation)
        let expected = network.layers[FeatureExtractor.featureLayerIndex].output
        XCTAssertEqual(try first.extract(images).features, expected)
        // Evaluation mode treats samples independently: the batch size changes nothing beyond float rounding.
        for batchSize in [1, 3, 7] {
            assertClose(try first.extract(images, batchSize: batchSize).features.storage, expected.storage, relative: 1e-5, absolute: 1e-6)
        }
        assertThrowsMessage(["takes images of shape [1, 8, 8]"]) { try first.extract(randomTensor([2, 1, 9, 9], seed: 1)) }
    }
}
