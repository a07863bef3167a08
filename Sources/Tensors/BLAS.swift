import CBLAS

/// Thin, typed wrappers over the CBLAS routines AugBench uses. Matrices are row-major.
///
/// They take raw pointers so that layers can call them on slices of their flat buffers without copies.
public enum BLAS {
    /// Whether a matrix operand is used as stored or transposed.
    public enum Transpose: Sendable {
        case none, transposed
        @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
    }

    /// C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C.
    ///
    /// `lda`, `ldb`, `ldc` are the row strides of the matrices as stored.
    @inlinable
    public static func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// `sgemm` split into column blocks of C across AugBench's threads, with OpenBLAS itself single-threaded.
    ///
    /// One thread pool instead of two: OpenBLAS's threads spin-wait after each call and fight AugBench's loops
    /// for the cores. Each block is an independent product (no reduction across threads), so results depend
    /// only on the thread count, never on timing. Small products run in one call.
    public static func parallelSgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                                     alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                     b: UnsafePointer<Float>, ldb: Int,
                                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let parts = m * n * k < 1 << 18 ? 1 : min(Threads.count, max(1, n / 16))
        if parts == 1 {
            sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let blocks = Threads.ranges(n, parts: parts)
        Threads.parallelFor(blocks.count) { index in
            let block = blocks[index]
            // Columns j of op(B) start at b + j (stored as is) or at row j of B (stored transposed).
            let bBlock = transB == .none ? b + block.lowerBound : b + block.lowerBound * ldb
            sgemm(transA, transB, m: m, n: block.count, k: k, alpha: alpha, a: a, lda: lda, b: bBlock, ldb: ldb,
                  beta: beta, c: c + block.lowerBound, ldc: ldc)
        }
    }

    /// Float64 variant of `sgemm`, used where metrics need the precision (covariances).
    @inlinable
    public static func dgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                             alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                             b: UnsafePointer<Double>, ldb: Int,
                             beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA.cblas, transB.cblas, blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// C (n x n) = alpha * A^T A + beta * C for A stored k x n row-major (a Gram matrix: covariances), in the
    /// upper triangle only: half the products of `dgemm` on the same operands. Call `mirrorUpperTriangle`
    /// for the full matrix.
    @inlinable
    public static func dsyrkTransposed(n: Int, k: Int, alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                                       beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, blasint(n), blasint(k), alpha, a, blasint(lda), beta, c,
                    blasint(ldc))
    }

    /// Copies the upper triangle of a symmetric n x n row-major matrix into its lower triangle.
    public static func mirrorUpperTriangle(_ c: UnsafeMutablePointer<Double>, n: Int, ldc: Int) {
        for i in 0..<n { for j in 0..<i { c[i * ldc + j] = c[j * ldc + i] } }
    }

    /// y (m) = alpha * op(A) * x + beta * y, with A stored m x n row-major.
    @inlinable
    public static func sgemv(_ transA: Transpose, m: Int, n: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
                             beta: Float = 0, y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, transA.cblas, blasint(m), blasint(n), alpha, a, blasint(lda),
                    x, 1, beta, y, 1)
    }

    /// y += alpha * x over `count` contiguous elements.
    @inlinable
    public static func saxpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(blasint(count), alpha, x, 1, y, 1)
    }

    /// The kernels OpenBLAS picked for this CPU at load time (its "core name", e.g. Haswell, Zen, SkylakeX;
    /// OPENBLAS_CORETYPE overrides the choice), and its build configuration.
    public static var coreName: String { String(cString: openblas_get_corename()) }
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// Number of threads OpenBLAS uses for one call.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}

extension Tensor {
    /// Matrix product of two rank-2 tensors, optionally transposed: op(self) * op(other).
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) throws -> Tensor {
        guard rank == 2, other.rank == 2 else {
            throw TensorError.invalidShape(rank == 2 ? other.shape : shape)
        }
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let kOther = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        guard k == kOther else {
            throw TensorError.countMismatch(shape: other.shape, expected: k, actual: kOther)
        }
        var out = Tensor(shape: [m, n])
        withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(transposeSelf ? .transposed : .none, transposeOther ? .transposed : .none,
                               m: m, n: n, k: k, a: a.baseAddress!, lda: shape[1],
                               b: b.baseAddress!, ldb: other.shape[1], c: c.baseAddress!, ldc: n)
                }
            }
        }
        return out
    }
}
