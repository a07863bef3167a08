import GANs
import Layers
import Tensors
import TestSupport
import XCTest

/// A conditional network seen as a `Layer` with fixed labels, for the finite-difference checker.
private final class WithLabels: Layer {
    let discriminator: Discriminator?
    let generator: Generator?
    let labels: Tensor
    init(_ discriminator: Discriminator, labels: Tensor) { (self.discriminator, generator, self.labels) = (discriminator, nil, labels) }
    init(_ generator: Generator, labels: Tensor) { (discriminator, self.generator, self.labels) = (nil, generator, labels) }

    var output: Tensor { discriminator?.output ?? generator!.output }
    var inputGradient: Tensor { discriminator?.inputGradient ?? Tensor(shape: [0]) }
    var computesInputGradient: Bool {
        get { discriminator?.computesInputGradient ?? false }
        set { discriminator?.computesInputGradient = newValue }
    }
    var parameters: [Parameter] { discriminator?.parameters ?? generator!.parameters }
    func forward(_ input: Tensor, mode: Mode) {
        if let discriminator { discriminator.forward(input, labels: labels, mode: mode) } else {
            generator!.forward(noise: input, labels: labels, mode: mode)
        }
    }
    func backward(input: Tensor, outputGradient: Tensor) {
        if let discriminator { discriminator.backward(input, labels: labels, outputGradient: outputGradient) } else {
            generator!.backward(noise: input, labels: labels, outputGradient: outputGradient)
        }
    }
}

final class GANGradientTests: XCTestCase {
    /// One thread (and single-threaded OpenBLAS) whatever ran before: the finite-difference noise, and so the
    /// margins below, depend on the order of float32 sums.
    override func setUp() { Threads.configure(1) }

    private func architecture(_ change: (inout Architecture) -> Void) -> Architecture {
        var a = Architecture()
        a.imageShape = [1, 8, 8]
        a.classCount = 3
        a.latentDimension = 4
        a.labelEmbeddingDimension = 3
        change(&a)
        return a
    }

    private let labels = try! Tensor(shape: [3], storage: [2, 0, 1])

    /// Weights scaled by 1 / sqrt(fan-in) (so activations stay near 1 and float32 differences stay accurate),
    /// BatchNorm scales near 1.
    private func randomize(_ parameters: [Parameter], seed: UInt64) {
        var generator = RandomGenerator(seed: seed)
        for parameter in parameters {
            let fanIn = parameter.shape.count > 1 ? parameter.count / parameter.shape[0] : 1
            generator.fillNormal(&parameter.value, std: 1 / Float(fanIn).squareRoot())
        }
    }

    func testConditionalDiscriminators() {
        for conditioning in [DiscriminatorConditioning.none, .labelChannel, .projection, .auxiliary] {
            var draws = RandomGenerator(seed: 1)
            let d = Discriminator(architecture { $0.conditioning = conditioning; $0.normalization = .none }, generator: &draws)
            randomize(d.parameters, seed: 2)
            let layer = WithLabels(d, labels: labels)
            assertGradientsMatchFiniteDifferences(layer, input: randomTensor([3, 1, 8, 8], seed: 3), step: 1e-3,
                                                  relative: 2e-2, absolute: 2e-3, kinks: piecewiseLinearUnits(d.allLayers))
            XCTAssertEqual(d.output.shape, [3, conditioning == .auxiliary ? 4 : 1], "\(conditioning)")
        }
    }

    func testSpectralDiscriminatorAndAttention() {
        var draws = RandomGenerator(seed: 4)
        let d = Discriminator(architecture { $0.normalization = .spectral; $0.attention = true }, generator: &draws)
        randomize(d.parameters, seed: 5)
        let input = randomTensor([3, 1, 8, 8], seed: 6)
        d.forward(input, labels: labels, mode: .training)
        assertGradientsMatchFiniteDifferences(WithLabels(d, labels: labels), input: input, mode: .evaluation, step: 1e-3,
                                              relative: 2e-2, absolute: 2e-3, kinks: piecewiseLinearUnits(d.allLayers))
    }

    func testConditionalGenerators() {
        for residual in [false, true] {
            let g = Generator(architecture { $0.conditionalGenerator = true; $0.residual = residual; $0.attention = residual })
            randomize(g.parameters, seed: 7)
            XCTAssertEqual(g.namedParameters.first?.path, "embedding.weight")
            // Evaluation mode: BatchNorm over 3 x 2 x 2 values per channel makes differences noisy, and its training
            // path has its own check; this one is about the wiring. At h = 1e-3 float32 rounding through two
            // residual blocks, attention and tanh moves the difference quotient by up to ~2.5e-3 (measured: one
            // BatchNorm scale with gradient -0.0017 gives -0.0066, -0.0039, -0.0020, -0.0016 at h = 3e-4 ... 1e-2),
            // hence the absolute tolerance; larger h is no cure, attention's curvature then dominates.
            assertGradientsMatchFiniteDifferences(WithLabels(g, labels: labels), input: randomTensor([3, 4, 1, 1], seed: 8),
                                                  mode: .evaluation, step: 1e-3, relative: 2e-2, absolute: 3e-3, checksInput: false,
                                                  kinks: piecewiseLinearUnits(g.allLayers))
            XCTAssertEqual(g.output.shape, [3, 1, 8, 8])
        }
    }

    func testDiffAugmentIsDifferentiableForAFixedDraw() {
        for channels in [1, 3] {
            let augment = DiffAugment(generator: RandomGenerator(seed: 9))
            augment.resample(count: 3, height: 8, width: 7)
            assertGradientsMatchFiniteDifferences(augment, input: randomTensor([3, channels, 8, 7], seed: 10), maxChecksPerTensor: 200)
        }
    }

    func testDiffAugmentTranslatesCutsOutAndRedraws() {
        let augment = DiffAugment(generator: RandomGenerator(seed: 11))
        let ones = Tensor(shape: [200, 1, 28, 28], repeating: 1)
        augment.resample(count: 200, height: 28, width: 28)
        augment.forward(ones, mode: .training)
        // Each image: a constant (brightness; contrast keeps a constant) with zeros where cutout or translation hit.
        var zeroFractions: [Double] = []
        for image in 0..<200 {
            let pixels = augment.output.storage[(image * 784)..<((image + 1) * 784)]
            let nonzero = Set(pixels.filter { $0 != 0 })
            XCTAssertLessThanOrEqual(nonzero.count, 1)
            zeroFractions.append(Double(pixels.filter { $0 == 0 }.count) / 784)
        }
        // A 14 x 14 cutout covers at most a quarter of the image; shifts of up to 4 pixels add at most 8 rows/columns.
        XCTAssertLessThanOrEqual(zeroFractions.max()!, 0.25 + (8.0 * 28 * 2 - 64) / 784 + 1e-9)
        XCTAssertGreaterThan(zeroFractions.reduce(0, +) / 200, 0.1)
        let first = augment.output
        augment.resample(count: 200, height: 28, width: 28)
        augment.forward(ones, mode: .training)
        XCTAssertNotEqual(augment.output, first, "a new draw changes the augmentation")
    }

    /// The penalty's gradient with respect to the critic's weights, which runs through the critic's own backward
    /// pass, against central differences of the penalty's value. The penalty jumps where a LeakyReLU changes
    /// side (the input gradient is piecewise constant in the masks), so an element whose +-h step flips any mask
    /// is skipped; most elements must still be checked.
    func testGradientPenaltySecondDerivatives() throws {
        for slope: Float in [0.2, 1] {
            var draws = RandomGenerator(seed: 12)
            let chain: [Layer] = [
                Conv2D(inputChannels: 1, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1), LeakyReLU(slope: slope),
                Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 3), LeakyReLU(slope: slope), Flatten(),
                Linear(inputFeatures: 4 * 2 * 2, outputFeatures: 1),
            ]
            for layer in chain { for parameter in layer.parameters { draws.fillNormal(&parameter.value, std: 0.5) } }
            let penalty = try GradientPenalty(chain: chain, weight: 10)
            let points = randomTensor([3, 1, 7, 8], seed: 13)
            let parameters = chain.flatMap(\.parameters)
            parameters.forEach { $0.zeroGradient() }
            XCTAssertGreaterThan(penalty.accumulate(at: points).penalty, 0)
            let analytic = parameters.map(\.gradient)
            func masks() -> [Bool] {
                var x = points, signs: [Bool] = []
                for layer in chain {
                    if layer is LeakyReLU { signs += x.storage.map { $0 > 0 } }
                    layer.forward(x, mode: .training)
                    x = layer.output
                }
                return signs
            }
            var checked = 0, skipped = 0
            for (index, parameter) in parameters.enumerated() {
                var numeric: [Float] = [], expected: [Float] = []
                for i in 0..<parameter.count {
                    let original = parameter.value.storage[i], h: Float = 1e-3, reference = masks()
                    func penaltyAt(_ x: Float) -> (Double, Bool) {
                        parameter.value.withUnsafeMutableBufferPointer { $0[i] = x }
                        return (Double(penalty.accumulate(at: points).penalty), masks() == reference)
                    }
                    let (plus, samePlus) = penaltyAt(original + h), (minus, sameMinus) = penaltyAt(original - h)
                    parameter.value.withUnsafeMutableBufferPointer { $0[i] = original }
                    guard samePlus && sameMinus else { skipped += 1; continue }
                    checked += 1
                    numeric.append(Float((plus - minus) / (2 * Double(h))))
                    expected.append(analytic[index].storage[i])
                }
                assertClose(expected, numeric, relative: 1e-2, absolute: 1e-2, "slope \(slope): penalty gradient of \(parameter.name)")
            }
            XCTAssertGreaterThan(checked, 10 * skipped, "slope \(slope): \(skipped) elements skipped, \(checked) checked")
            // Biases do not change the input gradient, so they get no penalty gradient.
            XCTAssertEqual((chain[5] as! Linear).bias!.gradient.storage, [0])
        }
        XCTAssertThrowsError(try GradientPenalty(chain: [BatchNorm(channels: 1)]))
    }

    func testAdversarialLossesAndGradients() {
        let scores = try! Tensor(shape: [4, 1], storage: [-2, -0.5, 0.3, 1.5])
        var gradient = Tensor(shape: [0])
        func check(_ f: (Tensor, inout Tensor) -> Float, _ name: String) {
            _ = f(scores, &gradient)
            let analytic = gradient.storage
            for i in 0..<4 {
                var plus = scores, minus = scores
                plus.withUnsafeMutableBufferPointer { $0[i] += 1e-3 }
                minus.withUnsafeMutableBufferPointer { $0[i] -= 1e-3 }
                var scratch = Tensor(shape: [0])
                let numeric = (f(plus, &scratch) - f(minus, &scratch)) / 2e-3
                XCTAssertEqual(analytic[i], numeric, accuracy: 2e-3, "\(name) [\(i)]")
            }
        }
        for loss in AdversarialLoss.allCases {
            check({ loss.discriminatorOnReal($0, smoothing: loss.isCrossEntropy ? 0.1 : 0, gradient: &$1) }, "\(loss) real")
            check({ loss.discriminatorOnFake($0, gradient: &$1) }, "\(loss) fake")
            check({ loss.generator($0, gradient: &$1) }, "\(loss) generator")
        }
        // Values from the definitions.
        XCTAssertEqual(AdversarialLoss.hinge.discriminatorOnReal(scores, smoothing: 0, gradient: &gradient), (3 + 1.5 + 0.7 + 0) / 4, accuracy: 1e-6)
        XCTAssertEqual(AdversarialLoss.hinge.discriminatorOnFake(scores, gradient: &gradient), (0 + 0.5 + 1.3 + 2.5) / 4, accuracy: 1e-6)
        XCTAssertEqual(AdversarialLoss.wasserstein.generator(scores, gradient: &gradient), -(-2 - 0.5 + 0.3 + 1.5) / 4, accuracy: 1e-6)
        let minimax = AdversarialLoss.minimax.generator(scores, gradient: &gradient)
        let expected = [-2, -0.5, 0.3, 1.5].map { log(1 - 1 / (1 + exp(-$0))) }.reduce(0, +) / 4
        XCTAssertEqual(Double(minimax), expected, accuracy: 1e-6)
    }
}
