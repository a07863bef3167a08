import Layers
import Tensors
import XCTest

/// The chunked convolutions (images copied with a zero border, im2col/col2im without bounds tests, several chunks
/// of unequal size, workspaces sized for the largest chunk) against the definition, summed directly in Float64, on
/// odd shapes (non-square images, strides 1 to 3, paddings 0 to 2, batches that split into several chunks), at 1
/// and 2 threads: output, input gradient, weight and bias gradients.
final class ConvolutionDefinitionTests: XCTestCase {
    override func tearDown() { Threads.configure(1) }

    /// Both layers are the same bilinear form between a "large" image (a convolution's input, a transposed
    /// convolution's output) and a "small" one: every tap pairs small[n, s, y, x] with large[n, l, y * stride -
    /// padding + i, x * stride - padding + j] through weight[s, l, i, j] (Conv2D's [O, C, K, K] and
    /// ConvTranspose2D's [C_in, C_out, K, K] layouts alike).
    private struct Form {
        let batch, smallChannels, largeChannels, kernel, stride, padding: Int
        let largeHeight, largeWidth, smallHeight, smallWidth: Int

        func forEachTap(_ body: (_ small: Int, _ large: Int, _ weight: Int) -> Void) {
            for n in 0..<batch {
                for s in 0..<smallChannels {
                    for y in 0..<smallHeight {
                        for x in 0..<smallWidth {
                            let small = ((n * smallChannels + s) * smallHeight + y) * smallWidth + x
                            for l in 0..<largeChannels {
                                for i in 0..<kernel {
                                    let row = y * stride - padding + i
                                    guard row >= 0 && row < largeHeight else { continue }
                                    for j in 0..<kernel {
                                        let column = x * stride - padding + j
                                        guard column >= 0 && column < largeWidth else { continue }
                                        body(small, ((n * largeChannels + l) * largeHeight + row) * largeWidth + column,
                                             ((s * largeChannels + l) * kernel + i) * kernel + j)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private func random(_ shape: [Int], _ generator: inout RandomGenerator) -> Tensor {
        var tensor = Tensor(shape: shape)
        generator.fillNormal(&tensor)
        return tensor
    }

    private func assertClose(_ actual: Tensor, _ expected: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
        let scale = max(1, expected.map(abs).max() ?? 1)
        let worst = zip(actual.storage, expected).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThan(worst / scale, 2e-5, "\(what): differs from the definition by \(worst) (scale \(scale))", file: file, line: line)
    }

    /// Runs `layer` forward and backward (a random output gradient) and compares output, input gradient, weight and
    /// bias gradients with the definition; `inputIsLarge` for Conv2D (its input is the form's large image).
    private func assertMatchesDefinition(_ layer: Layer, weight: Parameter, bias: Parameter, input: Tensor, form: Form,
                                         inputIsLarge: Bool, generator: inout RandomGenerator, _ label: String,
                                         file: StaticString = #filePath, line: UInt = #line) {
        layer.forward(input, mode: .training)
        let outputGradient = random(layer.output.shape, &generator)
        for parameter in layer.parameters { parameter.zeroGradient() }
        layer.backward(input: input, outputGradient: outputGradient)

        let channels = bias.value.count, plane = layer.output.count / (form.batch * channels)
        var output = (0..<layer.output.count).map { Double(bias.value.storage[($0 / plane) % channels]) }
        var inputGradient = [Double](repeating: 0, count: input.count)
        var weightGradient = [Double](repeating: 0, count: weight.value.count)
        let (x, w, dy) = (input.storage, weight.value.storage, outputGradient.storage)
        form.forEachTap { small, large, tap in
            let (from, to) = inputIsLarge ? (large, small) : (small, large)
            output[to] += Double(w[tap]) * Double(x[from])
            inputGradient[from] += Double(w[tap]) * Double(dy[to])
            weightGradient[tap] += Double(dy[to]) * Double(x[from])
        }
        let biasGradient = (0..<channels).map { o in
            (0..<form.batch).reduce(0.0) { sum, n in sum + (0..<plane).reduce(0.0) { $0 + Double(dy[(n * channels + o) * plane + $1]) } }
        }
        assertClose(layer.output, output, "\(label): output", file: file, line: line)
        assertClose(layer.inputGradient, inputGradient, "\(label): input gradient", file: file, line: line)
        assertClose(weight.gradient, weightGradient, "\(label): weight gradient", file: file, line: line)
        assertClose(bias.gradient, biasGradient, "\(label): bias gradient", file: file, line: line)
    }

    func testConv2DMatchesTheDefinition() {
        // (batch, in, out, kernel, stride, padding, height, width): the first splits into 10 chunks of 4 images at 1
        // and 2 threads (144 x 418 column entries each, `ConvolutionChunks.columnEntries` 256 K); its output planes of 418 pixels are multiplied
        // image by image (`productIntoImages`), and so are the last case's (143 pixels, stride 2: patch-major
        // columns), the others' per chunk. Strides above 1 take the patch-major layout, kernel width 4 its
        // four-float copies, widths 3 and 5 the scalar ones.
        let cases = [(40, 16, 8, 3, 1, 2, 20, 17), (9, 3, 5, 4, 2, 1, 15, 12), (7, 2, 4, 3, 3, 0, 13, 11), (5, 4, 3, 5, 2, 2, 9, 10),
                     (3, 2, 3, 4, 2, 1, 26, 23)]
        for threads in [1, 2] {
            Threads.configure(threads)
            for (batch, inputs, outputs, kernel, stride, padding, height, width) in cases {
                let label = "Conv2D \(inputs)->\(outputs) k\(kernel) s\(stride) p\(padding) \(batch)x\(height)x\(width), \(threads) threads"
                let layer = Conv2D(inputChannels: inputs, outputChannels: outputs, kernelSize: kernel, stride: stride, padding: padding)
                var generator = RandomGenerator(seed: UInt64(batch * 31 + kernel))
                layer.weight.value = random(layer.weight.value.shape, &generator)
                layer.bias!.value = random([outputs], &generator)
                let input = random([batch, inputs, height, width], &generator)
                let form = Form(batch: batch, smallChannels: outputs, largeChannels: inputs, kernel: kernel, stride: stride,
                                padding: padding, largeHeight: height, largeWidth: width,
                                smallHeight: (height + 2 * padding - kernel) / stride + 1, smallWidth: (width + 2 * padding - kernel) / stride + 1)
                assertMatchesDefinition(layer, weight: layer.weight, bias: layer.bias!, input: input, form: form, inputIsLarge: true,
                                        generator: &generator, label)
            }
        }
    }

    func testConvTranspose2DMatchesTheDefinition() {
        // (batch, in, out, kernel, stride, padding, height, width): the first splits into 5 chunks at 1 thread and 6
        // at 2 (70 images of 256 x 63 entries each); the last has input planes of 132 pixels, so its input gradient is
        // multiplied image by image (`productIntoImages`), the others' per chunk.
        let cases = [(70, 6, 16, 4, 2, 1, 9, 7), (5, 4, 3, 4, 2, 1, 7, 6), (6, 3, 2, 3, 3, 0, 5, 4), (4, 2, 5, 5, 1, 2, 6, 8),
                     (3, 4, 2, 4, 2, 1, 12, 11)]
        for threads in [1, 2] {
            Threads.configure(threads)
            for (batch, inputs, outputs, kernel, stride, padding, height, width) in cases {
                let label = "ConvTranspose2D \(inputs)->\(outputs) k\(kernel) s\(stride) p\(padding) \(batch)x\(height)x\(width), \(threads) threads"
                let layer = ConvTranspose2D(inputChannels: inputs, outputChannels: outputs, kernelSize: kernel, stride: stride,
                                            padding: padding)
                var generator = RandomGenerator(seed: UInt64(batch * 17 + kernel))
                layer.weight.value = random(layer.weight.value.shape, &generator)
                layer.bias!.value = random([outputs], &generator)
                let input = random([batch, inputs, height, width], &generator)
                let (outHeight, outWidth) = ((height - 1) * stride - 2 * padding + kernel, (width - 1) * stride - 2 * padding + kernel)
                let form = Form(batch: batch, smallChannels: inputs, largeChannels: outputs, kernel: kernel, stride: stride,
                                padding: padding, largeHeight: outHeight, largeWidth: outWidth, smallHeight: height, smallWidth: width)
                assertMatchesDefinition(layer, weight: layer.weight, bias: layer.bias!, input: input, form: form, inputIsLarge: false,
                                        generator: &generator, label)
                XCTAssertEqual(layer.output.shape, [batch, outputs, outHeight, outWidth], label)
            }
        }
    }
}
