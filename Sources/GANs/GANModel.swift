import Layers
import Optimizers
import Tensors

/// Losses of one update, for curves and progress.
public struct GANLosses: Sendable, Equatable {
    /// The discriminator's loss (adversarial terms, plus the class and penalty terms it trains on).
    public var discriminator: Float
    public var generator: Float
    /// The gradient penalty's value (0 without one).
    public var penalty: Float = 0
}

/// A generator and a discriminator with their optimisers, and the two phases of an update:
/// - discriminator phase (`discriminatorGradients` + `discriminatorOptimizer.update()` + clipping): real images
///   and detached fakes, each through DiffAugment when enabled, the adversarial loss, the auxiliary class loss
///   (ACGAN) on both, the gradient penalty (WGAN-GP);
/// - generator phase (`generatorGradients` + `generatorOptimizer.update()` + EMA): the last fakes through the
///   just-updated discriminator, gradients back through DiffAugment into the generator. The discriminator's own
///   parameter gradients are not computed there: its next phase would discard them.
public final class GANModel {
    public let configuration: GANConfiguration
    public let generator: Generator
    public let discriminator: Discriminator
    /// The moving average of the generator's weights, when configured; samples come from it.
    public let averagedGenerator: Generator?
    public let generatorOptimizer: Optimizer
    public let discriminatorOptimizer: Optimizer
    public let augment: DiffAugment?
    public let penalty: GradientPenalty?
    /// Draws the interpolation weights of the gradient penalty (saved with checkpoints).
    public var interpolationDraws: RandomGenerator

    private var scoresGradient = Tensor(shape: [0])
    private var interpolates = Tensor(shape: [0])
    private var classLoss = AuxiliaryClassifierLoss()

    /// Builds and initialises both networks from `configuration` (its seed fixes every weight).
    public init(configuration: GANConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        let root = RandomGenerator(seed: configuration.seed)
        var spectral = root.derived(5)
        generator = Generator(configuration.architecture)
        discriminator = Discriminator(configuration.architecture, generator: &spectral)
        var initialisation = root.derived(1)
        GANInitialization.apply(to: generator, generator: &initialisation)
        GANInitialization.apply(to: discriminator, generator: &initialisation)
        if configuration.emaDecay != nil {
            let averaged = Generator(configuration.architecture)
            try averaged.copyState(from: generator)
            averagedGenerator = averaged
        } else {
            averagedGenerator = nil
        }
        func optimizer(_ parameters: [Parameter], _ learningRate: Float) -> Optimizer {
            switch configuration.optimizer {
            case .adam: return Adam(parameters: parameters, learningRate: learningRate, beta1: configuration.beta1, beta2: configuration.beta2)
            case .rmsprop: return RMSprop(parameters: parameters, learningRate: learningRate)
            }
        }
        generatorOptimizer = optimizer(generator.parameters, configuration.generatorLearningRate)
        discriminatorOptimizer = optimizer(discriminator.parameters, configuration.discriminatorLearningRate)
        augment = configuration.diffAugment ? DiffAugment(generator: root.derived(6)) : nil
        let critic = discriminator
        penalty = try configuration.gradientPenalty.map { try GradientPenalty(chain: critic.body.layers + [critic.head], weight: $0) }
        interpolationDraws = root.derived(7)
    }

    /// Images as the discriminator sees them: through a fresh DiffAugment draw when enabled.
    private func augmented(_ images: Tensor) -> Tensor {
        guard let augment else { return images }
        augment.resample(count: images.shape[0], height: images.shape[2], width: images.shape[3])
        augment.forward(images, mode: .training)
        return augment.output
    }

    /// Discriminator gradients (fresh, not accumulated) on a real batch and a batch of fakes; returns its loss.
    /// Labels are class indices as Float ([N]); they are read only by conditional networks.
    public func discriminatorGradients(real: Tensor, realLabels: Tensor, fake: Tensor, fakeLabels: Tensor) -> GANLosses {
        let d = discriminator, auxiliary = d.outputCount > 1
        d.computesInputGradient = false
        d.computesParameterGradients = true
        discriminatorOptimizer.zeroGradients()
        func pass(_ images: Tensor, _ labels: Tensor, isReal: Bool) -> Float {
            let seen = augmented(images)
            d.forward(seen, labels: labels, mode: .training)
            var loss = isReal ? configuration.loss.discriminatorOnReal(d.output, smoothing: configuration.labelSmoothing, gradient: &scoresGradient)
                              : configuration.loss.discriminatorOnFake(d.output, gradient: &scoresGradient)
            if auxiliary { loss += classLoss(d.output, labels: labels, gradient: &scoresGradient) }
            d.backward(seen, labels: labels, outputGradient: scoresGradient)
            return loss
        }
        let total = pass(real, realLabels, isReal: true) + pass(fake, fakeLabels, isReal: false)
        var losses = GANLosses(discriminator: total, generator: 0)
        if let penalty {
            // Points on straight lines between real and fake images, one uniform weight per pair.
            interpolates.reuse(shape: real.shape)
            let size = real.count / real.shape[0]
            real.withUnsafeBufferPointer { r in
                fake.withUnsafeBufferPointer { f in
                    interpolates.withUnsafeMutableBufferPointer { x in
                        for row in 0..<real.shape[0] {
                            let epsilon = interpolationDraws.uniformFloat()
                            for j in (row * size)..<((row + 1) * size) { x[j] = epsilon * r[j] + (1 - epsilon) * f[j] }
                        }
                    }
                }
            }
            losses.penalty = penalty.accumulate(at: interpolates).penalty
            losses.discriminator += losses.penalty
        }
        return losses
    }

    /// One discriminator step: gradients, optimiser, then WGAN's clipping when configured.
    public func discriminatorStep(real: Tensor, realLabels: Tensor, fake: Tensor, fakeLabels: Tensor) -> GANLosses {
        let losses = discriminatorGradients(real: real, realLabels: realLabels, fake: fake, fakeLabels: fakeLabels)
        discriminatorOptimizer.update()
        if let clip = configuration.clip {
            for parameter in discriminator.parameters {
                parameter.value.withUnsafeMutableBufferPointer { p in
                    for i in p.indices { p[i] = min(max(p[i], -clip), clip) }
                }
            }
        }
        return losses
    }

    /// Generator gradients through the discriminator for the generator's last output (made from `noise` and
    /// `labels` by its last forward pass); returns the generator's loss.
    public func generatorGradients(noise: Tensor, labels: Tensor) -> Float {
        let d = discriminator, fake = generator.output
        d.computesInputGradient = true
        d.computesParameterGradients = false
        let seen = augmented(fake)
        d.forward(seen, labels: labels, mode: .training)
        var loss = configuration.loss.generator(d.output, gradient: &scoresGradient)
        if d.outputCount > 1 { loss += classLoss(d.output, labels: labels, gradient: &scoresGradient) }
        d.backward(seen, labels: labels, outputGradient: scoresGradient)
        var imageGradient = d.inputGradient
        if let augment {
            augment.backward(input: fake, outputGradient: imageGradient)
            imageGradient = augment.inputGradient
        }
        generatorOptimizer.zeroGradients()
        generator.backward(noise: noise, labels: labels, outputGradient: imageGradient)
        return loss
    }

    /// One generator step: gradients, optimiser, then the moving average when configured.
    public func generatorStep(noise: Tensor, labels: Tensor) -> Float {
        let loss = generatorGradients(noise: noise, labels: labels)
        generatorOptimizer.update()
        if let averagedGenerator, let decay = configuration.emaDecay {
            for (average, current) in zip(averagedGenerator.parameters, generator.parameters) {
                current.value.withUnsafeBufferPointer { p in
                    average.value.withUnsafeMutableBufferPointer { a in
                        for i in a.indices { a[i] = decay * a[i] + (1 - decay) * p[i] }
                    }
                }
            }
            // BatchNorm statistics are not averaged: the averaged generator uses the current ones.
            for (name, tensor) in generator.buffers { try? averagedGenerator.loadBuffer(name, tensor) }
        }
        return loss
    }

    /// The generator samples are drawn from: the moving average when there is one.
    public var samplingGenerator: Generator { averagedGenerator ?? generator }
}
