import Foundation
import ResultStore

/// Settings of a GAN run (`augbench gan train`, and every GAN of a protocol): a variant's preset and the overrides
/// of it. Decodes from a protocol's YAML or JSON with snake_case keys; an absent override keeps the variant's value.
public struct GANRunSettings: Codable, Sendable, Equatable {
    public var variant = GANVariant.dcgan
    /// Generator updates (nil: the variant's default).
    public var steps: Int?
    public var batchSize = 64
    public var loss: AdversarialLoss?
    public var generatorLearningRate: Float?
    /// Differs from the generator's for two time-scale updates.
    public var discriminatorLearningRate: Float?
    public var criticSteps: Int?
    /// One-sided label smoothing: the real target of cross-entropy losses is 1 - this.
    public var labelSmoothing: Float = 0
    /// DiffAugment (color, translation, cutout) on everything the discriminator sees.
    public var diffAugment = false
    /// Decay of an exponential moving average of the generator's weights, sampled from instead.
    public var emaDecay: Float?
    /// Residual upsampling blocks in the generator.
    public var residual = false
    /// A self-attention block in both networks.
    public var attention = false
    /// cgan: a projection discriminator instead of the label channel.
    public var projection = false
    public var seed: UInt64 = 0
    /// Steps between checkpoints (with a sample grid and the loss curves).
    public var checkpointEvery = 250

    public init(variant: GANVariant = .dcgan) { self.variant = variant }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case variant, steps, loss, residual, attention, projection, seed
        case batchSize = "batch_size"
        case generatorLearningRate = "lr_g"
        case discriminatorLearningRate = "lr_d"
        case criticSteps = "critic_steps"
        case labelSmoothing = "label_smoothing"
        case diffAugment = "diffaugment"
        case emaDecay = "ema"
        case checkpointEvery = "checkpoint_every"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GANRunSettings()
        variant = try c.decode(.variant, default: d.variant)
        steps = try c.decodeIfPresent(Int.self, forKey: .steps)
        batchSize = try c.decode(.batchSize, default: d.batchSize)
        loss = try c.decodeIfPresent(AdversarialLoss.self, forKey: .loss)
        generatorLearningRate = try c.decodeIfPresent(Float.self, forKey: .generatorLearningRate)
        discriminatorLearningRate = try c.decodeIfPresent(Float.self, forKey: .discriminatorLearningRate)
        criticSteps = try c.decodeIfPresent(Int.self, forKey: .criticSteps)
        labelSmoothing = try c.decode(.labelSmoothing, default: d.labelSmoothing)
        diffAugment = try c.decode(.diffAugment, default: d.diffAugment)
        emaDecay = try c.decodeIfPresent(Float.self, forKey: .emaDecay)
        residual = try c.decode(.residual, default: d.residual)
        attention = try c.decode(.attention, default: d.attention)
        projection = try c.decode(.projection, default: d.projection)
        seed = try c.decode(.seed, default: d.seed)
        checkpointEvery = try c.decode(.checkpointEvery, default: d.checkpointEvery)
        try decoder.validating(validate)
    }

    /// Refuses values no run can use, naming the setting (the combination checks live in `GANConfiguration`).
    public func validate() throws {
        if let problem = SettingLimits.firstViolation([
            ("steps", steps ?? 1, 1...SettingLimits.steps), ("critic_steps", criticSteps ?? 1, 1...SettingLimits.criticSteps),
            ("checkpoint_every", checkpointEvery, 1...SettingLimits.steps), ("batch_size", batchSize, 2...SettingLimits.batchSize),
        ]) { throw GANSetupError(problem) }
        for (name, rate) in [("lr_g", generatorLearningRate), ("lr_d", discriminatorLearningRate)] {
            if let rate, !(rate > 0 && rate.isFinite) { throw GANSetupError("\(name) must be positive and finite, got \(rate)") }
        }
        if projection && variant != .cgan { throw GANSetupError("projection applies to the cgan variant") }
    }

    /// The variant's preset with these overrides, for a split's images; validated.
    public func configuration(imageShape: [Int], classCount: Int) throws -> GANConfiguration {
        try validate()
        var c = GANConfiguration(variant: variant, imageShape: imageShape, classCount: classCount)
        if let steps { c.steps = steps }
        c.batchSize = batchSize
        if let loss { c.loss = loss }
        if let generatorLearningRate { c.generatorLearningRate = generatorLearningRate }
        if let discriminatorLearningRate { c.discriminatorLearningRate = discriminatorLearningRate }
        if let criticSteps { c.criticSteps = criticSteps }
        c.labelSmoothing = labelSmoothing
        c.diffAugment = diffAugment
        c.emaDecay = emaDecay
        c.architecture.residual = residual
        c.architecture.attention = attention
        if projection { c.architecture.conditioning = .projection }
        c.seed = seed
        try c.validate()
        return c
    }
}
