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
        let labelTensor = try! Tensor(shape: [count], storage: labels.map(Float.init))
        generator.forward(noise: latent, labels: generator.embedding == nil ? nil : labelTensor, mode: .evaluation)
        return generator.output
    }

    /// A grid's images: a row of `perRow` per class for a conditional generator, else `perRow` x classes.
    public func sampleGridImages(perRow: Int = 10, seed: UInt64 = 1) -> Tensor {
        let classes = configuration.architecture.classCount
        let labels = (0..<classes).flatMap { [Int](repeating: $0, count: perRow) }
        return sample(count: labels.count, labels: labels, seed: seed)
    }

    /// Discriminator scores (its first output) of images, in evaluation mode.
    public func scores(_ images: Tensor, labels: [Int]) -> [Float] {
        let labelTensor = try! Tensor(shape: [labels.count], storage: labels.map(Float.init))
        discriminator.forward(images, labels: labelTensor, mode: .evaluation)
        let out = discriminator.output, width = discriminator.outputCount
        return (0..<images.shape[0]).map { out.storage[$0 * width] }
    }
}
