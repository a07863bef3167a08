import Tensors

/// Mean and covariance of a feature set, in Float64: what the Frechet distance compares.
public struct FeatureStatistics: Sendable, Equatable {
    public let count: Int
    public let dimension: Int
    /// [dimension]
    public let mean: [Double]
    /// [dimension x dimension], row-major, unbiased (divides by count - 1, as `np.cov`).
    public let covariance: [Double]

    public init(count: Int, mean: [Double], covariance: [Double]) {
        self.count = count
        self.dimension = mean.count
        self.mean = mean
        self.covariance = covariance
    }

    /// Statistics of the rows of `features` [N, D]; at least two rows are needed for a covariance.
    public init(features: Tensor) throws {
        guard features.rank == 2 else { throw MetricError("features must be [N, D], got \(features.shape)") }
        let (n, d) = (features.shape[0], features.shape[1])
        guard n >= 2 else { throw MetricError("a covariance needs at least 2 samples, got \(n)") }
        guard features.storage.allSatisfy({ $0.isFinite }) else { throw MetricError("features contain NaN or infinity") }
        var centered = features.storage.map(Double.init)
        var mean = [Double](repeating: 0, count: d)
        for row in 0..<n { for j in 0..<d { mean[j] += centered[row * d + j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        for row in 0..<n { for j in 0..<d { centered[row * d + j] -= mean[j] } }
        var covariance = [Double](repeating: 0, count: d * d)
        centered.withUnsafeBufferPointer { x in
            covariance.withUnsafeMutableBufferPointer { c in
                BLAS.dgemm(.transposed, .none, m: d, n: d, k: n, alpha: 1 / Double(n - 1), a: x.baseAddress!, lda: d,
                           b: x.baseAddress!, ldb: d, c: c.baseAddress!, ldc: d)
            }
        }
        self.init(count: n, mean: mean, covariance: covariance)
    }
}

/// A metric that cannot be computed from its inputs; one line saying why.
public struct MetricError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "metrics: \(message)" }
}
