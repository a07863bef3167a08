import Foundation
import Tensors

/// Euclidean distances between feature sets, computed block by block in Float64 (||a||^2 + ||b||^2 - 2 a.b with
/// dgemm) so that 10,000 x 10,000 comparisons never hold the whole matrix.
enum PairwiseDistances {
    /// Calls `body(firstRow, block)` with distances from rows firstRow..<firstRow+rows of `a` to every row of `b`:
    /// block[r * b.count + j] = |a_(firstRow + r) - b_j|.
    static func forEachBlock(_ a: [Double], _ b: [Double], dimension d: Int, blockRows: Int = 256,
                             _ body: (Int, UnsafeBufferPointer<Double>) -> Void) {
        let (na, nb) = (a.count / d, b.count / d)
        let normsB = (0..<nb).map { j in (0..<d).reduce(0.0) { $0 + b[j * d + $1] * b[j * d + $1] } }
        var block = [Double](repeating: 0, count: blockRows * nb)
        var first = 0
        while first < na {
            let rows = min(blockRows, na - first)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    block.withUnsafeMutableBufferPointer { out in
                        BLAS.dgemm(.none, .transposed, m: rows, n: nb, k: d, alpha: -2, a: pa.baseAddress! + first * d, lda: d,
                                   b: pb.baseAddress!, ldb: d, c: out.baseAddress!, ldc: nb)
                        for r in 0..<rows {
                            var normA = 0.0
                            for k in 0..<d { normA += pa[(first + r) * d + k] * pa[(first + r) * d + k] }
                            for j in 0..<nb { out[r * nb + j] = max(0, out[r * nb + j] + normA + normsB[j]).squareRoot() }
                        }
                    }
                }
            }
            block.withUnsafeBufferPointer { body(first, UnsafeBufferPointer(rebasing: $0[0..<(rows * nb)])) }
            first += rows
        }
    }

    /// Distance from each row of `points` to its k-th nearest other row (the row itself, at distance 0, is not
    /// counted): the radius of its neighbourhood ball.
    static func kthNeighbourRadii(_ points: [Double], dimension d: Int, k: Int) -> [Double] {
        let n = points.count / d
        var radii = [Double](repeating: 0, count: n)
        forEachBlock(points, points, dimension: d) { first, block in
            for r in 0..<(block.count / n) {
                // The (k+1)-th smallest including self, as the PRDC reference computes it.
                var row = Array(block[(r * n)..<((r + 1) * n)])
                radii[first + r] = kthSmallest(&row, k + 1)
            }
        }
        return radii
    }

    /// The k-th smallest value (1-based) of `values` (partially reorders it).
    static func kthSmallest(_ values: inout [Double], _ k: Int) -> Double {
        precondition(k >= 1 && k <= values.count, "k-th smallest of \(values.count) values, k = \(k)")
        var low = 0, high = values.count - 1
        let target = k - 1
        while true {
            if low == high { return values[low] }
            let pivot = values[(low + high) / 2]
            var i = low, j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j { values.swapAt(i, j); i += 1; j -= 1 }
            }
            if target <= j { high = j } else if target >= i { low = i } else { return values[target] }
        }
    }
}

/// Rows of a [N, D] feature tensor as Float64, row-major.
func doubleRows(_ features: Tensor, _ name: String) throws -> (values: [Double], count: Int, dimension: Int) {
    guard features.rank == 2 else { throw MetricError("\(name) features must be [N, D], got \(features.shape)") }
    guard features.storage.allSatisfy({ $0.isFinite }) else { throw MetricError("\(name) features contain NaN or infinity") }
    return (features.storage.map(Double.init), features.shape[0], features.shape[1])
}
