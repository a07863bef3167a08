import Layers
import Tensors
import TestSupport
import XCTest

/// The 2 x 2 max-pooling kernel (four outputs at a time, a row's last four again when its width is not a multiple
/// of 4, one at a time below four) against the definition: values drawn from a few levels so that ties are common,
/// NaNs in some windows, widths on every path, both modes.
final class MaxPoolDefinitionTests: XCTestCase {
    func testTwoByTwoMatchesTheDefinitionWithTiesAndNaN() {
        for (height, width) in [(2, 2), (4, 6), (5, 7), (6, 8), (3, 9), (4, 13), (28, 28), (14, 14)] {
            var generator = RandomGenerator(seed: UInt64(height * 100 + width))
            var input = Tensor(shape: [2, 3, height, width])
            input.withUnsafeMutableBufferPointer { x in
                for i in x.indices { x[i] = Float(generator.integer(below: 4)) - 1 }   // -1, 0, 1, 2: many ties
                for _ in 0..<max(1, x.count / 40) { x[generator.integer(below: x.count)] = .nan }
            }
            let (outputHeight, outputWidth) = (height / 2, width / 2)
            let pool = MaxPool2D(kernelSize: 2)
            pool.forward(input, mode: .evaluation)
            let evaluated = pool.output
            pool.forward(input, mode: .training)
            var gradient = Tensor(shape: pool.output.shape)
            gradient.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] = Float(i + 1) } }
            pool.backward(input: input, outputGradient: gradient)

            var expectedGradient = [Float](repeating: 0, count: input.count)
            for plane in 0..<6 {
                for oy in 0..<outputHeight {
                    for ox in 0..<outputWidth {
                        // Definition: scan the window in row order, take a larger value or a NaN.
                        var best = -Float.infinity, bestIndex = -1
                        for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                            let index = (plane * height + 2 * oy + dy) * width + 2 * ox + dx
                            let value = input.storage[index]
                            if bestIndex < 0 || value > best || value.isNaN { best = value; bestIndex = index }
                        }
                        let out = (plane * outputHeight + oy) * outputWidth + ox
                        for result in [pool.output.storage[out], evaluated.storage[out]] {
                            XCTAssert(result == best || (result.isNaN && best.isNaN),
                                      "\(height)x\(width) plane \(plane) (\(oy), \(ox)): \(result) vs \(best)")
                        }
                        expectedGradient[bestIndex] += gradient.storage[out]
                    }
                }
            }
            XCTAssertEqual(pool.inputGradient.storage, expectedGradient, "\(height)x\(width): gradients routed to the first maximum")
        }
    }
}
