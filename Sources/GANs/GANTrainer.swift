import Datasets
import Foundation
import Layers
import Optimizers
import ResultStore
import Tensors

/// A run that stopped because the losses or weights diverged; names the step and the loss.
public struct GANDivergence: Error, CustomStringConvertible {
    public let step: Int
    public let reason: String
    public var description: String { "GAN training diverged at step \(step): \(reason)" }
}

/// Trains a GAN on the images of a split (the test set is never read), with checkpoints that resume
/// bit-identically: weights, buffers (BatchNorm statistics, spectral-norm vectors), the moving-average generator,
/// both optimisers' state, every random stream and the loss curves are saved.
public final class GANTrainer {
    public let configuration: GANConfiguration
    public let model: GANModel
    /// Completed generator updates.
    public private(set) var completedSteps = 0
    public private(set) var discriminatorLosses: [Float] = []
    public private(set) var generatorLosses: [Float] = []
    public private(set) var penalties: [Float] = []
    private var batchDraws: RandomGenerator
    private var noiseDraws: RandomGenerator
    private var labelDraws: RandomGenerator
    private var realBatch = Tensor(shape: [0]), realLabels = Tensor(shape: [0])
    private var noise = Tensor(shape: [0]), fakeLabels = Tensor(shape: [0])
    /// Consecutive steps with a cross-entropy or hinge discriminator loss near 0 (a collapsed game).
    private var stuckSteps = 0

    public init(configuration: GANConfiguration) throws {
        self.configuration = configuration
        model = try GANModel(configuration: configuration)
        let root = RandomGenerator(seed: configuration.seed)
        batchDraws = root.derived(2)
        noiseDraws = root.derived(3)
        labelDraws = root.derived(4)
    }

    /// Runs updates until `configuration.steps` are done; `checkpoint(step)` is called every `checkpointEvery`
    /// steps and at the end, `progress(step, losses)` after each step. Divergence throws `GANDivergence` before
    /// any checkpoint of the diverged state is written.
    public func train(_ images: ImageSet, checkpointEvery: Int, checkpoint: (Int) throws -> Void,
                      progress: (Int, GANLosses) -> Void = { _, _ in }) throws {
        guard images.imageShape == configuration.architecture.imageShape else {
            throw GANSetupError("the GAN was built for images \(configuration.architecture.imageShape), the split has \(images.imageShape)")
        }
        guard images.classCount == configuration.architecture.classCount else {
            throw GANSetupError("the GAN was built for \(configuration.architecture.classCount) classes, the split has \(images.classCount)")
        }
        let batch = min(configuration.batchSize, images.count)
        while completedSteps < configuration.steps {
            var losses = GANLosses(discriminator: 0, generator: 0)
            for _ in 0..<configuration.criticSteps {
                drawRealBatch(images, count: batch)
                drawNoise(images, count: batch)
                model.generator.forward(noise: noise, labels: fakeLabels, mode: .training)
                losses = model.discriminatorStep(real: realBatch, realLabels: realLabels, fake: model.generator.output,
                                                 fakeLabels: fakeLabels)
            }
            losses.generator = model.generatorStep(noise: noise, labels: fakeLabels)
            completedSteps += 1
            discriminatorLosses.append(losses.discriminator)
            generatorLosses.append(losses.generator)
            penalties.append(losses.penalty)
            try checkDivergence(losses)
            progress(completedSteps, losses)
            if completedSteps % max(1, checkpointEvery) == 0 || completedSteps == configuration.steps {
                try checkpoint(completedSteps)
            }
        }
    }

    /// A batch of training images drawn with replacement, and their labels.
    private func drawRealBatch(_ images: ImageSet, count: Int) {
        let inner = images.imageShape.reduce(1, *)
        realBatch.reuse(shape: [count] + images.imageShape)
        realLabels.reuse(shape: [count])
        images.images.withUnsafeBufferPointer { source in
            realBatch.withUnsafeMutableBufferPointer { target in
                for row in 0..<count {
                    let index = batchDraws.integer(below: images.count)
                    (target.baseAddress! + row * inner).update(from: source.baseAddress! + index * inner, count: inner)
                    realLabels[row] = Float(images.labels[index])
                }
            }
        }
    }

    /// Latent noise, and labels for the fakes drawn from the training labels (so that fake and real classes
    /// have the same frequencies, also on imbalanced splits).
    private func drawNoise(_ images: ImageSet, count: Int) {
        noise.reuse(shape: [count, configuration.architecture.latentDimension, 1, 1])
        noiseDraws.fillNormal(&noise)
        fakeLabels.reuse(shape: [count])
        for row in 0..<count { fakeLabels[row] = Float(images.labels[labelDraws.integer(below: images.count)]) }
    }

    private func checkDivergence(_ losses: GANLosses) throws {
        func words(_ x: Float) -> String { x.isNaN ? "NaN" : "infinite" }
        if !losses.discriminator.isFinite { throw GANDivergence(step: completedSteps, reason: "discriminator loss is \(words(losses.discriminator))") }
        if !losses.generator.isFinite { throw GANDivergence(step: completedSteps, reason: "generator loss is \(words(losses.generator))") }
        if configuration.loss != .wasserstein {
            stuckSteps = abs(losses.discriminator) < 1e-4 ? stuckSteps + 1 : 0
            if stuckSteps >= 200 {
                throw GANDivergence(step: completedSteps, reason: "discriminator loss below 1e-4 for 200 steps (the generator has lost)")
            }
        }
        for (name, network) in [("generator", model.generator as NetworkModule), ("discriminator", model.discriminator)]
        where network.parameters.contains(where: { !$0.value.storage.allSatisfy(\.isFinite) }) {
            throw GANDivergence(step: completedSteps, reason: "non-finite weights in the \(name)")
        }
    }

    // MARK: Sampling

    /// `count` images of the classes `labels` from noise drawn from `seed` (see `TrainedGAN.sample`).
    public func sample(count: Int, labels: [Int], seed: UInt64) -> Tensor {
        TrainedGAN(trainer: self).sample(count: count, labels: labels, seed: seed)
    }

    /// A grid's images: a row per class for a conditional generator (see `TrainedGAN.sampleGridImages`).
    public func sampleGridImages(perRow: Int = 10, seed: UInt64 = 1) -> Tensor {
        TrainedGAN(trainer: self).sampleGridImages(perRow: perRow, seed: seed)
    }

    // MARK: Checkpoints (kind "gan-checkpoint": this writer and `resume` are its one writer and reader)


    /// Writes the complete training state to `path` (atomically).
    /// `splitChecksum` and `threads` let a resume check that it continues on the same data with the same
    /// arithmetic (results are bit-identical only at a fixed thread count).
    public func saveCheckpoint(to path: String, splitPath: String, splitChecksum: String? = nil, threads: Int? = nil) throws {
        let file = try HDF5File.create(path, kind: .ganCheckpoint)
        let root = file.root
        try Self.writeConfiguration(configuration, to: root)
        try root.setAttribute("step", Int64(completedSteps))
        try root.setAttribute("split", splitPath)
        if let splitChecksum { try root.setAttribute("split_sha256", splitChecksum) }
        if let threads { try root.setAttribute("threads", Int64(threads)) }
        try root.setAttribute("stuck_steps", Int64(stuckSteps))
        for (name, curve) in [("loss_discriminator", discriminatorLosses), ("loss_generator", generatorLosses), ("gradient_penalty", penalties)] {
            try root.write("curves/\(name)", curve, shape: [curve.count])
        }
        var streams = [("batches", batchDraws), ("noise", noiseDraws), ("labels", labelDraws), ("interpolation", model.interpolationDraws)]
        if let augment = model.augment { streams.append(("diffaugment", augment.generator)) }
        for (name, stream) in streams { try root.write("rng/\(name)", stream.state.map { Int64(bitPattern: $0) }, shape: [6]) }
        try TrainingState.write(model.generator, optimizer: model.generatorOptimizer, to: root.createGroup("generator"))
        try TrainingState.write(model.discriminator, optimizer: model.discriminatorOptimizer, to: root.createGroup("discriminator"))
        if let averaged = model.averagedGenerator { try TrainingState.write(averaged, optimizer: nil, to: root.createGroup("generator_ema")) }
        try file.commit()
    }

    /// A trainer restored from a checkpoint, continuing exactly where it stopped (`steps` extends the run).
    /// The checkpoint's split path, and the split's checksum and the thread count when the checkpoint records them.
    public struct Provenance {
        public let split: String
        public let splitChecksum: String?
        public let threads: Int?
    }

    public static func resume(from path: String, steps: Int? = nil) throws -> (trainer: GANTrainer, provenance: Provenance) {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(.ganCheckpoint)
        let root = file.root
        var configuration = try readConfiguration(root)
        if let steps { configuration.steps = steps }
        let trainer = try GANTrainer(configuration: configuration)
        trainer.completedSteps = Int(try root.attribute("step", as: Int64.self))
        trainer.stuckSteps = Int(try root.attribute("stuck_steps", as: Int64.self))
        trainer.discriminatorLosses = try root.read("curves/loss_discriminator", as: Float.self).values
        trainer.generatorLosses = try root.read("curves/loss_generator", as: Float.self).values
        trainer.penalties = try root.read("curves/gradient_penalty", as: Float.self).values
        func stream(_ name: String) throws -> RandomGenerator {
            try RandomGenerator(state: root.read("rng/\(name)", as: Int64.self).values.map { UInt64(bitPattern: $0) })
        }
        trainer.batchDraws = try stream("batches")
        trainer.noiseDraws = try stream("noise")
        trainer.labelDraws = try stream("labels")
        trainer.model.interpolationDraws = try stream("interpolation")
        if let augment = trainer.model.augment { augment.generator = try stream("diffaugment") }
        let model = trainer.model
        try TrainingState.read(model.generator, optimizer: model.generatorOptimizer, from: root.group("generator"))
        try TrainingState.read(model.discriminator, optimizer: model.discriminatorOptimizer, from: root.group("discriminator"))
        if let averaged = model.averagedGenerator { try TrainingState.read(averaged, optimizer: nil, from: root.group("generator_ema")) }
        let provenance = Provenance(split: try root.stringAttribute("split"),
                                    splitChecksum: root.hasAttribute("split_sha256") ? try root.stringAttribute("split_sha256") : nil,
                                    threads: root.hasAttribute("threads") ? Int(try root.attribute("threads", as: Int64.self)) : nil)
        return (trainer, provenance)
    }

    private static func writeConfiguration(_ c: GANConfiguration, to root: HDF5Group) throws {
        let a = c.architecture
        try root.setAttribute("variant", c.variant.rawValue)
        try root.setAttribute("configuration", c.summary)
        try root.setAttribute("image_shape", a.imageShape.map { Int64($0) })
        try root.setAttribute("classes", Int64(a.classCount))
        try root.setAttribute("conditional_generator", Int64(a.conditionalGenerator ? 1 : 0))
        try root.setAttribute("conditioning", a.conditioning.rawValue)
        try root.setAttribute("normalization", a.normalization.rawValue)
        try root.setAttribute("residual", Int64(a.residual ? 1 : 0))
        try root.setAttribute("attention", Int64(a.attention ? 1 : 0))
        try root.setAttribute("steps", Int64(c.steps))
        try root.setAttribute("batch_size", Int64(c.batchSize))
        try root.setAttribute("loss", c.loss.rawValue)
        try root.setAttribute("optimizer", c.optimizer.rawValue)
        try root.setAttribute("learning_rate_generator", Double(c.generatorLearningRate))
        try root.setAttribute("learning_rate_discriminator", Double(c.discriminatorLearningRate))
        try root.setAttribute("betas", [Double(c.beta1), Double(c.beta2)])
        try root.setAttribute("critic_steps", Int64(c.criticSteps))
        try root.setAttribute("clip", Double(c.clip ?? 0))
        try root.setAttribute("gradient_penalty", Double(c.gradientPenalty ?? 0))
        try root.setAttribute("label_smoothing", Double(c.labelSmoothing))
        try root.setAttribute("diffaugment", Int64(c.diffAugment ? 1 : 0))
        try root.setAttribute("ema_decay", Double(c.emaDecay ?? 0))
        try root.setAttribute("seed", Int64(bitPattern: c.seed))
    }

    static func readConfiguration(_ root: HDF5Group) throws -> GANConfiguration {
        func text<T: RawRepresentable>(_ name: String, _ type: T.Type) throws -> T where T.RawValue == String {
            let value = try root.stringAttribute(name)
            guard let parsed = T(rawValue: value) else { throw GANSetupError("checkpoint attribute \(name) = '\(value)' is unknown") }
            return parsed
        }
        func integer(_ name: String) throws -> Int { Int(try root.attribute(name, as: Int64.self)) }
        func real(_ name: String) throws -> Float { Float(try root.attribute(name, as: Double.self)) }
        let imageShape = try root.arrayAttribute("image_shape", as: Int64.self).map { Int($0) }
        var c = GANConfiguration(variant: try text("variant", GANVariant.self), imageShape: imageShape, classCount: try integer("classes"))
        c.architecture.conditionalGenerator = try integer("conditional_generator") == 1
        c.architecture.conditioning = try text("conditioning", DiscriminatorConditioning.self)
        c.architecture.normalization = try text("normalization", DiscriminatorNormalization.self)
        c.architecture.residual = try integer("residual") == 1
        c.architecture.attention = try integer("attention") == 1
        c.steps = try integer("steps")
        c.batchSize = try integer("batch_size")
        c.loss = try text("loss", AdversarialLoss.self)
        c.optimizer = try text("optimizer", GANOptimizer.self)
        c.generatorLearningRate = try real("learning_rate_generator")
        c.discriminatorLearningRate = try real("learning_rate_discriminator")
        let betas = try root.arrayAttribute("betas", as: Double.self)
        (c.beta1, c.beta2) = (Float(betas[0]), Float(betas[1]))
        c.criticSteps = try integer("critic_steps")
        let (clip, penalty, ema) = (try real("clip"), try real("gradient_penalty"), try real("ema_decay"))
        c.clip = clip > 0 ? clip : nil
        c.gradientPenalty = penalty > 0 ? penalty : nil
        c.emaDecay = ema > 0 ? ema : nil
        c.labelSmoothing = try real("label_smoothing")
        c.diffAugment = try integer("diffaugment") == 1
        c.seed = UInt64(bitPattern: try root.attribute("seed", as: Int64.self))
        return c
    }
}

/// A network's weights and buffers (one state dictionary, `weights/`) and its optimiser's state
/// (`optimizer/<slot>/<path>`, the optimiser's step as the attribute `optimizer_step`) in an HDF5 group.
enum TrainingState {
    static func write(_ network: NetworkModule, optimizer: Optimizer?, to group: HDF5Group) throws {
        try StateDictionary.write(network, to: group.createGroup("weights"))
        guard let optimizer else { return }
        try group.setAttribute("optimizer_step", Int64(optimizer.step))
        let named = network.namedParameters
        for (slot, buffers) in optimizer.slots {
            for (parameter, buffer) in zip(named, buffers) {
                try group.write("optimizer/\(slot)/\(parameter.path)", buffer, shape: parameter.parameter.shape)
            }
        }
    }

    static func read(_ network: NetworkModule, optimizer: Optimizer?, from group: HDF5Group) throws {
        // Checkpoints written before buffers joined the weights keep them in buffers/.
        let legacyBuffers = group.contains("buffers") ? try group.group("buffers") : nil
        try StateDictionary.read(into: network, from: group.group("weights"), buffers: legacyBuffers)
        guard let optimizer else { return }
        var slots: [String: [[Float]]] = [:]
        for (slot, _) in optimizer.slots {
            slots[slot] = try network.namedParameters.map { try group.read("optimizer/\(slot)/\($0.path)", as: Float.self).values }
        }
        try optimizer.restore(step: Int(try group.attribute("optimizer_step", as: Int64.self)), slots: slots)
    }
}
