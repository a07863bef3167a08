import Datasets
import Foundation
import Layers
import Optimizers
import ResultStore
import Tensors

/// Settings of a GAN training run.
public struct GANConfiguration: Sendable, Equatable {
    /// "dcgan" (non-saturating BCE, the anchor's networks). Other variants arrive with the GAN issue.
    public var variant = "dcgan"
    public var steps = 2000
    public var batchSize = 64
    public var learningRate: Float = 2e-4
    public var beta1: Float = 0.5
    public var seed: UInt64 = 0
    public static let variants = ["dcgan"]

    public init(variant: String = "dcgan", steps: Int = 2000, batchSize: Int = 64, learningRate: Float = 2e-4, beta1: Float = 0.5,
                seed: UInt64 = 0) {
        self.variant = variant
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.beta1 = beta1
        self.seed = seed
    }
}

/// A run that stopped because the losses or weights diverged; names the step and the loss.
public struct GANDivergence: Error, CustomStringConvertible {
    public let step: Int
    public let reason: String
    public var description: String { "GAN training diverged at step \(step): \(reason)" }
}

/// Trains a GAN on the images of a split (the test set is never read), with checkpoints that resume
/// bit-identically: weights, BatchNorm statistics, both optimizers' state, the random streams and the loss
/// curves are all saved.
public final class GANTrainer {
    public let configuration: GANConfiguration
    public let step: GANStep
    /// Completed updates.
    public private(set) var completedSteps = 0
    public private(set) var discriminatorLosses: [Float] = []
    public private(set) var generatorLosses: [Float] = []
    private var batchDraws: RandomGenerator
    private var noiseDraws: RandomGenerator
    private var realBatch = Tensor(shape: [0])
    private var noise = Tensor(shape: [0])
    /// Consecutive steps with a discriminator loss near 0 (a collapsed game).
    private var stuckSteps = 0

    public init(configuration: GANConfiguration, imageShape: [Int]) throws {
        guard GANConfiguration.variants.contains(configuration.variant) else {
            throw GANDivergence(step: 0, reason: "unknown variant '\(configuration.variant)' (known: \(GANConfiguration.variants.joined(separator: ", ")))")
        }
        guard imageShape == [1, 28, 28] else {
            throw DatasetError("\(imageShape)", "the DCGAN networks take 1 x 28 x 28 images")
        }
        self.configuration = configuration
        let generator = DCGAN.generator(), discriminator = DCGAN.discriminator()
        var initialisation = RandomGenerator(seed: configuration.seed).derived(1)
        for network in [generator, discriminator] {
            for layer in network.layers {
                if let conv = layer as? Conv2D { Initializer.dcgan(weight: conv.weight, bias: conv.bias, generator: &initialisation) }
                if let conv = layer as? ConvTranspose2D { Initializer.dcgan(weight: conv.weight, bias: conv.bias, generator: &initialisation) }
                if let norm = layer as? BatchNorm {
                    initialisation.fillNormal(&norm.weight.value, mean: 1, std: 0.02)
                    norm.bias.value.fill(0)
                }
            }
        }
        step = GANStep(generator: generator, discriminator: discriminator, learningRate: configuration.learningRate,
                       beta1: configuration.beta1)
        batchDraws = RandomGenerator(seed: configuration.seed).derived(2)
        noiseDraws = RandomGenerator(seed: configuration.seed).derived(3)
    }

    /// Runs updates until `configuration.steps` are done; `checkpoint(step)` is called every `checkpointEvery`
    /// steps and at the end, `progress(step, lossD, lossG)` after each step.
    public func train(_ images: ImageSet, checkpointEvery: Int, checkpoint: (Int) throws -> Void,
                      progress: (Int, Float, Float) -> Void = { _, _, _ in }) throws {
        let inner = images.imageShape.reduce(1, *)
        while completedSteps < configuration.steps {
            let batch = min(configuration.batchSize, images.count)
            realBatch.reuse(shape: [batch] + images.imageShape)
            images.images.withUnsafeBufferPointer { source in
                realBatch.withUnsafeMutableBufferPointer { target in
                    for row in 0..<batch {
                        let index = batchDraws.integer(below: images.count)
                        (target.baseAddress! + row * inner).update(from: source.baseAddress! + index * inner, count: inner)
                    }
                }
            }
            noise.reuse(shape: [batch, DCGAN.latentDimension, 1, 1])
            noiseDraws.fillNormal(&noise)
            let losses = step(real: realBatch, noise: noise)
            completedSteps += 1
            discriminatorLosses.append(losses.discriminator)
            generatorLosses.append(losses.generator)
            try checkDivergence(losses.discriminator, losses.generator)
            progress(completedSteps, losses.discriminator, losses.generator)
            if completedSteps % max(1, checkpointEvery) == 0 || completedSteps == configuration.steps {
                try checkpoint(completedSteps)
            }
        }
    }

    private func checkDivergence(_ lossD: Float, _ lossG: Float) throws {
        func words(_ x: Float) -> String { x.isNaN ? "NaN" : "infinite" }
        if !lossD.isFinite { throw GANDivergence(step: completedSteps, reason: "discriminator loss is \(words(lossD))") }
        if !lossG.isFinite { throw GANDivergence(step: completedSteps, reason: "generator loss is \(words(lossG))") }
        stuckSteps = lossD < 1e-4 ? stuckSteps + 1 : 0
        if stuckSteps >= 200 {
            throw GANDivergence(step: completedSteps, reason: "discriminator loss below 1e-4 for 200 steps (the generator has lost)")
        }
        for network in [step.generator, step.discriminator] where network.parameters.contains(where: { !$0.value.storage.allSatisfy(\.isFinite) }) {
            throw GANDivergence(step: completedSteps, reason: "non-finite weights in the \(network === step.generator ? "generator" : "discriminator")")
        }
    }

    /// Images from latent noise drawn from `seed`, in evaluation mode (BatchNorm running statistics).
    public func sample(count: Int, seed: UInt64) -> Tensor {
        var draws = RandomGenerator(seed: seed)
        var latent = Tensor(shape: [count, DCGAN.latentDimension, 1, 1])
        draws.fillNormal(&latent)
        step.generator.forward(latent, mode: .evaluation)
        return step.generator.output
    }

    // MARK: Checkpoints (kind "gan-checkpoint")

    private static let networks = ["generator", "discriminator"]

    /// Writes the complete training state to `path` (atomically).
    public func saveCheckpoint(to path: String, splitPath: String) throws {
        let file = try HDF5File.create(path, kind: "gan-checkpoint")
        let root = file.root
        try root.setAttribute("variant", configuration.variant)
        try root.setAttribute("step", Int64(completedSteps))
        try root.setAttribute("steps", Int64(configuration.steps))
        try root.setAttribute("batch_size", Int64(configuration.batchSize))
        try root.setAttribute("learning_rate", Double(configuration.learningRate))
        try root.setAttribute("beta1", Double(configuration.beta1))
        try root.setAttribute("seed", Int64(bitPattern: configuration.seed))
        try root.setAttribute("split", splitPath)
        try root.setAttribute("stuck_steps", Int64(stuckSteps))
        try root.write("loss_discriminator", discriminatorLosses, shape: [discriminatorLosses.count])
        try root.write("loss_generator", generatorLosses, shape: [generatorLosses.count])
        try root.write("rng_batches", batchDraws.state.map { Int64(bitPattern: $0) }, shape: [6])
        try root.write("rng_noise", noiseDraws.state.map { Int64(bitPattern: $0) }, shape: [6])
        for (name, network, optimizer) in [("generator", step.generator, step.generatorOptimizer),
                                           ("discriminator", step.discriminator, step.discriminatorOptimizer)] {
            let group = try root.createGroup(name)
            for named in network.namedParameters { try group.write("weights/\(named.path)", named.parameter.value) }
            for (index, layer) in network.layers.enumerated() {
                guard let norm = layer as? BatchNorm else { continue }
                try group.write("buffers/\(index).running_mean", norm.runningMean)
                try group.write("buffers/\(index).running_var", norm.runningVariance)
                try group.setAttribute("batches_tracked", Int64(norm.batchesTracked), on: "buffers/\(index).running_mean")
            }
            try group.setAttribute("adam_step", Int64(optimizer.step))
            for (index, named) in network.namedParameters.enumerated() {
                try group.write("adam/\(named.path).m", optimizer.firstMoments[index], shape: named.parameter.shape)
                try group.write("adam/\(named.path).v", optimizer.secondMoments[index], shape: named.parameter.shape)
            }
        }
        try file.commit()
    }

    /// A trainer restored from a checkpoint, continuing exactly where it stopped.
    public static func resume(from path: String, steps: Int? = nil) throws -> (trainer: GANTrainer, split: String) {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind("gan-checkpoint")
        let root = file.root
        var configuration = GANConfiguration(
            variant: try root.stringAttribute("variant"), steps: Int(try root.attribute("steps", as: Int64.self)),
            batchSize: Int(try root.attribute("batch_size", as: Int64.self)),
            learningRate: Float(try root.attribute("learning_rate", as: Double.self)),
            beta1: Float(try root.attribute("beta1", as: Double.self)),
            seed: UInt64(bitPattern: try root.attribute("seed", as: Int64.self)))
        if let steps { configuration.steps = steps }
        let trainer = try GANTrainer(configuration: configuration, imageShape: [1, 28, 28])
        trainer.completedSteps = Int(try root.attribute("step", as: Int64.self))
        trainer.stuckSteps = Int(try root.attribute("stuck_steps", as: Int64.self))
        trainer.discriminatorLosses = try root.read("loss_discriminator", as: Float.self).values
        trainer.generatorLosses = try root.read("loss_generator", as: Float.self).values
        trainer.batchDraws = try RandomGenerator(state: root.read("rng_batches", as: Int64.self).values.map { UInt64(bitPattern: $0) })
        trainer.noiseDraws = try RandomGenerator(state: root.read("rng_noise", as: Int64.self).values.map { UInt64(bitPattern: $0) })
        for (name, network, optimizer) in [("generator", trainer.step.generator, trainer.step.generatorOptimizer),
                                           ("discriminator", trainer.step.discriminator, trainer.step.discriminatorOptimizer)] {
            let group = try root.group(name)
            for named in network.namedParameters {
                named.parameter.value = try group.readTensor("weights/\(named.path)", shape: named.parameter.shape)
            }
            for (index, layer) in network.layers.enumerated() {
                guard let norm = layer as? BatchNorm else { continue }
                norm.setRunningStatistics(mean: try group.readTensor("buffers/\(index).running_mean"),
                                          variance: try group.readTensor("buffers/\(index).running_var"),
                                          batchesTracked: Int(try group.attribute("batches_tracked", as: Int64.self,
                                                                                  on: "buffers/\(index).running_mean")))
            }
            let moments = try network.namedParameters.map { named in
                (try group.read("adam/\(named.path).m", as: Float.self).values, try group.read("adam/\(named.path).v", as: Float.self).values)
            }
            try optimizer.restore(step: Int(try group.attribute("adam_step", as: Int64.self)),
                                  firstMoments: moments.map(\.0), secondMoments: moments.map(\.1))
        }
        return (trainer, try root.stringAttribute("split"))
    }
}
