import Tensors
import TestSupport
import XCTest

final class LinearAlgebraTests: XCTestCase {
    /// Plain triple loop in Float64: the reference for every transpose combination.
    private func naiveProduct(_ a: [Float], _ aRows: Int, _ aCols: Int, transposeA: Bool,
                              _ b: [Float], _ bRows: Int, _ bCols: Int, transposeB: Bool) -> [Float] {
        let m = transposeA ? aCols : aRows, k = transposeA ? aRows : aCols, n = transposeB ? bRows : bCols
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transposeA ? a[p * aCols + i] : a[i * aCols + p]
                    let y = transposeB ? b[j * bCols + p] : b[p * bCols + j]
                    sum += Double(x) * Double(y)
                }
                c[i * n + j] = Float(sum)
            }
        }
        return c
    }

    func testMatmulMatchesNaiveProductForAllTransposes() throws {
        var generator = RandomGenerator(seed: 5)
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            let (m, k, n) = (7, 5, 3)
            var a = Tensor(shape: transposeA ? [k, m] : [m, k])
            var b = Tensor(shape: transposeB ? [n, k] : [k, n])
            generator.fillNormal(&a)
            generator.fillNormal(&b)
            let c = try a.matmul(b, transposeSelf: transposeA, transposeOther: transposeB)
            XCTAssertEqual(c.shape, [m, n])
            let expected = naiveProduct(a.storage, a.shape[0], a.shape[1], transposeA: transposeA,
                                        b.storage, b.shape[0], b.shape[1], transposeB: transposeB)
            assertClose(c.storage, expected, relative: 1e-5, absolute: 1e-5, "transposes \(transposeA) \(transposeB)")
        }
        XCTAssertThrowsError(try Tensor(shape: [2, 3]).matmul(Tensor(shape: [2, 3])))
    }

    func testSgemmAccumulatesWithBeta() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [1, 0, 0, 1]
        var c: [Float] = [10, 10, 10, 10]
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.sgemm(.none, .none, m: 2, n: 2, k: 2, alpha: 2, a: pa.baseAddress!, lda: 2,
                               b: pb.baseAddress!, ldb: 2, beta: 1, c: pc.baseAddress!, ldc: 2)
                }
            }
        }
        XCTAssertEqual(c, [12, 14, 16, 18])
    }

    func testSgemvAndSaxpy() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2 x 3
        let x: [Float] = [1, 1, 1]
        var y: [Float] = [0, 0]
        a.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    BLAS.sgemv(.none, m: 2, n: 3, a: pa.baseAddress!, lda: 3, x: px.baseAddress!, y: py.baseAddress!)
                }
            }
        }
        XCTAssertEqual(y, [6, 15])
        var z: [Float] = [1, 1, 1]
        x.withUnsafeBufferPointer { px in
            z.withUnsafeMutableBufferPointer { pz in BLAS.saxpy(count: 3, alpha: 0.5, x: px.baseAddress!, y: pz.baseAddress!) }
        }
        XCTAssertEqual(z, [1.5, 1.5, 1.5])
    }

    func testSymmetricEigenReconstructsTheMatrix() throws {
        let n = 6
        var generator = RandomGenerator(seed: 11)
        let r = (0..<(n * n)).map { _ in generator.normalDouble() }
        var s = [Double](repeating: 0, count: n * n)  // s = r r^T, symmetric positive semi-definite
        for i in 0..<n { for j in 0..<n { for p in 0..<n { s[i * n + j] += r[i * n + p] * r[j * n + p] } } }
        let eigen = try SymmetricEigen(symmetric: s, order: n)
        XCTAssertEqual(eigen.values, eigen.values.sorted())
        XCTAssertTrue(eigen.values.allSatisfy { $0 > -1e-10 })
        var rebuilt = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for e in 0..<n {
            rebuilt[i * n + j] += eigen.vectors[e * n + i] * eigen.values[e] * eigen.vectors[e * n + j]
        } } }
        assertClose(rebuilt, s, relative: 1e-10, absolute: 1e-10)
    }

    /// L L^T rebuilds a positive definite matrix, L lower triangular with a positive diagonal; a singular or
    /// indefinite matrix, or bad input, has no factor.
    func testCholeskyRebuildsAPositiveDefiniteMatrixAndRefusesOthers() throws {
        let n = 7
        var generator = RandomGenerator(seed: 12)
        let r = (0..<(n * n)).map { _ in generator.normalDouble() }
        var s = [Double](repeating: 0, count: n * n)  // r r^T + I: positive definite
        for i in 0..<n { for j in 0..<n { for p in 0..<n { s[i * n + j] += r[i * n + p] * r[j * n + p] } } }
        for i in 0..<n { s[i * n + i] += 1 }
        let factor = try XCTUnwrap(Cholesky(positiveDefinite: s, order: n))
        let l = factor.lower
        for i in 0..<n {
            XCTAssertGreaterThan(l[i * n + i], 0)
            for j in (i + 1)..<max(i + 1, n) { XCTAssertEqual(l[i * n + j], 0, "above the diagonal at (\(i), \(j))") }
        }
        var rebuilt = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for p in 0..<n { rebuilt[i * n + j] += l[i * n + p] * l[j * n + p] } } }
        assertClose(rebuilt, s, relative: 1e-12, absolute: 1e-12)

        XCTAssertNil(Cholesky(positiveDefinite: [1, 1, 1, 1], order: 2), "singular")
        XCTAssertNil(Cholesky(positiveDefinite: [1, 2, 2, 1], order: 2), "indefinite")
        XCTAssertNil(Cholesky(positiveDefinite: [1, 0, 0], order: 2), "wrong size")
        XCTAssertNil(Cholesky(positiveDefinite: [1, .nan, .nan, 1], order: 2), "NaN")
    }

    func testSymmetricEigenKnownValuesAndBadInput() throws {
        let eigen = try SymmetricEigen(symmetric: [2, 1, 1, 2], order: 2)
        assertClose(eigen.values, [1, 3], relative: 1e-12, absolute: 1e-12)
        XCTAssertThrowsError(try SymmetricEigen(symmetric: [1, 2, 3], order: 2))
        XCTAssertThrowsError(try SymmetricEigen(symmetric: [1, .nan, .nan, 1], order: 2))
    }

    func testParallelForVisitsEveryChunkOnce() {
        Threads.configure(2)
        defer { Threads.configure(1) }
        var hits = [Int](repeating: 0, count: 64)
        hits.withUnsafeMutableBufferPointer { buffer in
            Threads.parallelFor(64) { chunk in buffer[chunk] += 1 }
        }
        XCTAssertEqual(hits, [Int](repeating: 1, count: 64))
        XCTAssertEqual(Threads.ranges(10, parts: 3), [0..<3, 3..<6, 6..<10])
    }
}
