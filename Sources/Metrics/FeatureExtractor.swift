import Foundation
import Layers
import ResultStore
import Tensors

/// The CNN whose penultimate layer gives the features FID, KID, precision/recall and density/coverage compare,
/// and whose logits give the Inception-style score. Inception-v3 is the wrong tool for 28 x 28 grayscale images
/// (and cannot be downloaded here); this network is trained by AugBench on the full training set of the data it
/// will judge, and ships inside the package for Fashion-MNIST.
///
/// ```
/// Conv(C, 32, 3, p1) BN ReLU MaxPool(2)
/// Conv(32, 64, 3, p1) BN ReLU  Conv(64, 64, 3, p1) BN ReLU MaxPool(2)  Flatten
/// Linear(64 * H/4 * W/4, 256) BN ReLU  -> features (256)
/// Dropout(0.3) Linear(256, classes) -> logits
/// ```
/// The ReLUs before a pooling are built after it, as in `ReferenceClassifier` (the same values, a quarter of the
/// work); only parameterless layers trade places, so parameter names and `featureLayerIndex` are unchanged.
public final class FeatureExtractor {
    /// Length of each feature vector: the units of the penultimate layer.
    public static let featureDimension = 256
    /// Index of the layer whose output is the feature vector (the ReLU after the 256-unit layer).
    public static let featureLayerIndex = 14

    /// The CNN: layer `featureLayerIndex` outputs the features, the last layer the logits.
    public let network: Sequential
    /// [C, H, W] of the images it reads: those of the data it was trained on.
    public let imageShape: [Int]
    /// The classes its logits score, in label order.
    public let classNames: [String]
    /// "fmnist-cnn256" etc.; recorded with every metric.
    public let name: String
    /// SHA-256 of the weights (as stored), recorded with every metric: numbers made with different extractors
    /// are never compared.
    public let checksum: String

    init(network: Sequential, imageShape: [Int], classNames: [String], name: String, checksum: String) {
        self.network = network
        self.imageShape = imageShape
        self.classNames = classNames
        self.name = name
        self.checksum = checksum
    }

    /// An untrained network for images of `imageShape` ([C, H, W], H and W divisible by 4).
    public static func makeNetwork(imageShape: [Int], classCount: Int, seed: UInt64) -> Sequential {
        let flat = 64 * (imageShape[1] / 4) * (imageShape[2] / 4)
        let root = RandomGenerator(seed: seed)
        let network = Sequential([
            Conv2D(inputChannels: imageShape[0], outputChannels: 32, kernelSize: 3, padding: 1), BatchNorm(channels: 32),
            MaxPool2D(kernelSize: 2), ReLU(),
            Conv2D(inputChannels: 32, outputChannels: 64, kernelSize: 3, padding: 1), BatchNorm(channels: 64), ReLU(),
            Conv2D(inputChannels: 64, outputChannels: 64, kernelSize: 3, padding: 1), BatchNorm(channels: 64),
            MaxPool2D(kernelSize: 2), ReLU(), Flatten(),
            Linear(inputFeatures: flat, outputFeatures: featureDimension), BatchNorm(channels: featureDimension), ReLU(),
            Dropout(probability: 0.3, generator: root.derived(2)),
            Linear(inputFeatures: featureDimension, outputFeatures: classCount),
        ])
        var initialisation = root.derived(1)
        Initializer.pytorchDefault(network, generator: &initialisation)
        return network
    }

    /// Features [N, 256] and logits [N, classes] of `images` [N, C, H, W], in evaluation mode, in batches of
    /// `batchSize` (which changes nothing but speed and memory).
    public func extract(_ images: Tensor, batchSize: Int = 500) throws -> (features: Tensor, logits: Tensor) {
        guard images.rank == 4, Array(images.shape.dropFirst()) == imageShape else {
            throw MetricError("extractor \(name) takes images of shape \(imageShape), got \(Array(images.shape.dropFirst()))")
        }
        let n = images.shape[0]
        let classes = classNames.count
        var features = Tensor(shape: [n, Self.featureDimension]), logits = Tensor(shape: [n, classes])
        var first = 0
        while first < n {
            let range = first..<min(n, first + max(1, batchSize))
            network.forward(images.slice(range), mode: .evaluation)
            let featureOutput = network.layers[Self.featureLayerIndex].output
            features.withUnsafeMutableBufferPointer { f in
                featureOutput.withUnsafeBufferPointer { (f.baseAddress! + first * Self.featureDimension).update(from: $0.baseAddress!, count: $0.count) }
            }
            logits.withUnsafeMutableBufferPointer { l in
                network.output.withUnsafeBufferPointer { (l.baseAddress! + first * classes).update(from: $0.baseAddress!, count: $0.count) }
            }
            first = range.upperBound
        }
        return (features, logits)
    }

    /// The extractor shipped with the package (Fashion-MNIST), if this build has one.
    public static var bundledPath: String? {
        Bundle.module.path(forResource: "fmnist-extractor", ofType: "h5", inDirectory: "Resources")
    }

    // MARK: Files (kind "extractor")

    /// Writes the weights and running statistics with PyTorch state_dict names, plus what made them.
    public static func save(network: Sequential, imageShape: [Int], classNames: [String], name: String,
                            provenance: [String: String], accuracy: Double, to path: String) throws {
        let file = try HDF5File.create(path, kind: .extractor)
        let root = file.root
        try root.setAttribute("name", name)
        try root.setAttribute("image_shape", imageShape.map { Int64($0) })
        try root.setAttribute("class_names", classNames)
        try root.setAttribute("test_accuracy", accuracy)
        try root.setAttribute("feature_dimension", Int64(featureDimension))
        for (key, value) in provenance.sorted(by: { $0.key < $1.key }) { try root.setAttribute(key, value) }
        try StateDictionary.write(network, to: root.createGroup("weights"))
        try file.commit()
    }

    /// The extractor in `path`, or the embedded one when `path` is nil.
    public static func load(path: String?) throws -> FeatureExtractor {
        if let path { return try load(path) }
        guard let bundled = bundledPath else {
            throw MetricError("no embedded extractor in this build; pass an extractor file (see 'augbench extractor train')")
        }
        return try load(bundled)
    }

    /// Loads an extractor file written by `save`.
    public static func load(_ path: String) throws -> FeatureExtractor {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(.extractor)
        let root = file.root
        let imageShape = try root.arrayAttribute("image_shape", as: Int64.self).map { Int($0) }
        let classNames = try root.stringArrayAttribute("class_names")
        let network = makeNetwork(imageShape: imageShape, classCount: classNames.count, seed: 0)
        try StateDictionary.read(into: network, from: root.group("weights"))
        // The checksum covers each parameter's name and values, then every buffer's values, in network order.
        var hasher = SHA256()
        for named in network.namedParameters {
            hasher.update(named.path)
            hasher.update(named.parameter.value.storage)
        }
        for (_, buffer) in network.buffers { hasher.update(buffer.storage) }
        return FeatureExtractor(network: network, imageShape: imageShape, classNames: classNames,
                                name: try root.stringAttribute("name"), checksum: hasher.finalizeHex())
    }
}
