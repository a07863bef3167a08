import CBLAS

/// Eigendecomposition of a real symmetric matrix in Float64 (LAPACK `dsyevd`, divide and conquer).
///
/// FID needs the trace of a matrix square root; for symmetric positive semi-definite matrices that is done
/// through this decomposition, which never produces complex values.
public struct SymmetricEigen: Sendable {
    /// Eigenvalues in ascending order.
    public let values: [Double]
    /// Eigenvectors as the rows of an n x n row-major matrix: row i belongs to `values[i]`.
    public let vectors: [Double]
    /// Matrix order.
    public let order: Int

    /// Decomposes the n x n symmetric matrix `matrix` (row-major; only symmetry is assumed, not checked).
    public init(symmetric matrix: [Double], order n: Int, computeVectors: Bool = true) throws {
        guard n > 0, matrix.count == n * n else {
            throw SymmetricEigenError.badInput("expected \(n) x \(n) = \(n * n) elements, got \(matrix.count)")
        }
        guard matrix.allSatisfy({ $0.isFinite }) else {
            throw SymmetricEigenError.badInput("matrix contains NaN or infinity")
        }
        // LAPACK is column-major; a symmetric matrix is its own transpose, and the eigenvectors come back as
        // columns of the column-major result, i.e. as rows when the same memory is read row-major.
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        var jobz = Int8(UInt8(ascii: computeVectors ? "V" : "N"))
        var uplo = Int8(UInt8(ascii: "U"))
        var order = Int32(n), lda = Int32(n), info: Int32 = 0
        // Workspace query first, then the real call.
        var lwork: Int32 = -1, liwork: Int32 = -1
        var workQuery = 0.0
        var iworkQuery: Int32 = 0
        dsyevd_(&jobz, &uplo, &order, &a, &lda, &w, &workQuery, &lwork, &iworkQuery, &liwork, &info)
        guard info == 0 else { throw SymmetricEigenError.lapack(info) }
        lwork = Int32(workQuery.rounded(.up))
        liwork = iworkQuery
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &order, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { throw SymmetricEigenError.lapack(info) }
        values = w
        vectors = computeVectors ? a : []
        self.order = n
    }
}

public enum SymmetricEigenError: Error, CustomStringConvertible {
    case badInput(String)
    case lapack(Int32)

    public var description: String {
        switch self {
        case .badInput(let why): return "symmetric eigendecomposition: \(why)"
        case .lapack(let info):
            return info < 0 ? "symmetric eigendecomposition: LAPACK dsyevd rejected argument \(-info)"
                            : "symmetric eigendecomposition did not converge (dsyevd info \(info))"
        }
    }
}
