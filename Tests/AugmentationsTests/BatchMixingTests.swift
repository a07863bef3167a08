import Augmentations
import Foundation
import Tensors
import XCTest

final class BatchMixingTests: XCTestCase {
    /// A batch whose every pixel tells its image: image i is filled with i + 1.
    private func numberedBatch(_ n: Int, height: Int = 6, width: Int = 8) -> Tensor {
        var batch = Tensor(shape: [n, 2, height, width])
        let image = 2 * height * width
        batch.withUnsafeMutableBufferPointer { x in
            for i in 0..<x.count { x[i] = Float(i / image + 1) }
        }
        return batch
    }

    func testMixupBlendsEachImageWithThePreviousOne() {
        var batch = numberedBatch(4), scratch = Tensor(shape: [0])
        var generator = RandomGenerator(seed: 3), reference = RandomGenerator(seed: 3)
        let lambda = BatchMixing.mixup(alpha: 0.4).apply(to: &batch, scratch: &scratch, generator: &generator)
        XCTAssertEqual(lambda, reference.beta(0.4, 0.4), "one Beta(alpha, alpha) draw per batch")
        let image = batch.count / 4
        let expected = [(1, 4), (2, 1), (3, 2), (4, 3)].map { Float(lambda) * Float($0.0) + Float(1 - lambda) * Float($0.1) }
        batch.withUnsafeBufferPointer { x in
            for i in 0..<4 { XCTAssertTrue((0..<image).allSatisfy { x[i * image + $0] == expected[i] }, "image \(i)") }
        }
    }

    func testCutMixPastesABoxAndReturnsTheShareOfTheImageKept() {
        for seed in UInt64(0)..<40 {
            var batch = numberedBatch(3), scratch = Tensor(shape: [0])
            var generator = RandomGenerator(seed: seed)
            let lambda = BatchMixing.cutmix(alpha: 1).apply(to: &batch, scratch: &scratch, generator: &generator)
            let (h, w) = (6, 8), plane = h * w
            batch.withUnsafeBufferPointer { x in
                for i in 0..<3 {
                    let partner = Float((i + 2) % 3 + 1)
                    var pasted: [(Int, Int)] = []
                    for channel in 0..<2 {
                        for y in 0..<h {
                            for column in 0..<w {
                                let value = x[(i * 2 + channel) * plane + y * w + column]
                                XCTAssertTrue(value == Float(i + 1) || value == partner)
                                if value == partner && channel == 0 { pasted.append((y, column)) }
                            }
                        }
                    }
                    // The pasted pixels form one box, the same in every image, covering 1 - lambda of the image.
                    XCTAssertEqual(Double(pasted.count), (1 - lambda) * Double(plane), accuracy: 1e-12, "seed \(seed)")
                    if let first = pasted.first, let last = pasted.last {
                        XCTAssertEqual(pasted.count, (last.0 - first.0 + 1) * (last.1 - first.1 + 1), "a rectangle")
                    }
                }
            }
            XCTAssertTrue((0...1).contains(lambda))
        }
    }

    func testBetaDrawsHaveTheRightMoments() {
        var generator = RandomGenerator(seed: 11)
        for (a, b) in [(0.2, 0.2), (1.0, 1.0), (2.0, 5.0)] {
            let draws = (0..<40_000).map { _ in generator.beta(a, b) }
            let mean = draws.reduce(0, +) / Double(draws.count)
            let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count - 1)
            let expectedMean = a / (a + b), expectedVariance = a * b / ((a + b) * (a + b) * (a + b + 1))
            // Standard error of the mean is sqrt(var / n) <= 0.0025 here; 4 standard errors.
            XCTAssertEqual(mean, expectedMean, accuracy: 4 * (expectedVariance / Double(draws.count)).squareRoot(), "Beta(\(a), \(b))")
            XCTAssertEqual(variance, expectedVariance, accuracy: 0.05 * expectedVariance, "Beta(\(a), \(b))")
            XCTAssertTrue(draws.allSatisfy { (0...1).contains($0) })
        }
    }

    func testParsing() throws {
        XCTAssertEqual(try BatchMixing(parsing: "mixup"), .mixup(alpha: 1))
        XCTAssertEqual(try BatchMixing(parsing: "cutmix=0.5"), .cutmix(alpha: 0.5))
        XCTAssertEqual(try BatchMixing(parsing: BatchMixing.mixup(alpha: 0.2).description), .mixup(alpha: 0.2))
        for bad in ["mix", "mixup=0", "cutmix=-1", "mixup=inf", "mixup=x"] {
            XCTAssertThrowsError(try BatchMixing(parsing: bad), bad)
        }
    }
}
