import Layers
import Tensors
import XCTest

/// A layer's output and gradients may differ between thread counts only by float rounding: the work is split,
/// never changed. (A channel split once read the wrong images in ConvTranspose2D at 2 or more threads; the
/// gradient and PyTorch fixture suites run at one thread and could not see it.)
final class ThreadCountTests: XCTestCase {
    override func tearDown() { Threads.configure(1) }

    private func outputs(_ make: () -> Layer, input shape: [Int], mode: Mode) -> [[Float]] {
        [1, 2, 3].map { threads in
            Threads.configure(threads)
            let layer = make()
            var generator = RandomGenerator(seed: 7)
            for parameter in layer.parameters { generator.fillNormal(&parameter.value, std: 0.2) }
            var input = Tensor(shape: shape)
            generator.fillNormal(&input)
            layer.forward(input, mode: mode)
            var outputGradient = Tensor(shape: layer.output.shape)
            generator.fillNormal(&outputGradient)
            for parameter in layer.parameters { parameter.zeroGradient() }
            layer.backward(input: input, outputGradient: outputGradient)
            return layer.output.storage + layer.inputGradient.storage + layer.parameters.flatMap(\.gradient.storage)
        }
    }

    private func assertClose(_ results: [[Float]], _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        for other in results.dropFirst() {
            let worst = zip(results[0], other).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-4, "\(name): outputs at 1 and more threads differ by \(worst)", file: file, line: line)
        }
    }

    func testGANLayersGiveTheSameOutputsAndGradientsAtEveryThreadCount() {
        assertClose(outputs({ ConvTranspose2D(inputChannels: 150, outputChannels: 128, kernelSize: 7, bias: false) }, input: [32, 150, 1, 1], mode: .training), "convT 7x7")
        assertClose(outputs({ ConvTranspose2D(inputChannels: 128, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, bias: false) }, input: [32, 128, 7, 7], mode: .training), "convT 4x4 s2")
        assertClose(outputs({ Conv2D(inputChannels: 2, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1) }, input: [32, 2, 28, 28], mode: .training), "conv 4x4 s2")
        assertClose(outputs({ BatchNorm(channels: 128) }, input: [32, 128, 7, 7], mode: .training), "batchnorm")
        assertClose(outputs({ LeakyReLU(slope: 0.2) }, input: [64, 128, 16, 16], mode: .training), "leaky relu")
        assertClose(outputs({ Linear(inputFeatures: 6272, outputFeatures: 1) }, input: [32, 6272], mode: .training), "linear")
    }
}

final class ParallelProductTests: XCTestCase {
    override func tearDown() { Threads.configure(1) }

    /// Every transpose combination of the split product equals a plain Float64 product, at 1, 2 and 3 threads.
    func testSplitProductsEqualThePlainProduct() {
        let (m, n, k) = (96, 400, 40)
        var generator = RandomGenerator(seed: 3)
        var a = Tensor(shape: [m * k]), b = Tensor(shape: [k * n])
        generator.fillNormal(&a)
        generator.fillNormal(&b)
        for transA in [BLAS.Transpose.none, .transposed] {
            for transB in [BLAS.Transpose.none, .transposed] {
                var expected = [Double](repeating: 0, count: m * n)
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = 0.0
                        for p in 0..<k {
                            let av = transA == .none ? a.storage[i * k + p] : a.storage[p * m + i]
                            let bv = transB == .none ? b.storage[p * n + j] : b.storage[j * k + p]
                            sum += Double(av) * Double(bv)
                        }
                        expected[i * n + j] = sum
                    }
                }
                for threads in 1...3 {
                    Threads.configure(threads)
                    var c = [Float](repeating: 0, count: m * n)
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                BLAS.parallelSgemm(transA, transB, m: m, n: n, k: k, a: ap.baseAddress!, lda: transA == .none ? k : m,
                                                   b: bp.baseAddress!, ldb: transB == .none ? n : k, c: cp.baseAddress!, ldc: n)
                            }
                        }
                    }
                    let worst = zip(c, expected).map { abs(Double($0) - $1) }.max()!
                    XCTAssertLessThan(worst, 1e-3, "transA \(transA) transB \(transB) threads \(threads)")
                }
            }
        }
    }
}
