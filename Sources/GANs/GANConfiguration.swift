import Foundation
import Layers

/// The GAN variants AugBench trains, each a documented preset of architecture, loss and optimiser.
///
/// | variant | generator | discriminator | loss | optimiser | critic steps |
/// | --- | --- | --- | --- | --- | --- |
/// | dcgan | DCGAN | DCGAN, BatchNorm | non-saturating (or minimax) | Adam 2e-4, (0.5, 0.999) | 1 |
/// | cgan | DCGAN + label embedding | label channel (or projection) | non-saturating | Adam 2e-4, (0.5, 0.999) | 1 |
/// | acgan | DCGAN + label embedding | auxiliary classifier head | non-saturating + class CE | Adam 2e-4, (0.5, 0.999) | 1 |
/// | wgan | DCGAN | DCGAN, BatchNorm, weights clipped to 0.01 | Wasserstein | RMSprop 5e-5 | 5 |
/// | wgan-gp | DCGAN | no normalisation, gradient penalty 10 | Wasserstein | Adam 1e-4, (0, 0.9) | 5 |
/// | sngan | DCGAN | spectral normalisation | hinge | Adam 2e-4, (0.5, 0.999) | 1 |
public enum GANVariant: String, Codable, Sendable, CaseIterable {
    case dcgan, cgan, acgan, wgan
    case wganGP = "wgan-gp"
    case sngan

    /// Whether the generator takes labels (samples come out of a requested class).
    public var isConditional: Bool { self == .cgan || self == .acgan }
}

/// Which optimiser both networks use.
public enum GANOptimizer: String, Sendable, CaseIterable {
    case adam, rmsprop
}

/// Settings of a GAN training run: a variant's preset, then any overrides.
public struct GANConfiguration: Sendable, Equatable {
    public var variant: GANVariant
    public var architecture = Architecture()
    /// Generator updates (each preceded by `criticSteps` discriminator updates).
    public var steps: Int
    public var batchSize = 64
    public var loss: AdversarialLoss
    public var optimizer: GANOptimizer
    public var generatorLearningRate: Float
    /// Differs from the generator's for two time-scale updates (TTUR, Heusel et al. 2017).
    public var discriminatorLearningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var criticSteps: Int
    /// WGAN's weight clipping bound for every discriminator parameter (nil: none).
    public var clip: Float?
    /// WGAN-GP's lambda (nil: no penalty).
    public var gradientPenalty: Float?
    /// One-sided label smoothing: the real target of cross-entropy losses is 1 - this.
    public var labelSmoothing: Float = 0
    /// Differentiable augmentation ("color,translation,cutout") of everything the discriminator sees.
    public var diffAugment = false
    /// Decay of an exponential moving average of the generator's weights, sampled from instead (nil: none).
    public var emaDecay: Float?
    public var seed: UInt64 = 0

    /// The variant's preset (see `GANVariant`) for `classCount` classes of `imageShape` images.
    public init(variant: GANVariant, imageShape: [Int] = [1, 28, 28], classCount: Int = 10) {
        self.variant = variant
        architecture.imageShape = imageShape
        architecture.classCount = classCount
        steps = variant == .wgan || variant == .wganGP ? Self.defaultCriticVariantSteps : Self.defaultSteps
        loss = .nonSaturating
        optimizer = .adam
        (generatorLearningRate, discriminatorLearningRate, beta1, beta2, criticSteps) = (2e-4, 2e-4, 0.5, 0.999, 1)
        switch variant {
        case .dcgan: break
        case .cgan:
            architecture.conditionalGenerator = true
            architecture.conditioning = .labelChannel
        case .acgan:
            architecture.conditionalGenerator = true
            architecture.conditioning = .auxiliary
        case .wgan:
            loss = .wasserstein
            optimizer = .rmsprop
            (generatorLearningRate, discriminatorLearningRate, criticSteps, clip) = (5e-5, 5e-5, 5, 0.01)
        case .wganGP:
            loss = .wasserstein
            architecture.normalization = .none
            (generatorLearningRate, discriminatorLearningRate, beta1, beta2, criticSteps, gradientPenalty) = (1e-4, 1e-4, 0, 0.9, 5, 10)
        case .sngan:
            loss = .hinge
            architecture.normalization = .spectral
        }
    }

    /// Default generator updates for variants with one discriminator step per generator step.
    public static let defaultSteps = 1000
    /// Default generator updates for the Wasserstein variants (five critic steps each).
    public static let defaultCriticVariantSteps = 500

    /// Refuses combinations that cannot work, with the reason.
    public func validate() throws {
        guard steps > 0, batchSize > 1, criticSteps > 0 else {
            throw GANSetupError("steps and critic steps must be positive and the batch size above 1")
        }
        guard architecture.imageShape.count == 3, architecture.imageShape[1] % 4 == 0, architecture.imageShape[2] % 4 == 0,
              architecture.imageShape[1] >= 8, architecture.imageShape[2] >= 8 else {
            throw GANSetupError("the GAN networks need images [C, H, W] with H and W multiples of 4 (at least 8), got \(architecture.imageShape)")
        }
        if labelSmoothing != 0 && !loss.isCrossEntropy {
            throw GANSetupError("label smoothing applies to the cross-entropy losses, not \(loss.rawValue)")
        }
        guard labelSmoothing >= 0 && labelSmoothing < 0.5 else { throw GANSetupError("label smoothing must be in [0, 0.5)") }
        if variant.isConditional && architecture.conditioning == .none {
            throw GANSetupError("\(variant.rawValue) needs a conditional discriminator")
        }
        if gradientPenalty != nil && (architecture.normalization == .batch || architecture.attention || architecture.conditioning != .none) {
            throw GANSetupError("the gradient penalty needs an unconditional critic without BatchNorm or attention")
        }
        if let emaDecay, !(emaDecay > 0 && emaDecay < 1) { throw GANSetupError("the EMA decay must be in (0, 1)") }
    }

    /// One line per setting, as stored with checkpoints and printed by the CLI.
    public var summary: String {
        let a = architecture
        return """
            variant: \(variant.rawValue)
            image_shape: \(a.imageShape)
            classes: \(a.classCount)
            generator: \(a.residual ? "residual" : "dcgan")\(a.conditionalGenerator ? " + label embedding \(a.labelEmbeddingDimension)" : "")\(a.attention ? " + self-attention" : "")
            discriminator: \(a.normalization.rawValue) normalisation, conditioning \(a.conditioning.rawValue)\(a.attention ? ", self-attention" : "")
            loss: \(loss.rawValue)
            optimizer: \(optimizer.rawValue), lr G \(generatorLearningRate), lr D \(discriminatorLearningRate)\(optimizer == .adam ? ", betas (\(beta1), \(beta2))" : "")
            steps: \(steps) generator steps, \(criticSteps) critic step(s) each, batch \(batchSize)
            clip: \(clip.map { "\($0)" } ?? "none")
            gradient_penalty: \(gradientPenalty.map { "\($0)" } ?? "none")
            label_smoothing: \(labelSmoothing)
            diffaugment: \(diffAugment ? "color,translation,cutout" : "none")
            ema: \(emaDecay.map { "\($0)" } ?? "none")
            seed: \(seed)
            """
    }
}
