import Datasets
import Foundation
import ResultStore
import TestSupport
import XCTest

final class SplitTests: XCTestCase {
    private let names = ["a", "b", "c", "d"]
    /// 4 classes of 50 images each, in interleaved order.
    private var labels: [Int] { (0..<200).map { $0 % 4 } }

    func testStratifiedSplitHasExactlyKPerClassAndDisjointParts() throws {
        let plan = SplitPlan.stratified(classCount: 4, perClass: 10, validationPerClass: 5, testPerClass: 3, seed: 0)
        let split = try Split.draw(labels: labels, classNames: names, plan: plan, source: "test")
        for (part, expected) in [(split.train, 10), (split.validation, 5), (split.test, 3)] {
            var counts = [0, 0, 0, 0]
            for index in part { counts[labels[index]] += 1 }
            XCTAssertEqual(counts, [expected, expected, expected, expected])
            XCTAssertEqual(part, part.sorted())
        }
        let all = split.train + split.validation + split.test
        XCTAssertEqual(Set(all).count, all.count, "train, validation and test overlap")
        XCTAssertEqual(plan.kind, "stratified")
    }

    func testSameSeedSameIndicesOtherSeedOtherIndices() throws {
        let plan = SplitPlan.stratified(classCount: 4, perClass: 10, validationPerClass: 5, seed: 7)
        let a = try Split.draw(labels: labels, classNames: names, plan: plan, source: "test")
        let b = try Split.draw(labels: labels, classNames: names, plan: plan, source: "test")
        XCTAssertEqual(a, b)
        var other = plan
        other.seed = 8
        let c = try Split.draw(labels: labels, classNames: names, plan: other, source: "test")
        XCTAssertNotEqual(a.train, c.train)
        XCTAssertNotEqual(a.validation, c.validation)
    }

    func testImbalancedSplitGivesMinorityClassesTheirCounts() throws {
        let plan = SplitPlan.imbalanced(classCount: 4, perClass: 40, minority: [1: 5, 3: 2], seed: 1)
        let split = try Split.draw(labels: labels, classNames: names, plan: plan, source: "test")
        var counts = [0, 0, 0, 0]
        for index in split.train { counts[labels[index]] += 1 }
        XCTAssertEqual(counts, [40, 5, 40, 2])
        XCTAssertEqual(plan.kind, "imbalanced")
    }

    func testTooFewImagesInAClassIsAnError() {
        let plan = SplitPlan.stratified(classCount: 4, perClass: 45, validationPerClass: 10, seed: 0)
        assertThrowsMessage(["class 0 ('a') has 50 images", "45 train + 10 validation + 0 test = 55"]) {
            try Split.draw(labels: labels, classNames: names, plan: plan, source: "test")
        }
    }

    func testSplitFileRoundTripsAndLoadsTheRightImages() throws {
        let data = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: data, count: 60, classes: 3)
        try Fixtures.writeIDXDataset(in: data, prefix: "t10k", count: 9, classes: 3)
        let source = try DatasetSource.resolve(data)
        let plan = SplitPlan.stratified(classCount: 3, perClass: 4, validationPerClass: 2, seed: 3)
        let made = try SplitFile.make(source: source, plan: plan)
        let file = path(try makeTemporaryFolder(), "split.h5")
        try made.write(to: file)

        let read = try SplitFile.read(file)
        XCTAssertEqual(read.split, made.split)
        XCTAssertEqual(read.classNames, ["0", "1", "2"])
        XCTAssertEqual(read.sourceFingerprint, made.sourceFingerprint)
        XCTAssertEqual(read.source, source)
        let loaded = try read.load()
        let full = try source.load()
        XCTAssertEqual(loaded.train.images, full.images.gathering(made.split.train))
        XCTAssertEqual(loaded.train.labels, made.split.train.map { full.labels[$0] })
        XCTAssertEqual(loaded.validation.count, 6)
        XCTAssertEqual(loaded.test.count, 9, "the source's own test subset is the evaluation set")
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0
        XCTAssertLessThan(size, 64 * 1024, "a split file holds indices, not images")

        // Training images only (GANs): the test images are never opened, so their removal goes unnoticed.
        let unverified = try SplitFile.read(file, verifySources: false)
        for name in try FileManager.default.contentsOfDirectory(atPath: data) where name.hasPrefix("t10k-images") {
            try FileManager.default.removeItem(atPath: path(data, name))
        }
        let training = try unverified.loadTrainingImages()
        XCTAssertEqual(training.train.images, loaded.train.images)
        XCTAssertEqual(training.validation.labels, loaded.validation.labels)
        XCTAssertThrowsError(try unverified.load())
    }

    func testHeldOutTestImagesForSourcesWithoutATestSubset() throws {
        let data = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: data, count: 60, classes: 3)
        let source = try DatasetSource.resolve(data)
        assertThrowsMessage(["has no test subset", "--test-per-class"]) {
            try SplitFile.make(source: source, plan: .stratified(classCount: 3, perClass: 4, seed: 0))
        }
        let made = try SplitFile.make(source: source, plan: .stratified(classCount: 3, perClass: 4, testPerClass: 5, seed: 0))
        XCTAssertNil(made.testSource)
        XCTAssertEqual(try made.load().test.count, 15)
    }

    func testChangedSourceIsDetectedAndOutputIsLeftAlone() throws {
        let data = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: data, count: 30, classes: 3)
        try Fixtures.writeIDXDataset(in: data, prefix: "t10k", count: 6, classes: 3)
        let file = path(try makeTemporaryFolder(), "split.h5")
        try SplitFile.make(source: try DatasetSource.resolve(data), plan: .stratified(classCount: 3, perClass: 2, seed: 0)).write(to: file)
        let before = try Data(contentsOf: URL(fileURLWithPath: file))

        // Same shape, different pixels: only the checksum can tell.
        let pixels = (0..<(30 * 16)).map { UInt8(truncatingIfNeeded: $0 * 3) }
        try Fixtures.write(Fixtures.idxBytes(dimensions: [30, 4, 4], data: pixels), to: path(data, "train-images-idx3-ubyte.gz"))
        assertThrowsMessage([file, "changed since the split was made", "train-images-idx3-ubyte.gz", "re-create the split"]) {
            try SplitFile.read(file)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), before)
        XCTAssertNoThrow(try SplitFile.read(file, verifySources: false))

        try FileManager.default.removeItem(atPath: path(data, "train-images-idx3-ubyte.gz"))
        assertThrowsMessage([file, "source is unavailable"]) { try SplitFile.read(file) }
    }

    func testSplitFilesAreCheckedForKind() throws {
        let file = path(try makeTemporaryFolder(), "other.h5")
        try HDF5File.create(file, kind: .imageset).commit()
        assertThrowsMessage([file, "is an AugBench 'imageset' file, expected a 'split' file"]) { try SplitFile.read(file) }
    }
}
