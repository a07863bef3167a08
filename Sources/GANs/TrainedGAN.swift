import Layers
import ResultStore
import Tensors

/// What sampling needs of a trained GAN, without optimisers or training state: the generator samples come from
/// (the moving average when there is one), the discriminator that scores them, and what the GAN was trained on.
public final class TrainedGAN {
    public let configuration: GANConfiguration
    /// Generator updates the weights have had.
    public let step: Int
    /// The split the GAN was trained on (absolute path).
    public let splitPath: String
    private let generator: Generator
    private let discriminator: Discriminator

    /// A view of a trainer's current networks (they are shared, not copied).
    public convenience init(trainer: GANTrainer, splitPath: String = "") {
        self.init(configuration: trainer.configuration, step: trainer.completedSteps, splitPath: splitPath,
                  generator: trainer.model.samplingGenerator, discriminator: trainer.model.discriminator)
    }

    private init(configuration: GANConfiguration, step: Int, splitPath: String, generator: Generator, discriminator: Discriminator) {
        self.configuration = configuration
        self.step = step
        self.splitPath = splitPath
        self.generator = generator
        self.discriminator = discriminator
    }

    /// The sampling generator and the discriminator of a checkpoint (kind "gan-checkpoint").
    public static func load(_ path: String) throws -> TrainedGAN {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(.ganCheckpoint)
        let root = file.root
        let configuration = try GANTrainer.readConfiguration(root)
        try configuration.validate()
        let generator = Generator(configuration.architecture)
        // The initial power-iteration vectors are replaced by the saved ones.
        var spectral = RandomGenerator(seed: configuration.seed).derived(5)
        let discriminator = Discriminator(configuration.architecture, generator: &spectral)
        try TrainingState.read(generator, optimizer: nil, from: root.group(configuration.emaDecay == nil ? "generator" : "generator_ema"))
        try TrainingState.read(discriminator, optimizer: nil, from: root.group("discriminator"))
        return TrainedGAN(configuration: configuration, step: Int(try root.attribute("step", as: Int64.self)),
                          splitPath: try root.stringAttribute("split"), generator: generator, discriminator: discriminator)
    }

    /// `count` images of the classes `labels` (ignored by an unconditional generator) from noise drawn from
    /// `seed`, in evaluation mode.
    public func sample(count: Int, labels: [Int], seed: UInt64) -> Tensor {
        var draws = RandomGenerator(seed: seed)
        var latent = Tensor(shape: [count, configuration.architecture.latentDimension, 1, 1])
        draws.fillNormal(&latent)
        var images: [Float] = []
        for range in Self.batches(count) {
            let labelTensor = try! Tensor(shape: [range.count], storage: labels[range].map(Float.init))
            generator.forward(noise: latent.slice(range), labels: generator.embedding == nil ? nil : labelTensor, mode: .evaluation)
            guard count > range.count else { return generator.output }
            images += generator.output.storage
        }
        return try! Tensor(shape: [count] + generator.output.shape.dropFirst(), storage: images)
    }

    /// A grid's images: a row of `perRow` per class for a conditional generator, else `perRow` x classes.
    public func sampleGridImages(perRow: Int = 10, seed: UInt64 = 1) -> Tensor {
        let classes = configuration.architecture.classCount
        let labels = (0..<classes).flatMap { [Int](repeating: $0, count: perRow) }
        return sample(count: labels.count, labels: labels, seed: seed)
    }

    /// Discriminator scores (its first output) of images, in evaluation mode.
    public func scores(_ images: Tensor, labels: [Int]) -> [Float] {
        var scores: [Float] = []
        for range in Self.batches(images.shape[0]) {
            let labelTensor = try! Tensor(shape: [range.count], storage: labels[range].map(Float.init))
            discriminator.forward(images.slice(range), labels: labelTensor, mode: .evaluation)
            let out = discriminator.output, width = discriminator.outputCount
            scores += (0..<range.count).map { out.storage[$0 * width] }
        }
        return scores
    }

    /// Images go through the networks in batches of at most `evaluationBatch`: thousands at once would make every
    /// layer's buffers hundreds of MB of fresh memory (the kernel's page clearing was a sixth of the sampler's time
    /// after its classifier). In evaluation mode each image's result does not depend on the others in its batch.
    private static func batches(_ count: Int) -> [Range<Int>] {
        stride(from: 0, to: max(count, 1), by: evaluationBatch).map { $0..<min(count, $0 + evaluationBatch) }
    }

    static let evaluationBatch = 500
}
