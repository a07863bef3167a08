import Layers
import Tensors
import TestSupport
import XCTest

/// Every layer's backward pass against central finite differences, on odd shapes: non-square images, stride 1
/// and 2, padding 0 and 1, batch 1 and 3.
final class GradientCheckTests: XCTestCase {
    private func initialized<L: Layer>(_ layer: L, seed: UInt64) -> L {
        var generator = RandomGenerator(seed: seed)
        for parameter in layer.parameters { generator.fillNormal(&parameter.value, std: 0.5) }
        return layer
    }

    func testConv2D() {
        for (batch, stride, padding, bias) in [(1, 1, 1, true), (3, 2, 0, true), (2, 2, 1, false), (3, 1, 0, true)] {
            let conv = initialized(Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: stride,
                                          padding: padding, bias: bias), seed: 1)
            assertGradientsMatchFiniteDifferences(conv, input: randomTensor([batch, 2, 7, 5], seed: 2))
        }
        // A kernel covering the whole input takes the fully connected path.
        let covering = initialized(Conv2D(inputChannels: 3, outputChannels: 2, kernelSize: 3), seed: 13)
        assertGradientsMatchFiniteDifferences(covering, input: randomTensor([3, 3, 3, 3], seed: 14))
        XCTAssertEqual(covering.output.shape, [3, 2, 1, 1])
        let wide = initialized(Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 4, stride: 2, padding: 1), seed: 3)
        assertGradientsMatchFiniteDifferences(wide, input: randomTensor([2, 1, 8, 6], seed: 4))
    }

    func testConvTranspose2D() {
        // DCGAN's shapes in small: 1 x 1 -> 4 x 4 (stride 1, no padding), then doubling (kernel 4, stride 2, padding 1).
        for (batch, kernel, stride, padding, height, width, bias) in [(3, 4, 1, 0, 1, 1, false), (2, 4, 2, 1, 3, 5, true),
                                                                      (1, 3, 2, 0, 4, 3, true), (2, 3, 1, 1, 5, 4, false)] {
            let layer = initialized(ConvTranspose2D(inputChannels: 3, outputChannels: 2, kernelSize: kernel, stride: stride,
                                                    padding: padding, bias: bias), seed: 21)
            assertGradientsMatchFiniteDifferences(layer, input: randomTensor([batch, 3, height, width], seed: 22))
            XCTAssertEqual(layer.output.shape, [batch, 2, (height - 1) * stride - 2 * padding + kernel,
                                                (width - 1) * stride - 2 * padding + kernel])
        }
    }

    func testBatchNormInTrainingAndEvaluation() {
        for shape in [[4, 3, 5, 2], [6, 3]] {
            let norm = BatchNorm(channels: 3)
            var generator = RandomGenerator(seed: 23)
            generator.fillNormal(&norm.weight.value, mean: 1, std: 0.3)
            generator.fillNormal(&norm.bias.value, std: 0.3)
            let input = randomTensor(shape, seed: 24, std: 2)
            assertGradientsMatchFiniteDifferences(norm, input: input, mode: .training, step: 1e-2, relative: 2e-2, absolute: 3e-3)
            assertGradientsMatchFiniteDifferences(norm, input: input, mode: .evaluation)
        }
    }

    func testBatchNormStatisticsFollowPyTorch() {
        let norm = BatchNorm(channels: 1)
        let input = try! Tensor(shape: [4, 1], storage: [1, 2, 3, 6])  // mean 3, biased var 3.5, unbiased 14/3
        norm.forward(input, mode: .training)
        assertClose(norm.output.storage, [1, 2, 3, 6].map { ($0 - 3) / (3.5 + 1e-5).squareRoot() }, relative: 1e-5, absolute: 1e-6)
        XCTAssertEqual(norm.runningMean[0], 0.3, accuracy: 1e-6)
        XCTAssertEqual(norm.runningVariance[0], 0.9 + 0.1 * 14 / 3, accuracy: 1e-6)
        XCTAssertEqual(norm.batchesTracked, 1)
    }

    func testEmbeddingReshapeAndConcatenation() {
        let embedding = initialized(Embedding(count: 4, dimension: 3), seed: 25)
        let labels = try! Tensor(shape: [5], storage: [2, 0, 2, 3, 1])
        embedding.forward(labels, mode: .training)
        XCTAssertEqual(Array(embedding.output.storage[0..<3]), Array(embedding.weight.value.storage[6..<9]))
        embedding.weight.zeroGradient()
        embedding.backward(input: labels, outputGradient: Tensor(shape: [5, 3], repeating: 1))
        XCTAssertEqual(embedding.weight.gradient.storage, [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1])

        assertGradientsMatchFiniteDifferences(Reshape([2, 3, 1]), input: randomTensor([3, 6], seed: 26))

        var concatenation = ChannelConcatenation()
        let a = randomTensor([2, 3, 2, 2], seed: 27), b = randomTensor([2, 1, 2, 2], seed: 28)
        concatenation.forward(a, b)
        XCTAssertEqual(concatenation.output.shape, [2, 4, 2, 2])
        XCTAssertEqual(Array(concatenation.output.storage[12..<16]), Array(b.storage[0..<4]))
        concatenation.backward(concatenation.output, firstShape: a.shape, secondShape: b.shape)
        XCTAssertEqual(concatenation.firstGradient, a)
        XCTAssertEqual(concatenation.secondGradient, b)
    }

    func testLinear() {
        for (batch, bias) in [(1, true), (3, false), (5, true)] {
            let linear = initialized(Linear(inputFeatures: 7, outputFeatures: 4, bias: bias), seed: 5)
            assertGradientsMatchFiniteDifferences(linear, input: randomTensor([batch, 7], seed: 6))
        }
    }

    /// Inputs kept away from the kink at 0 so that a step of h does not cross it.
    private func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
        var tensor = randomTensor(shape, seed: seed)
        tensor.withUnsafeMutableBufferPointer { x in
            for i in x.indices where abs(x[i]) < 0.05 { x[i] = x[i] < 0 ? -0.1 : 0.1 }
        }
        return tensor
    }

    func testActivations() {
        let input = awayFromZero([3, 2, 5, 4], seed: 7)
        assertGradientsMatchFiniteDifferences(ReLU(), input: input, step: 1e-2)
        assertGradientsMatchFiniteDifferences(LeakyReLU(slope: 0.2), input: input, step: 1e-2)
        assertGradientsMatchFiniteDifferences(Tanh(), input: input, step: 1e-2)
        assertGradientsMatchFiniteDifferences(Sigmoid(), input: input, step: 1e-2)
        assertGradientsMatchFiniteDifferences(Flatten(), input: input)
    }

    func testPooling() {
        // Distinct values spaced further apart than the step, so a perturbation never changes which one is maximal.
        var generator = RandomGenerator(seed: 8)
        let values = generator.permutation(3 * 2 * 6 * 5).map { Float($0) * 0.1 }
        let input = try! Tensor(shape: [3, 2, 6, 5], storage: values)
        assertGradientsMatchFiniteDifferences(MaxPool2D(kernelSize: 2), input: input, step: 1e-2)
        assertGradientsMatchFiniteDifferences(MaxPool2D(kernelSize: 3, stride: 2), input: input, step: 1e-2)
        assertGradientsMatchFiniteDifferences(AvgPool2D(kernelSize: 2), input: randomTensor([1, 3, 5, 4], seed: 9))
    }

    /// The classifier's layer sequence. With ReLU and max pooling a perturbed conv weight moves many
    /// pre-activations at once, so a large step crosses kinks: the smooth variant (Tanh, average pooling) is
    /// checked at h = 5e-3, the piecewise-linear one at h = 1e-4.
    func testSequentialChainsGradientsThroughTheClassifierShape() {
        for smooth in [true, false] {
            var generator = RandomGenerator(seed: 10)
            let network = Sequential([
                Conv2D(inputChannels: 1, outputChannels: 3, kernelSize: 3, padding: 1),
                smooth ? Tanh() : ReLU(), smooth ? AvgPool2D(kernelSize: 2) : MaxPool2D(kernelSize: 2),
                Flatten(), Linear(inputFeatures: 3 * 4 * 3, outputFeatures: 5), Tanh(),
                Linear(inputFeatures: 5, outputFeatures: 2),
            ])
            Initializer.pytorchDefault(network, generator: &generator)
            network.computesInputGradient = true
            assertGradientsMatchFiniteDifferences(network, input: randomTensor([2, 1, 8, 7], seed: 11),
                                                  step: smooth ? 5e-3 : 1e-4, relative: 3e-2, absolute: 3e-3)
        }
    }

    func testDropoutScalesKeptUnitsAndRoutesGradientsThroughTheMask() {
        let dropout = Dropout(probability: 0.5, generator: RandomGenerator(seed: 12))
        let input = Tensor(shape: [100, 100], repeating: 1)
        dropout.forward(input, mode: .training)
        let kept = dropout.output.storage.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { $0 == 2 })
        XCTAssertEqual(Double(kept.count) / 10_000, 0.5, accuracy: 0.02)
        dropout.backward(input: input, outputGradient: Tensor(shape: [100, 100], repeating: 3))
        XCTAssertEqual(dropout.inputGradient.storage.map { $0 != 0 }, dropout.output.storage.map { $0 != 0 })
        dropout.forward(input, mode: .evaluation)
        XCTAssertEqual(dropout.output, input)
    }
}
