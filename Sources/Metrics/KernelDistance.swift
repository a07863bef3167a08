import Foundation
import Tensors

/// Kernel Inception Distance (Binkowski et al. 2018): the unbiased estimate of MMD^2 with the cubic polynomial
/// kernel k(x, y) = (x.y / d + 1)^3, averaged over random subsets of both sets (torch-fidelity's defaults:
/// 100 subsets of 1000). The standard deviation is over subsets (population form, as torch-fidelity reports).
public struct KernelDistance: Sendable, Equatable {
    /// KID: the mean of the subsets' MMD^2 estimates (unbiased, so it can be slightly below 0).
    public let mean: Double
    /// Population standard deviation of the estimates over the subsets.
    public let std: Double
    /// Subsets used and their size (the size shrinks to the smaller set when it has fewer samples).
    public let subsets: Int
    /// Samples drawn from each set for every subset.
    public let subsetSize: Int

    /// Random subsets drawn from `seed` (without replacement within a subset).
    public static func compute(_ a: Tensor, _ b: Tensor, subsets: Int = 100, subsetSize: Int = 1000, seed: UInt64 = 0,
                               warn: (String) -> Void = { _ in }) throws -> KernelDistance {
        let na = a.shape.first ?? 0, nb = b.shape.first ?? 0
        let size = min(subsetSize, na, nb)
        guard size >= 2 else { throw MetricError("KID needs at least 2 samples in each set, got \(na) and \(nb)") }
        if size < subsetSize {
            warn("KID subset size reduced from \(subsetSize) to \(size) (the smaller set has \(min(na, nb)) samples)")
        }
        var generator = RandomGenerator(seed: seed)
        let indices = (0..<subsets).map { _ in
            (Array(generator.permutation(na).prefix(size)), Array(generator.permutation(nb).prefix(size)))
        }
        return try compute(a, b, subsetIndices: indices)
    }

    /// The estimate over given subsets (pairs of equally long index lists into `a` and `b`).
    public static func compute(_ a: Tensor, _ b: Tensor, subsetIndices: [([Int], [Int])]) throws -> KernelDistance {
        let x = try doubleRows(a, "first"), y = try doubleRows(b, "second")
        guard x.dimension == y.dimension else { throw MetricError("feature dimensions differ: \(x.dimension) and \(y.dimension)") }
        guard !subsetIndices.isEmpty, subsetIndices.allSatisfy({ $0.0.count == $0.1.count && $0.0.count >= 2 }) else {
            throw MetricError("KID needs subsets of equal size >= 2")
        }
        let d = x.dimension
        let values = subsetIndices.map { pair -> Double in
            let m = pair.0.count
            let fx = pair.0.flatMap { Array(x.values[($0 * d)..<(($0 + 1) * d)]) }
            let fy = pair.1.flatMap { Array(y.values[($0 * d)..<(($0 + 1) * d)]) }
            let kxx = polynomialKernel(fx, fx, m: m, d: d), kyy = polynomialKernel(fy, fy, m: m, d: d)
            let kxy = polynomialKernel(fx, fy, m: m, d: d)
            var sumXX = 0.0, sumYY = 0.0
            for i in 0..<m { for j in 0..<m where i != j { sumXX += kxx[i * m + j]; sumYY += kyy[i * m + j] } }
            let sumXY = kxy.reduce(0, +)
            return (sumXX + sumYY) / Double(m * (m - 1)) - 2 * sumXY / Double(m * m)
        }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        return KernelDistance(mean: mean, std: variance.squareRoot(), subsets: values.count, subsetSize: subsetIndices[0].0.count)
    }

    /// (x.y / d + 1)^3 for all pairs of rows.
    static func polynomialKernel(_ x: [Double], _ y: [Double], m: Int, d: Int) -> [Double] {
        var gram = [Double](repeating: 0, count: m * m)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                gram.withUnsafeMutableBufferPointer { g in
                    BLAS.dgemm(.none, .transposed, m: m, n: m, k: d, alpha: 1 / Double(d), a: px.baseAddress!, lda: d,
                               b: py.baseAddress!, ldb: d, c: g.baseAddress!, ldc: m)
                }
            }
        }
        return gram.map { let v = $0 + 1; return v * v * v }
    }
}

/// Inception-style score from a classifier's logits (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y))),
/// computed on `splits` contiguous parts; mean and (population) standard deviation over the parts.
public struct InceptionScore: Sendable, Equatable {
    /// Mean score over the splits: from 1 up to the number of classes (confident, varied predictions).
    public let mean: Double
    /// Population standard deviation of the score over the splits.
    public let std: Double

    /// The score of logits [N, C] over `splits` contiguous parts; throws unless 1 <= splits <= N.
    public static func compute(logits: Tensor, splits: Int = 10) throws -> InceptionScore {
        guard logits.rank == 2, logits.shape[0] >= splits, splits >= 1 else {
            throw MetricError("inception score needs logits [N, C] with N >= splits (\(splits)), got \(logits.shape)")
        }
        let (n, c) = (logits.shape[0], logits.shape[1])
        // Softmax per row in Float64.
        var p = [Double](repeating: 0, count: n * c)
        for row in 0..<n {
            let z = (0..<c).map { Double(logits.storage[row * c + $0]) }
            let top = z.max()!
            let e = z.map { exp($0 - top) }
            let total = e.reduce(0, +)
            for j in 0..<c { p[row * c + j] = e[j] / total }
        }
        let scores = (0..<splits).map { split -> Double in
            let rows = (split * n / splits)..<((split + 1) * n / splits)
            var marginal = [Double](repeating: 0, count: c)
            for row in rows { for j in 0..<c { marginal[j] += p[row * c + j] } }
            for j in 0..<c { marginal[j] /= Double(rows.count) }
            var kl = 0.0
            for row in rows {
                for j in 0..<c where p[row * c + j] > 0 { kl += p[row * c + j] * (log(p[row * c + j]) - log(marginal[j])) }
            }
            return exp(kl / Double(rows.count))
        }
        let mean = scores.reduce(0, +) / Double(splits)
        let variance = scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(splits)
        return InceptionScore(mean: mean, std: variance.squareRoot())
    }
}
