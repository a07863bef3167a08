import Foundation

/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// AugBench has no global random state: every stochastic step takes one of these explicitly, so the same seed
/// gives the same bits on every run and every machine. The full state is four words plus a cached normal
/// deviate and can be saved in a checkpoint and restored (`state`, `init(state:)`).
///
/// References: Blackman & Vigna, "Scrambled linear pseudorandom number generators" (2021).
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// Second deviate of the last Box-Muller pair, when one is pending.
    private var spareNormal: Double?

    /// A generator whose stream is fully determined by `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
        spareNormal = nil
    }

    /// The complete state, for checkpoints: `[s0, s1, s2, s3, hasSpare, spareBits]`.
    public var state: [UInt64] {
        [s0, s1, s2, s3, spareNormal == nil ? 0 : 1, spareNormal?.bitPattern ?? 0]
    }

    /// Restores a generator from `state`; throws when the array is not one this type produced.
    public init(state: [UInt64]) throws {
        guard state.count == 6, state[4] <= 1, state[0...3].contains(where: { $0 != 0 }) else {
            throw RandomGeneratorError.invalidState(state.count)
        }
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]
        spareNormal = state[4] == 1 ? Double(bitPattern: state[5]) : nil
    }

    /// A generator for a named sub-stream, so that adding draws in one place does not shift another.
    public func derived(_ stream: UInt64) -> RandomGenerator {
        var copy = self
        let mixed = copy.next() ^ (stream &* 0xD1B5_4A32_D192_ED03)
        return RandomGenerator(seed: mixed)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    /// Uniform in [0, 1) with 24 random bits (every value exactly representable as Float).
    @inline(__always)
    public mutating func uniformFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [low, high).
    @inline(__always)
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * uniformFloat() }

    /// Standard normal deviate (Box-Muller in Float64; the second value of each pair is kept for the next call).
    public mutating func normalDouble() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - uniformDouble()
        let u2 = uniformDouble()
        let radius = (-2.0 * log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }

    /// Gamma(shape, 1) deviate: Marsaglia and Tsang's squeeze method ("A simple method for generating gamma
    /// variables", 2000), with the u^(1/shape) boost for shape < 1.
    public mutating func gamma(shape: Double) -> Double {
        precondition(shape > 0 && shape.isFinite, "gamma(shape:) needs a positive finite shape, got \(shape)")
        if shape < 1 {
            let u = 1.0 - uniformDouble()
            return gamma(shape: shape + 1) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3.0, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normalDouble()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = 1.0 - uniformDouble()
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// Beta(a, b) deviate, as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a), y = gamma(shape: b)
        return x + y > 0 ? x / (x + y) : 0.5
    }

    /// Normal deviate with the given mean and standard deviation.
    @inline(__always)
    public mutating func normal(mean: Float = 0, std: Float = 1) -> Float { mean + std * Float(normalDouble()) }

    /// Integer uniform in 0..<bound without modulo bias (Lemire's multiply-and-reject method).
    ///
    /// Written out rather than taken from the standard library's `next(upperBound:)`, whose algorithm is not
    /// promised to stay the same: every split and shuffle AugBench stores depends on these draws.
    /// Reference: Lemire, "Fast random integer generation in an interval" (2019).
    public mutating func integer(below bound: Int) -> Int {
        precondition(bound > 0, "integer(below:) needs a positive bound, got \(bound)")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// A uniformly random permutation of 0..<count (Fisher-Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var result = Array(0..<count)
        shuffle(&result)
        return result
    }

    /// Shuffles `array` in place (Fisher-Yates, same draws as `permutation`).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = integer(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func categorical(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        precondition(total > 0 && weights.allSatisfy({ $0 >= 0 && $0.isFinite }),
                     "categorical needs finite non-negative weights with a positive sum")
        let target = uniformDouble() * total
        var running = 0.0
        for (index, weight) in weights.enumerated() {
            running += weight
            if target < running { return index }
        }
        return weights.lastIndex(where: { $0 > 0 })!
    }

    /// Fills `tensor` with uniform values in [low, high).
    public mutating func fillUniform(_ tensor: inout Tensor, low: Float = 0, high: Float = 1) {
        tensor.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = uniform(low, high) }
        }
    }

    /// Fills `tensor` with normal values.
    public mutating func fillNormal(_ tensor: inout Tensor, mean: Float = 0, std: Float = 1) {
        tensor.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = normal(mean: mean, std: std) }
        }
    }
}

public enum RandomGeneratorError: Error, CustomStringConvertible {
    /// The state array had the wrong length or content (the count of words is given).
    case invalidState(Int)

    public var description: String {
        switch self {
        case .invalidState(let words):
            return "invalid random generator state of \(words) words: expected the 6 words of RandomGenerator.state"
        }
    }
}
