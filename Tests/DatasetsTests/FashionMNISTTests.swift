import Datasets
import Foundation
import ResultStore
import TestSupport
import XCTest

/// The readers on the real data the suite is built around (Debian's dataset-fashion-mnist).
final class FashionMNISTTests: XCTestCase {
    func testTrainAndTestSubsetsHaveTheKnownShapeAndBalance() throws {
        let folder = try Fixtures.requireFashionMNIST()
        let train = try DatasetSource.resolve(folder).load()
        XCTAssertEqual(train.images.shape, [60000, 1, 28, 28])
        XCTAssertEqual(train.classCounts(), [Int](repeating: 6000, count: 10))
        XCTAssertEqual(train.classNames.first, "T-shirt/top")
        XCTAssertEqual(train.classNames.last, "Ankle boot")
        XCTAssertEqual(Array(train.labels.prefix(5)), [9, 0, 0, 3, 0])  // first training labels of Fashion-MNIST
        let stats = train.pixelStatistics()[0]
        XCTAssertEqual(stats.min, -1)
        XCTAssertEqual(stats.max, 1)
        // Published Fashion-MNIST mean pixel 0.2860 on [0, 1], i.e. 2 * 0.2860 - 1 on [-1, 1].
        XCTAssertEqual(stats.mean, 2 * 0.2860 - 1, accuracy: 1e-3)

        let test = try DatasetSource.resolve(folder, subset: .test).load()
        XCTAssertEqual(test.images.shape, [10000, 1, 28, 28])
        XCTAssertEqual(test.classCounts(), [Int](repeating: 1000, count: 10))
        XCTAssertEqual(Array(test.labels.prefix(3)), [9, 2, 1])
    }

    func testFingerprintMatchesSha256sumOfTheFiles() throws {
        let folder = try Fixtures.requireFashionMNIST()
        let source = try DatasetSource.resolve(folder)
        let fingerprint = try source.fingerprint()
        XCTAssertEqual(fingerprint.fileDigests.count, 2)
        guard let tool = ProcessRunner.which("sha256sum") else { return }
        let result = try ProcessRunner.run(tool, source.files)
        let expected = result.standardOutput.split(separator: "\n").map { line -> String in
            let parts = line.split(separator: " ", maxSplits: 1)
            return "\(parts[0])  \((String(parts[1]).trimmingCharacters(in: .whitespaces) as NSString).lastPathComponent)"
        }
        XCTAssertEqual(fingerprint.fileDigests, expected)
    }

    func testExportToHDF5IsLossless() throws {
        let folder = try Fixtures.requireFashionMNIST()
        let test = try DatasetSource.resolve(folder, subset: .test).load()
        let file = path(try makeTemporaryFolder(), "fmnist-test.h5")
        try HDF5ImageSetIO.write(test, to: file)
        let back = try DatasetSource.resolve(file).load()
        XCTAssertEqual(back.images, test.images)
        XCTAssertEqual(back.labels, test.labels)
        XCTAssertEqual(back.classNames, test.classNames)
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0
        XCTAssertLessThan(size, 10_000 * 784, "uint8 + gzip should be smaller than the raw pixels")
    }

    func testLowDataSplitOfTheRealTrainingSet() throws {
        let folder = try Fixtures.requireFashionMNIST()
        let source = try DatasetSource.resolve(folder)
        let made = try SplitFile.make(source: source, plan: .stratified(classCount: 10, perClass: 100, validationPerClass: 20, seed: 0))
        let data = try made.load()
        XCTAssertEqual(data.train.classCounts(), [Int](repeating: 100, count: 10))
        XCTAssertEqual(data.validation.classCounts(), [Int](repeating: 20, count: 10))
        XCTAssertTrue(Set(made.split.train).isDisjoint(with: made.split.validation))
        XCTAssertEqual(data.test.count, 10000)
        XCTAssertEqual(made.testSource?.subset, .test)
    }
}
