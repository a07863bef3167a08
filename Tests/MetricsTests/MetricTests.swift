import Foundation
import Metrics
import ResultStore
import Tensors
import TestSupport
import XCTest

final class MetricTests: XCTestCase {
    private static let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/metrics.h5").path

    private struct Fixture {
        let real: Tensor, fake: Tensor, logits: Tensor
        let group: HDF5Group
        func value(_ name: String) throws -> Double { try group.attribute(name, as: Double.self) }
    }

    private func fixture() throws -> (Fixture, HDF5File) {
        let file = try HDF5File.open(Self.fixturePath)
        let root = file.root
        return (Fixture(real: try root.readTensor("real"), fake: try root.readTensor("fake"), logits: try root.readTensor("logits"),
                        group: root), file)
    }

    func testFrechetDistanceMatchesScipySqrtm() throws {
        let (f, file) = try fixture()
        defer { file.close() }
        let fid = try FrechetDistance.compute(f.real, f.fake)
        XCTAssertEqual(fid, try f.value("fid"), accuracy: 1e-6 * (try f.value("fid")))
        XCTAssertEqual(try FrechetDistance.compute(f.real, f.real), 0, accuracy: 1e-6)
    }

    func testKernelDistanceMatchesTheReferenceOnFixedSubsets() throws {
        let (f, file) = try fixture()
        defer { file.close() }
        let realIndices = try f.group.read("kid_real_indices", as: Int64.self).values.map { Int($0) }
        let fakeIndices = try f.group.read("kid_fake_indices", as: Int64.self).values.map { Int($0) }
        let subsets = (0..<5).map { s in (Array(realIndices[(s * 200)..<((s + 1) * 200)]), Array(fakeIndices[(s * 200)..<((s + 1) * 200)])) }
        let kid = try KernelDistance.compute(f.real, f.fake, subsetIndices: subsets)
        XCTAssertEqual(kid.mean, try f.value("kid_mean"), accuracy: 1e-6 * abs(try f.value("kid_mean")))
        XCTAssertEqual(kid.std, try f.value("kid_std"), accuracy: 1e-6 * abs(try f.value("kid_std")))
    }

    func testPrecisionRecallDensityCoverageMatchExactly() throws {
        let (f, file) = try fixture()
        defer { file.close() }
        let metrics = try ManifoldMetrics.compute(real: f.real, generated: f.fake, k: 3, densityK: 5)
        // Fractions of 500 or 600 samples: exact counts, compared as the same Float64 divisions.
        XCTAssertEqual(metrics.precision, try f.value("precision"))
        XCTAssertEqual(metrics.recall, try f.value("recall"))
        XCTAssertEqual(metrics.density, try f.value("density"), accuracy: 1e-12)
        XCTAssertEqual(metrics.coverage, try f.value("coverage"))
    }

    func testInceptionScoreMatchesTheReference() throws {
        let (f, file) = try fixture()
        defer { file.close() }
        let score = try InceptionScore.compute(logits: f.logits, splits: 10)
        XCTAssertEqual(score.mean, try f.value("is_mean"), accuracy: 1e-9)
        XCTAssertEqual(score.std, try f.value("is_std"), accuracy: 1e-9)
    }

    func testFrechetDistanceWithEqualCovariancesIsTheSquaredMeanDistance() throws {
        let base = randomTensor([400, 6], seed: 1)
        var shifted = base
        let offset: [Float] = [0.5, -1, 0, 2, 0.25, 0]
        shifted.withUnsafeMutableBufferPointer { x in for i in x.indices { x[i] += offset[i % 6] } }
        let expected = offset.reduce(0.0) { $0 + Double($1) * Double($1) }
        XCTAssertEqual(try FrechetDistance.compute(base, shifted), expected, accuracy: 1e-6)
    }

    /// With one covariance singular (a constant feature) the distance takes the square-root path for that set
    /// first and the Cholesky path with the sets swapped: the two agree (the distance is symmetric), and both
    /// against the scipy fixture's path through the fixture test above.
    func testFrechetDistanceIsSymmetricWhenOneCovarianceIsSingular() throws {
        var flat = randomTensor([300, 6], seed: 3)
        flat.withUnsafeMutableBufferPointer { x in for row in 0..<300 { x[row * 6 + 2] = 0.5 } }
        var mixed = randomTensor([400, 6], seed: 4)
        mixed.withUnsafeMutableBufferPointer { x in for i in x.indices { x[i] = x[i] * Float(1 + i % 3) + 0.3 } }
        let (singular, regular) = (try FeatureStatistics(features: flat), try FeatureStatistics(features: mixed))
        XCTAssertNil(Cholesky(positiveDefinite: singular.covariance, order: 6))
        XCTAssertNotNil(Cholesky(positiveDefinite: regular.covariance, order: 6))
        let (forward, backward) = (try FrechetDistance.compute(singular, regular), try FrechetDistance.compute(regular, singular))
        XCTAssertGreaterThan(forward, 1)
        XCTAssertEqual(forward, backward, accuracy: 1e-9 * forward)
    }

    /// The covariance (a symmetric rank-k update, upper triangle mirrored) against its definition in Float64, as
    /// `np.cov(x, rowvar=False)`: odd sizes, a constant feature (zero variance), a large offset.
    func testStatisticsMatchTheDefinition() throws {
        for (n, d) in [(2, 1), (37, 5), (301, 19)] {
            var x = randomTensor([n, d], seed: UInt64(n))
            for row in 0..<n { x[row, 0] = 3; if d > 2 { x[row, 2] += 1000 } }
            let statistics = try FeatureStatistics(features: x)
            let values = (0..<n).map { row in (0..<d).map { Double(x[row, $0]) } }
            let mean = (0..<d).map { j in values.reduce(0) { $0 + $1[j] } / Double(n) }
            for j in 0..<d { XCTAssertEqual(statistics.mean[j], mean[j], accuracy: 1e-12 * max(1, abs(mean[j]))) }
            for i in 0..<d {
                for j in 0..<d {
                    let definition = values.reduce(0) { $0 + ($1[i] - mean[i]) * ($1[j] - mean[j]) } / Double(n - 1)
                    XCTAssertEqual(statistics.covariance[i * d + j], definition, accuracy: 1e-10, "n \(n) d \(d) [\(i), \(j)]")
                    XCTAssertEqual(statistics.covariance[i * d + j], statistics.covariance[j * d + i])
                }
            }
        }
    }

    func testKernelDistanceIsUnbiasedOnOneDistribution() throws {
        let a = randomTensor([2000, 8], seed: 2), b = randomTensor([2000, 8], seed: 3)
        let kid = try KernelDistance.compute(a, b, subsets: 50, subsetSize: 200, seed: 4)
        // Same distribution: the unbiased estimate scatters around 0 (a biased one would sit clearly above).
        XCTAssertEqual(kid.mean, 0, accuracy: 3 * kid.std / 50.0.squareRoot() + 1e-4)
        var warnings: [String] = []
        let small = try KernelDistance.compute(randomTensor([50, 8], seed: 5), b, subsets: 3, subsetSize: 1000, seed: 1) { warnings.append($0) }
        XCTAssertEqual(small.subsetSize, 50)
        XCTAssertEqual(warnings.count, 1)
    }

    func testDegenerateInputsAreOneLineErrors() {
        assertThrowsMessage(["at least 2 samples"]) { try FrechetDistance.compute(randomTensor([1, 4], seed: 1), randomTensor([5, 4], seed: 2)) }
        var bad = randomTensor([5, 4], seed: 3)
        bad[2, 1] = .nan
        assertThrowsMessage(["NaN"]) { try FrechetDistance.compute(bad, randomTensor([5, 4], seed: 2)) }
        for infinity: Float in [.infinity, -.infinity] {
            var infinite = randomTensor([5, 4], seed: 3)
            infinite[4, 3] = infinity
            assertThrowsMessage(["infinity"]) { try FeatureStatistics(features: infinite) }
        }
        assertThrowsMessage(["dimensions differ"]) { try FrechetDistance.compute(randomTensor([5, 4], seed: 1), randomTensor([5, 3], seed: 2)) }
        assertThrowsMessage(["more than k samples"]) {
            try ManifoldMetrics.compute(real: randomTensor([4, 2], seed: 1), generated: randomTensor([9, 2], seed: 2))
        }
    }

    func testMemorisationDistancesFindCopies() throws {
        let real = randomTensor([30, 5], seed: 6)
        var generated = randomTensor([4, 5], seed: 7)
        generated.withUnsafeMutableBufferPointer { g in
            real.withUnsafeBufferPointer { r in for j in 0..<5 { g[5 + j] = r[12 * 5 + j] } }  // sample 1 copies real 12
        }
        let distances = try MemorisationDistances.nearest(generated: generated, real: real)
        XCTAssertEqual(distances[1], 0, accuracy: 1e-6)
        XCTAssertGreaterThan(distances[0], 0.1)
    }
}
