import Tensors

/// Mean and covariance of a feature set, in Float64: what the Frechet distance compares.
public struct FeatureStatistics: Sendable, Equatable {
    /// Number of feature vectors (rows) summarised.
    public let count: Int
    /// Length of each feature vector.
    public let dimension: Int
    /// [dimension]
    public let mean: [Double]
    /// [dimension x dimension], row-major, unbiased (divides by count - 1, as `np.cov`).
    public let covariance: [Double]

    /// Statistics given directly (as a metrics file stores them); `dimension` is `mean.count`.
    public init(count: Int, mean: [Double], covariance: [Double]) {
        self.count = count
        self.dimension = mean.count
        self.mean = mean
        self.covariance = covariance
    }

    /// Entries of one block of centred rows (256 KB of Float64, half of a core's L2 cache on current CPUs).
    static let blockEntries = 1 << 15

    /// Statistics of the rows of `features` [N, D]; at least two rows are needed for a covariance.
    public init(features: Tensor) throws {
        guard features.rank == 2 else { throw MetricError("features must be [N, D], got \(features.shape)") }
        let (n, d) = (features.shape[0], features.shape[1])
        guard n >= 2 else { throw MetricError("a covariance needs at least 2 samples, got \(n)") }
        var mean = [Double](repeating: 0, count: d)
        features.withUnsafeBufferPointer { x in
            mean.withUnsafeMutableBufferPointer { sums in
                // Column sums in row order, in Float64: a sum of finite Floats cannot overflow there, so the sums
                // are finite exactly when every feature is (one pass instead of a separate check).
                for row in 0..<n { addWidened(x.baseAddress! + row * d, to: sums.baseAddress!, count: d) }
            }
        }
        guard mean.allSatisfy({ $0.isFinite }) else { throw MetricError("features contain NaN or infinity") }
        for j in 0..<d { mean[j] /= Double(n) }
        // Centred rows are added block by block (rank-k updates of the upper triangle): a block stays in cache,
        // where the whole centred matrix in Float64 (10 MB for 10k x 128) would be written and read back.
        let blockRows = max(1, Self.blockEntries / d)
        var covariance = [Double](repeating: 0, count: d * d)
        var block = [Double](repeating: 0, count: min(n, blockRows) * d)
        features.withUnsafeBufferPointer { x in
            mean.withUnsafeBufferPointer { mean in
                block.withUnsafeMutableBufferPointer { centered in
                    covariance.withUnsafeMutableBufferPointer { c in
                        for first in stride(from: 0, to: n, by: blockRows) {
                            let rows = min(blockRows, n - first)
                            for row in 0..<rows {
                                subtractWidened(x.baseAddress! + (first + row) * d, mean.baseAddress!,
                                                into: centered.baseAddress! + row * d, count: d)
                            }
                            BLAS.dsyrkTransposed(n: d, k: rows, alpha: 1 / Double(n - 1), a: centered.baseAddress!, lda: d,
                                                 beta: first == 0 ? 0 : 1, c: c.baseAddress!, ldc: d)
                        }
                        BLAS.mirrorUpperTriangle(c.baseAddress!, n: d, ldc: d)
                    }
                }
            }
        }
        self.init(count: n, mean: mean, covariance: covariance)
    }
}

/// sums[j] += Double(x[j]) for j < count, four lanes at a time (the loop over Float and Double pointers is not
/// vectorised by the compiler; element by element, this and the centring took over a third of the statistics' time).
@inline(__always)
private func addWidened(_ x: UnsafePointer<Float>, to sums: UnsafeMutablePointer<Double>, count: Int) {
    var j = 0
    while j + 4 <= count {
        let wide = SIMD4<Double>(UnsafeRawPointer(x + j).loadUnaligned(as: SIMD4<Float>.self))
        let sum = UnsafeRawPointer(sums + j).loadUnaligned(as: SIMD4<Double>.self) + wide
        UnsafeMutableRawPointer(sums + j).storeBytes(of: sum, as: SIMD4<Double>.self)
        j += 4
    }
    while j < count { sums[j] += Double(x[j]); j += 1 }
}

/// out[j] = Double(x[j]) - mean[j] for j < count, four lanes at a time.
@inline(__always)
private func subtractWidened(_ x: UnsafePointer<Float>, _ mean: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
                             count: Int) {
    var j = 0
    while j + 4 <= count {
        let wide = SIMD4<Double>(UnsafeRawPointer(x + j).loadUnaligned(as: SIMD4<Float>.self))
        let centred = wide - UnsafeRawPointer(mean + j).loadUnaligned(as: SIMD4<Double>.self)
        UnsafeMutableRawPointer(out + j).storeBytes(of: centred, as: SIMD4<Double>.self)
        j += 4
    }
    while j < count { out[j] = Double(x[j]) - mean[j]; j += 1 }
}

/// A metric that cannot be computed from its inputs; one line saying why.
public struct MetricError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, in one line (`description` adds the `metrics:` prefix).
    public let message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { "metrics: \(message)" }
}
