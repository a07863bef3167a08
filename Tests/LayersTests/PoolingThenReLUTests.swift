import Layers
import Tensors
import TestSupport
import XCTest

/// The reference classifier and the feature extractor pool before their ReLU (ReLU then max pooling in PyTorch's
/// order): both orders must give the same outputs and input gradients, with ties, negative windows, signed zeros
/// and NaNs in the input, at 1 and 2 threads.
final class PoolingThenReLUTests: XCTestCase {
    override func tearDown() { Threads.configure(1) }

    func testMaxPoolingThenReLUEqualsReLUThenMaxPooling() {
        var generator = RandomGenerator(seed: 7)
        var input = Tensor(shape: [4, 8, 46, 46])
        input.withUnsafeMutableBufferPointer { x in
            for i in x.indices { x[i] = [-2, -1, -0.0, 0, 1, 3][generator.integer(below: 6)] }
            for _ in 0..<50 { x[generator.integer(below: x.count)] = .nan }
        }
        XCTAssertGreaterThanOrEqual(input.count, Threads.elementwiseMinimum)
        for threads in [1, 2] {
            Threads.configure(threads)
            let pytorchOrder = Sequential([ReLU(), MaxPool2D(kernelSize: 2)])
            let pooledFirst = Sequential([MaxPool2D(kernelSize: 2), ReLU()])
            var gradient = Tensor(shape: [4, 8, 23, 23])
            gradient.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] = Float(i % 13) - 6 } }
            for network in [pytorchOrder, pooledFirst] {
                network.computesInputGradient = true
                network.forward(input, mode: .training)
                network.backward(input: input, outputGradient: gradient)
            }
            let (expected, actual) = (pytorchOrder.output.storage, pooledFirst.output.storage)
            let wrongOutputs = expected.indices.filter { !(expected[$0] == actual[$0] || expected[$0].isNaN && actual[$0].isNaN) }
            XCTAssert(wrongOutputs.isEmpty, "\(threads) threads: \(wrongOutputs.count) outputs differ, first at \(wrongOutputs.first ?? -1)")
            XCTAssert(expected.contains { $0.isNaN } && expected.contains(0) && expected.contains(3), "the input reaches every case")
            let (expectedGradient, actualGradient) = (pytorchOrder.inputGradient.storage, pooledFirst.inputGradient.storage)
            let wrongGradients = expectedGradient.indices.filter { expectedGradient[$0] != actualGradient[$0] }
            XCTAssert(wrongGradients.isEmpty, "\(threads) threads: \(wrongGradients.count) input gradients differ, first at \(wrongGradients.first ?? -1)")
            XCTAssert(expectedGradient.contains { $0 != 0 }, "some gradient reaches the input")
        }
    }
}
