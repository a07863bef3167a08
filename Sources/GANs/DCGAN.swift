import Layers
import Optimizers
import Tensors

/// The DCGAN pair for 28 x 28 single-channel images, with exactly the shapes of the anchor workload
/// (`torch_workloads.py`): the seed tutorial's design corrected to emit 28 x 28 instead of 16 x 16.
///
/// Generator: z [N, 100, 1, 1] -> ConvT(100, 128, 7) BN ReLU -> ConvT(128, 64, 4, 2, 1) BN ReLU
///            -> ConvT(64, 1, 4, 2, 1) Tanh -> [N, 1, 28, 28].
/// Discriminator: Conv(1, 64, 4, 2, 1) LeakyReLU(0.2) -> Conv(64, 128, 4, 2, 1) BN LeakyReLU(0.2)
///            -> Conv(128, 1, 7) -> Flatten -> one logit per image.
/// References: Radford, Metz & Chintala 2016.
public enum DCGAN {
    public static let latentDimension = 100

    public static func generator(latentDimension: Int = latentDimension) -> Sequential {
        Sequential([
            ConvTranspose2D(inputChannels: latentDimension, outputChannels: 128, kernelSize: 7, bias: false),
            BatchNorm(channels: 128), ReLU(),
            ConvTranspose2D(inputChannels: 128, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm(channels: 64), ReLU(),
            ConvTranspose2D(inputChannels: 64, outputChannels: 1, kernelSize: 4, stride: 2, padding: 1, bias: false),
            Tanh(),
        ])
    }

    public static func discriminator() -> Sequential {
        Sequential([
            Conv2D(inputChannels: 1, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, bias: false),
            LeakyReLU(slope: 0.2),
            Conv2D(inputChannels: 64, outputChannels: 128, kernelSize: 4, stride: 2, padding: 1, bias: false),
            BatchNorm(channels: 128), LeakyReLU(slope: 0.2),
            Conv2D(inputChannels: 128, outputChannels: 1, kernelSize: 7, bias: false),
            Flatten(),
        ])
    }
}

/// One non-saturating GAN update, as the anchor's `gan_step`: the discriminator on real (target 1) and on
/// detached fakes (target 0), one Adam step; then the generator through the updated discriminator (target 1).
public final class GANStep {
    public let generator: Sequential
    public let discriminator: Sequential
    public let generatorOptimizer: Adam
    public let discriminatorOptimizer: Adam
    private let criterion = BinaryCrossEntropyWithLogits()
    private var logitGradient = Tensor(shape: [0])

    public init(generator: Sequential, discriminator: Sequential, learningRate: Float = 2e-4, beta1: Float = 0.5) {
        self.generator = generator
        self.discriminator = discriminator
        generatorOptimizer = Adam(parameters: generator.parameters, learningRate: learningRate, beta1: beta1)
        discriminatorOptimizer = Adam(parameters: discriminator.parameters, learningRate: learningRate, beta1: beta1)
    }

    /// Runs the update on a real batch and latent noise; returns the discriminator and generator losses.
    @discardableResult
    public func callAsFunction(real: Tensor, noise: Tensor) -> (discriminator: Float, generator: Float) {
        generator.forward(noise, mode: .training)
        let fake = generator.output
        let lossD = discriminatorGradients(real: real, fake: fake)
        discriminatorOptimizer.update()
        let lossG = generatorGradients(noise: noise, fake: fake)
        generatorOptimizer.update()
        return (lossD, lossG)
    }

    /// Discriminator loss on real (target 1) and fake (target 0) and its gradients (fresh, not accumulated).
    public func discriminatorGradients(real: Tensor, fake: Tensor) -> Float {
        discriminator.computesInputGradient = false
        discriminator.computesParameterGradients = true
        discriminatorOptimizer.zeroGradients()
        discriminator.forward(real, mode: .training)
        var loss = criterion(discriminator.output, targets: [1], gradient: &logitGradient)
        discriminator.backward(input: real, outputGradient: logitGradient)
        discriminator.forward(fake, mode: .training)
        loss += criterion(discriminator.output, targets: [0], gradient: &logitGradient)
        discriminator.backward(input: fake, outputGradient: logitGradient)
        return loss
    }

    /// Generator loss (fakes judged real, target 1) and the generator's gradients, through the discriminator.
    /// `fake` must be the generator's output for `noise` from its last forward pass. The discriminator's own
    /// parameter gradients are not computed here: the next discriminator phase would discard them.
    public func generatorGradients(noise: Tensor, fake: Tensor) -> Float {
        discriminator.computesInputGradient = true
        discriminator.computesParameterGradients = false
        discriminator.forward(fake, mode: .training)
        let loss = criterion(discriminator.output, targets: [1], gradient: &logitGradient)
        discriminator.backward(input: fake, outputGradient: logitGradient)
        generatorOptimizer.zeroGradients()
        generator.backward(input: noise, outputGradient: discriminator.inputGradient)
        return loss
    }
}
