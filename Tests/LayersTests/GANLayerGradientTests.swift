import Layers
import Optimizers
import Tensors
import TestSupport
import XCTest

/// The layers the GAN family adds, against central finite differences, and their defining properties.
final class GANLayerGradientTests: XCTestCase {
    /// One thread (and single-threaded OpenBLAS) whatever ran before: the finite-difference noise, and so the
    /// margins below, depend on the order of float32 sums.
    override func setUp() { Threads.configure(1) }

    private func initialized<L: Layer>(_ layer: L, seed: UInt64, std: Float = 0.5) -> L {
        var generator = RandomGenerator(seed: seed)
        for parameter in layer.parameters { generator.fillNormal(&parameter.value, std: std) }
        return layer
    }

    func testUpsampleRepeatsPixelsAndSumsGradients() {
        let input = randomTensor([2, 3, 3, 4], seed: 30)
        let upsample = Upsample(factor: 2)
        upsample.forward(input, mode: .training)
        XCTAssertEqual(upsample.output.shape, [2, 3, 6, 8])
        XCTAssertEqual(upsample.output[1, 2, 5, 7], input[1, 2, 2, 3])
        XCTAssertEqual(upsample.output[0, 1, 2, 3], input[0, 1, 1, 1])
        assertGradientsMatchFiniteDifferences(upsample, input: input)
        assertGradientsMatchFiniteDifferences(Upsample(factor: 3), input: randomTensor([1, 2, 2, 3], seed: 31))
    }

    func testResidualBlocks() {
        // Identity shortcut with a smooth body, then the generator's upsampling block (BatchNorm, ReLU inside).
        let smooth = initialized(Residual(body: Sequential([
            Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1), Tanh(),
            Conv2D(inputChannels: 3, outputChannels: 2, kernelSize: 1),
        ])), seed: 32)
        assertGradientsMatchFiniteDifferences(smooth, input: randomTensor([2, 2, 5, 4], seed: 33))
        let block = Residual.upsampling(inputChannels: 3, outputChannels: 2)
        var generator = RandomGenerator(seed: 34)
        for parameter in block.parameters {
            let fanIn = parameter.shape.count > 1 ? parameter.count / parameter.shape[0] : 1
            generator.fillNormal(&parameter.value, mean: parameter.shape.count == 1 && parameter.name == "weight" ? 1 : 0,
                                 std: 1 / Float(fanIn).squareRoot())
        }
        let input = randomTensor([3, 3, 3, 4], seed: 35)
        // Evaluation mode: BatchNorm over 3 x 3 x 4 values per channel makes differences noisy in training mode,
        // and BatchNorm's training path has its own check; this one is about the block's wiring.
        block.forward(input, mode: .training)
        assertGradientsMatchFiniteDifferences(block, input: input, mode: .evaluation, step: 1e-3, relative: 2e-2, absolute: 2e-3,
                                              kinks: piecewiseLinearUnits([block]))
        XCTAssertEqual(block.output.shape, [3, 2, 6, 8])
        XCTAssertEqual(block.namedParameters.map(\.path).prefix(3), ["body.0.weight", "body.0.bias", "body.3.weight"])
        XCTAssertEqual(block.buffers.map(\.name).first, "body.0.running_mean")
        XCTAssertNoThrow(try block.loadBuffer("body.4.running_var", Tensor(shape: [2], repeating: 2)))
        XCTAssertEqual(block.buffers.first { $0.name == "body.4.running_var" }?.tensor.storage, [2, 2])
    }

    func testSelfAttention() {
        let attention = initialized(SelfAttention(channels: 8, reduction: 4), seed: 36)
        let input = randomTensor([2, 8, 3, 4], seed: 37)
        assertGradientsMatchFiniteDifferences(attention, input: input, step: 1e-2, relative: 2e-2, absolute: 2e-3)
        // With gamma = 0 (its initial value) the block is the identity.
        attention.gamma.value.fill(0)
        attention.forward(input, mode: .evaluation)
        XCTAssertEqual(attention.output, input)
    }

    func testSpectralNormGradientsAndSigma() throws {
        var draws = RandomGenerator(seed: 38)
        let conv = initialized(Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1), seed: 39)
        let normalized = SpectralNorm(conv, generator: &draws)
        XCTAssertEqual(normalized.namedParameters.map(\.path), ["weight_orig", "bias"])
        let input = randomTensor([2, 2, 5, 4], seed: 40)
        normalized.forward(input, mode: .training)
        // u and v are constants of the gradient, as in PyTorch: check in evaluation mode, which keeps them.
        assertGradientsMatchFiniteDifferences(normalized, input: input, mode: .evaluation, step: 1e-2, relative: 2e-2, absolute: 2e-3)

        let linear = initialized(Linear(inputFeatures: 7, outputFeatures: 5), seed: 41)
        let normalizedLinear = SpectralNorm(linear, generator: &draws)
        let x = randomTensor([3, 7], seed: 42)
        normalizedLinear.forward(x, mode: .training)
        assertGradientsMatchFiniteDifferences(normalizedLinear, input: x, mode: .evaluation)

        // Power iteration converges to the largest singular value (from the eigenvalues of W W^T).
        for _ in 0..<60 { normalizedLinear.forward(x, mode: .training) }
        let w = normalizedLinear.weightOriginal.value.storage.map(Double.init)
        var gram = [Double](repeating: 0, count: 25)
        for i in 0..<5 { for j in 0..<5 { for k in 0..<7 { gram[i * 5 + j] += w[i * 7 + k] * w[j * 7 + k] } } }
        let largest = try SymmetricEigen(symmetric: gram, order: 5, computeVectors: false).values.max()!
        XCTAssertEqual(Double(normalizedLinear.sigma), largest.squareRoot(), accuracy: 1e-4 * largest.squareRoot())
        // The layer then computes with a weight of spectral norm 1.
        XCTAssertEqual(linear.weight.value.storage[0], normalizedLinear.weightOriginal.value.storage[0] / normalizedLinear.sigma, accuracy: 1e-6)
    }

    func testRMSpropMatchesTheDefinition() throws {
        let parameter = Parameter(name: "w", shape: [2])
        parameter.value = try Tensor(shape: [2], storage: [1, -2])
        let optimizer = RMSprop(parameters: [parameter], learningRate: 0.1, alpha: 0.9)
        var (p, s): ([Double], [Double]) = ([1, -2], [0, 0])
        for gradient in [[0.5, -1.0], [0.25, 2.0]] {
            parameter.gradient = try Tensor(shape: [2], storage: gradient.map(Float.init))
            optimizer.update()
            for i in 0..<2 {
                s[i] = 0.9 * s[i] + 0.1 * gradient[i] * gradient[i]
                p[i] -= 0.1 * gradient[i] / (s[i].squareRoot() + 1e-8)
            }
        }
        assertClose(parameter.value.storage, p.map(Float.init), relative: 1e-6, absolute: 1e-6)
        XCTAssertEqual(optimizer.slots.map(\.name), ["square_average"])
        let copy = RMSprop(parameters: [parameter], learningRate: 0.1, alpha: 0.9)
        try copy.restore(step: optimizer.step, slots: ["square_average": optimizer.squareAverages])
        XCTAssertEqual(copy.squareAverages, optimizer.squareAverages)
        XCTAssertThrowsError(try copy.restore(step: 1, slots: ["square_average": [[1]]]))
    }
}
