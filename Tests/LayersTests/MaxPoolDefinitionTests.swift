import Layers
import Tensors
import TestSupport
import XCTest

/// Max pooling with tiling windows against the definition: the 2 x 2 kernel (four outputs at a time, a row's last
/// four again when its width is not a multiple of 4, one at a time below four) and 3 x 3, backward included (into a
/// reused buffer, rows and columns past the last window too): values drawn from a few levels so that ties are
/// common, NaNs in some windows, widths on every path, both modes.
final class MaxPoolDefinitionTests: XCTestCase {
    func testTiledPoolingMatchesTheDefinitionWithTiesAndNaN() {
        for (k, height, width) in [(2, 2, 2), (2, 4, 6), (2, 5, 7), (2, 6, 8), (2, 3, 9), (2, 4, 13), (2, 28, 28), (2, 14, 14),
                                   (3, 7, 8), (3, 9, 9)] {
            var generator = RandomGenerator(seed: UInt64(height * 100 + width))
            var input = Tensor(shape: [2, 3, height, width])
            input.withUnsafeMutableBufferPointer { x in
                for i in x.indices { x[i] = Float(generator.integer(below: 4)) - 1 }   // -1, 0, 1, 2: many ties
                for _ in 0..<max(1, x.count / 40) { x[generator.integer(below: x.count)] = .nan }
            }
            let (outputHeight, outputWidth) = (height / k, width / k)
            let pool = MaxPool2D(kernelSize: k)
            pool.forward(input, mode: .evaluation)
            let evaluated = pool.output
            pool.forward(input, mode: .training)
            var gradient = Tensor(shape: pool.output.shape)
            gradient.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] = Float(i + 1) } }
            // A pass over all-equal inputs of the same size, laid out height x width swapped, leaves 7s in the reused
            // gradient buffer (each window's first input), some where this shape has no window: none may survive.
            var flat = Tensor(shape: [2, 3, width, height])
            flat.fill(1)
            let swapped = MaxPool2D(kernelSize: k)
            swapped.forward(flat, mode: .training)
            var sevens = Tensor(shape: swapped.output.shape)
            sevens.fill(7)
            swapped.backward(input: flat, outputGradient: sevens)
            swapped.forward(input, mode: .training)
            swapped.backward(input: input, outputGradient: gradient)
            pool.backward(input: input, outputGradient: gradient)
            XCTAssertEqual(swapped.inputGradient.storage, pool.inputGradient.storage, "k \(k) \(height)x\(width): a reused buffer")

            var expectedGradient = [Float](repeating: 0, count: input.count)
            for plane in 0..<6 {
                for oy in 0..<outputHeight {
                    for ox in 0..<outputWidth {
                        // Definition: scan the window in row order, take a larger value or a NaN.
                        var best = -Float.infinity, bestIndex = -1
                        for dy in 0..<k { for dx in 0..<k {
                            let index = (plane * height + k * oy + dy) * width + k * ox + dx
                            let value = input.storage[index]
                            if bestIndex < 0 || value > best || value.isNaN { best = value; bestIndex = index }
                        } }
                        let out = (plane * outputHeight + oy) * outputWidth + ox
                        for result in [pool.output.storage[out], evaluated.storage[out]] {
                            XCTAssert(result == best || (result.isNaN && best.isNaN),
                                      "k \(k) \(height)x\(width) plane \(plane) (\(oy), \(ox)): \(result) vs \(best)")
                        }
                        expectedGradient[bestIndex] += gradient.storage[out]
                    }
                }
            }
            XCTAssertEqual(pool.inputGradient.storage, expectedGradient, "k \(k) \(height)x\(width): gradients routed to the first maximum")
        }
    }

    /// Backward large enough to run on two threads (each a range of planes, clearing and filling its own), with
    /// tiling and with overlapping windows (3 x 3, stride 2: an input gradient sums several outputs'), against the
    /// definition at 1 and 2 threads.
    func testBackwardOnThreadsMatchesTheDefinition() {
        defer { Threads.configure(1) }
        let (planes, height, width) = (3 * 8, 52, 53)
        var generator = RandomGenerator(seed: 52)
        var input = Tensor(shape: [3, 8, height, width])
        input.withUnsafeMutableBufferPointer { x in for i in x.indices { x[i] = Float(generator.integer(below: 5)) } }
        XCTAssertGreaterThanOrEqual(input.count, Threads.elementwiseMinimum)
        for (k, s) in [(2, 2), (3, 2)] {
            let (outputHeight, outputWidth) = ((height - k) / s + 1, (width - k) / s + 1)
            var expected = [Float](repeating: 0, count: input.count)
            for plane in 0..<planes {
                for oy in 0..<outputHeight {
                    for ox in 0..<outputWidth {
                        var best = -Float.infinity, bestIndex = -1
                        for dy in 0..<k { for dx in 0..<k {
                            let index = (plane * height + s * oy + dy) * width + s * ox + dx
                            if bestIndex < 0 || input.storage[index] > best { best = input.storage[index]; bestIndex = index }
                        } }
                        expected[bestIndex] += Float((plane * outputHeight + oy) * outputWidth + ox + 1)
                    }
                }
            }
            for threads in [1, 2] {
                Threads.configure(threads)
                let pool = MaxPool2D(kernelSize: k, stride: s)
                pool.forward(input, mode: .training)
                var gradient = Tensor(shape: pool.output.shape)
                gradient.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] = Float(i + 1) } }
                pool.backward(input: input, outputGradient: gradient)
                let wrong = expected.indices.filter { pool.inputGradient.storage[$0] != expected[$0] }
                XCTAssert(wrong.isEmpty, "k \(k) s \(s), \(threads) threads: \(wrong.count) wrong input gradients, first at \(wrong.first ?? -1)")
            }
        }
    }
}
