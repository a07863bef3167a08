import Tensors
import XCTest

final class RandomGeneratorTests: XCTestCase {
    func testSameSeedSameStreamOtherSeedOtherStream() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let streamA = (0..<100).map { _ in a.next() }
        XCTAssertEqual(streamA, (0..<100).map { _ in b.next() })
        XCTAssertNotEqual(streamA, (0..<100).map { _ in c.next() })
    }

    func testReferenceValuesAreStable() {
        // Pinned outputs: a change here changes every split, augmentation and initialisation AugBench draws.
        var generator = RandomGenerator(seed: 0)
        let first = (0..<3).map { _ in generator.next() }
        var again = RandomGenerator(seed: 0)
        XCTAssertEqual(first, (0..<3).map { _ in again.next() })
        XCTAssertEqual(first, Self.pinnedSeedZero)
    }

    /// xoshiro256** seeded through SplitMix64 with seed 0 (values checked against an independent Python
    /// implementation, Tests/TensorsTests/xoshiro_reference.py).
    static let pinnedSeedZero: [UInt64] = [11_091_344_671_253_066_420, 13_793_997_310_169_335_082, 1_900_383_378_846_508_768]

    /// Bounded integers and shuffles decide every split; pinned against the same Python reference.
    func testPermutationAndBoundedIntegersMatchTheReference() {
        var shuffler = RandomGenerator(seed: 42)
        XCTAssertEqual(shuffler.permutation(10), [9, 1, 4, 2, 8, 7, 6, 5, 3, 0])
        var generator = RandomGenerator(seed: 5)
        XCTAssertEqual([1, 2, 3, 10, 1000, (1 << 40) + 7].map { generator.integer(below: $0) }, [0, 1, 1, 8, 516, 862_593_207_373])
    }

    func testStateRoundTripContinuesTheSameStream() throws {
        var generator = RandomGenerator(seed: 7)
        _ = generator.normalDouble()  // leaves a spare normal deviate pending
        var restored = try RandomGenerator(state: generator.state)
        XCTAssertEqual((0..<10).map { _ in generator.normalDouble() }, (0..<10).map { _ in restored.normalDouble() })
        XCTAssertThrowsError(try RandomGenerator(state: [1, 2, 3]))
        XCTAssertThrowsError(try RandomGenerator(state: [0, 0, 0, 0, 0, 0]))
    }

    func testUniformAndNormalMoments() {
        var generator = RandomGenerator(seed: 1)
        let n = 200_000
        let uniform = (0..<n).map { _ in Double(generator.uniformFloat()) }
        XCTAssertTrue(uniform.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(uniform.reduce(0, +) / Double(n), 0.5, accuracy: 0.005)
        let normal = (0..<n).map { _ in generator.normalDouble() }
        let mean = normal.reduce(0, +) / Double(n)
        let variance = normal.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.01)
    }

    func testPermutationIntegerAndCategorical() {
        var generator = RandomGenerator(seed: 3)
        let permutation = generator.permutation(1000)
        XCTAssertEqual(permutation.sorted(), Array(0..<1000))
        XCTAssertNotEqual(permutation, Array(0..<1000))
        let integers = (0..<10_000).map { _ in generator.integer(below: 7) }
        XCTAssertEqual(Set(integers), Set(0..<7))
        var counts = [0, 0, 0]
        for _ in 0..<60_000 { counts[generator.categorical([1, 0, 2])] += 1 }
        XCTAssertEqual(counts[1], 0)
        XCTAssertEqual(Double(counts[2]) / 60_000, 2.0 / 3.0, accuracy: 0.01)
    }

    func testDerivedStreamsDifferAndAreReproducible() {
        let base = RandomGenerator(seed: 9)
        var a = base.derived(1), b = base.derived(2), a2 = base.derived(1)
        let x = a.next()
        XCTAssertEqual(x, a2.next())
        XCTAssertNotEqual(x, b.next())
    }
}
