import CBLAS

/// The Cholesky factor of a symmetric positive definite matrix in Float64 (LAPACK `dpotrf`): S = L L^T.
public struct Cholesky: Sendable {
    /// L, lower triangular, n x n row-major (zeros above the diagonal).
    public let lower: [Double]
    public let order: Int

    /// Factors the n x n symmetric `matrix` (row-major); nil when it is not positive definite (a zero or negative
    /// pivot: singular or indefinite, including semi-definite matrices).
    public init?(positiveDefinite matrix: [Double], order n: Int) {
        guard n > 0, matrix.count == n * n, matrix.allSatisfy({ $0.isFinite }) else { return nil }
        // Column-major 'U' on the same memory: U^T U = S with U upper triangular column-major, which read row-major
        // is L = U^T, lower triangular. dpotrf leaves the other triangle as it was; it is cleared below.
        var a = matrix
        var uplo = Int8(UInt8(ascii: "U"))
        var order = Int32(n), lda = Int32(n), info: Int32 = 0
        dpotrf_(&uplo, &order, &a, &lda, &info)
        guard info == 0 else { return nil }
        for row in 0..<n { for column in (row + 1)..<max(row + 1, n) { a[row * n + column] = 0 } }
        lower = a
        self.order = n
    }
}
