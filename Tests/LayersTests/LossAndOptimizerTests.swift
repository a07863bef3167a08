import Foundation
import Layers
import Optimizers
import Tensors
import TestSupport
import XCTest

final class LossAndOptimizerTests: XCTestCase {
    /// Finite differences of a loss with respect to its input.
    private func numericGradient(_ x: Tensor, step: Float = 1e-3, _ loss: (Tensor) -> Float) -> [Float] {
        (0..<x.count).map { i in
            var plus = x, minus = x
            plus.withUnsafeMutableBufferPointer { $0[i] += step }
            minus.withUnsafeMutableBufferPointer { $0[i] -= step }
            return (loss(plus) - loss(minus)) / (2 * step)
        }
    }

    func testCrossEntropyValueAndGradient() {
        let logits = try! Tensor(shape: [2, 3], storage: [1, 2, 3, 0, 0, 0])
        var gradient = Tensor(shape: [0])
        let loss = SoftmaxCrossEntropy()(logits, labels: [2, 0], gradient: &gradient)
        let expected = ((log(exp(1.0) + exp(2.0) + exp(3.0)) - 3) + log(3.0)) / 2
        XCTAssertEqual(Double(loss), expected, accuracy: 1e-6)
        for smoothing: Float in [0, 0.1] {
            let criterion = SoftmaxCrossEntropy(labelSmoothing: smoothing)
            let x = randomTensor([4, 5], seed: 1)
            var g = Tensor(shape: [0])
            _ = criterion(x, labels: [0, 4, 2, 2], gradient: &g)
            var scratch = Tensor(shape: [0])
            let numeric = numericGradient(x) { criterion($0, labels: [0, 4, 2, 2], gradient: &scratch) }
            assertClose(g.storage, numeric, relative: 1e-2, absolute: 1e-4, "smoothing \(smoothing)")
        }
    }

    func testLabelSmoothingMatchesTheDefinition() {
        // eps = 0.2 over 4 classes: loss = -(0.85 log p_label + 0.05 sum_{j != label} log p_j).
        let logits = try! Tensor(shape: [1, 4], storage: [0.5, -1, 2, 0])
        var gradient = Tensor(shape: [0])
        let loss = SoftmaxCrossEntropy(labelSmoothing: 0.2)(logits, labels: [1], gradient: &gradient)
        let z: [Double] = [0.5, -1, 2, 0]
        let logSum = log(z.map { exp($0) }.reduce(0, +))
        let logP = z.map { $0 - logSum }
        let expected = -(0.85 * logP[1] + 0.05 * (logP[0] + logP[2] + logP[3]))
        XCTAssertEqual(Double(loss), expected, accuracy: 1e-6)
    }

    func testBinaryCrossEntropyWithLogitsAndMSE() {
        let x = randomTensor([6, 1], seed: 2, std: 3)
        let targets: [Float] = [1, 0, 1, 1, 0, 0]
        var g = Tensor(shape: [0]), scratch = Tensor(shape: [0])
        let bce = BinaryCrossEntropyWithLogits()
        let value = bce(x, targets: targets, gradient: &g)
        let reference = zip(x.storage, targets).map { z, t -> Double in
            let p = 1 / (1 + exp(-Double(z)))
            return -(Double(t) * log(p) + (1 - Double(t)) * log(1 - p))
        }.reduce(0, +) / 6
        XCTAssertEqual(Double(value), reference, accuracy: 1e-6)
        assertClose(g.storage, numericGradient(x) { bce($0, targets: targets, gradient: &scratch) }, relative: 1e-2, absolute: 1e-4)
        // Extreme logits stay finite.
        XCTAssertTrue(bce(try! Tensor(shape: [2], storage: [200, -200]), targets: [0, 1], gradient: &g).isFinite)

        let targetTensor = randomTensor([6, 1], seed: 3)
        let mse = MeanSquaredError()
        _ = mse(x, targets: targetTensor, gradient: &g)
        assertClose(g.storage, numericGradient(x) { mse($0, targets: targetTensor, gradient: &scratch) }, relative: 1e-2, absolute: 1e-3)
    }

    func testAdamMatchesTheClosedFormFirstSteps() {
        let parameter = Parameter(name: "w", shape: [2])
        parameter.value = try! Tensor(shape: [2], storage: [1, -1])
        let adam = Adam(parameters: [parameter], learningRate: 0.1)
        parameter.gradient = try! Tensor(shape: [2], storage: [0.5, -2])
        adam.update()
        // First step: m_hat = g, v_hat = g^2, so p -= lr * g / (|g| + eps) = lr * sign(g).
        assertClose(parameter.value.storage, [0.9, -0.9], relative: 1e-5, absolute: 1e-6)
        adam.update()  // same gradient again: still a step of lr * sign(g)
        assertClose(parameter.value.storage, [0.8, -0.8], relative: 1e-5, absolute: 1e-6)
    }

    /// A parameter large enough to be split across threads (`Threads.elementwise`) updates as in one loop: the
    /// same floats at 1 and 2 threads, and each one the closed form of two steps with different gradients.
    func testAdamOnALargeParameterIsTheSameAtEveryThreadCount() {
        defer { Threads.configure(1) }
        let count = Threads.elementwiseMinimum + 1001
        // Values with many different roundings (small integers would hide a change in the order of operations).
        func initial(_ i: Int) -> Float { Float(i % 97) / 17 - 2.5 }
        func gradient(_ i: Int, step: Int) -> Float { Float((i * 7 + step * 13) % 89) / 23 - 1.9 }
        func run(threads: Int) -> [Float] {
            Threads.configure(threads)
            let parameter = Parameter(name: "w", shape: [count])
            parameter.value = try! Tensor(shape: [count], storage: (0..<count).map(initial))
            let adam = Adam(parameters: [parameter], learningRate: 0.01, weightDecay: 0.1)
            for step in 0..<2 {
                parameter.gradient = try! Tensor(shape: [count], storage: (0..<count).map { gradient($0, step: step) })
                adam.update()
            }
            return parameter.value.storage
        }
        let (one, two) = (run(threads: 1), run(threads: 2))
        XCTAssertEqual(one, two)
        // Bit for bit the update written out in Float, one element at a time, whatever the split across threads.
        let scalar = (0..<count).map { i -> Float in
            var (p, m, v) = (initial(i), Float(0), Float(0))
            for t in 1...2 {
                let grad = gradient(i, step: t - 1) + 0.1 * p
                m = 0.9 * m + (1 - 0.9) * grad
                v = 0.999 * v + (1 - 0.999) * grad * grad
                let stepSize = Float(Double(Float(0.01)) / (1 - pow(Double(Float(0.9)), Double(t))))
                let rootCorrection2 = Float((1 - pow(Double(Float(0.999)), Double(t))).squareRoot())
                p -= stepSize * m / (v.squareRoot() / rootCorrection2 + 1e-8)
            }
            return p
        }
        XCTAssertEqual(one.indices.filter { one[$0] != scalar[$0] }.count, 0, "elements that differ from the scalar update")
        for i in [0, 1, 2, 3, 4, 5, 6, Threads.elementwiseMinimum / 2 + 3, count - 1] {
            // Adam with L2 weight decay, in Double: g_t = grad_t + wd * p_(t-1).
            var (p, m, v) = (Double(initial(i)), 0.0, 0.0)
            for t in 1...2 {
                let g = Double(gradient(i, step: t - 1)) + 0.1 * p
                m = 0.9 * m + 0.1 * g
                v = 0.999 * v + 0.001 * g * g
                p -= 0.01 * (m / (1 - pow(0.9, Double(t)))) / ((v / (1 - pow(0.999, Double(t)))).squareRoot() + 1e-8)
            }
            XCTAssertEqual(Double(one[i]), p, accuracy: 1e-5, "element \(i)")
        }
    }

    func testSGDWithMomentum() {
        let parameter = Parameter(name: "w", shape: [1])
        parameter.value = try! Tensor(shape: [1], storage: [1])
        let sgd = SGD(parameters: [parameter], learningRate: 0.1, momentum: 0.9)
        parameter.gradient = try! Tensor(shape: [1], storage: [1])
        sgd.update()  // b = 1, p = 0.9
        sgd.update()  // b = 1.9, p = 0.71
        XCTAssertEqual(parameter.value.storage[0], 0.71, accuracy: 1e-6)
    }
}
