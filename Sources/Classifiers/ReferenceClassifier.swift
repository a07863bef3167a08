import Datasets
import Layers
import Tensors

/// The reference classifier C of the PyTorch protocol: conv32-pool-conv64-pool-fc128-dropout0.5-fc(classes).
///
/// ```
/// Conv2d(C, 32, 3, 1, 1) ReLU MaxPool2d(2)
/// Conv2d(32, 64, 3, 1, 1) ReLU MaxPool2d(2) Flatten
/// Linear(64 * H/4 * W/4, 128) ReLU Dropout(0.5) Linear(128, classes)
/// ```
/// Weights use PyTorch's default initialisation. Layers 0-9 (up to the 128-unit ReLU) are its feature extractor.
/// Each ReLU before a pooling is built after it (`Conv2D MaxPool2D ReLU`): max pooling and ReLU commute, so the
/// outputs and gradients are the same, and the ReLU passes over a quarter of the activations. Only parameterless
/// layers trade places, so every parameter keeps its PyTorch name ("0.weight", "3.weight", "7.weight", "10.weight").
public enum ReferenceClassifier {
    /// Index of the layer whose output is the 128-d feature vector (the ReLU after the first Linear).
    public static let featureLayerIndex = 9

    /// The smallest images the network takes: its two 2 x 2 poolings need at least 4 x 4 pixels.
    public static let minimumSide = 4

    /// Refuses images the network cannot take, naming where they come from (every entry point that builds the
    /// network on data calls this first: the network's own precondition would trap).
    public static func check(imageShape: [Int], source: String) throws {
        guard imageShape.count == 3, imageShape[1] >= minimumSide, imageShape[2] >= minimumSide else {
            throw DatasetError(source, "images are \(imageShape.map(String.init).joined(separator: " x ")); the reference classifier needs "
                               + "[C, H, W] of at least \(minimumSide) x \(minimumSide) pixels")
        }
    }

    /// A freshly initialised network for images of `imageShape` ([C, H, W]).
    public static func make(imageShape: [Int], classCount: Int, seed: UInt64, dropout: Float = 0.5) -> Sequential {
        precondition(imageShape.count == 3 && imageShape[1] >= 4 && imageShape[2] >= 4, "image shape [C, H, W] of at least 4 x 4")
        let root = RandomGenerator(seed: seed)
        let flat = 64 * (imageShape[1] / 4) * (imageShape[2] / 4)
        let network = Sequential([
            Conv2D(inputChannels: imageShape[0], outputChannels: 32, kernelSize: 3, padding: 1), MaxPool2D(kernelSize: 2), ReLU(),
            Conv2D(inputChannels: 32, outputChannels: 64, kernelSize: 3, padding: 1), MaxPool2D(kernelSize: 2), ReLU(),
            Flatten(),
            Linear(inputFeatures: flat, outputFeatures: 128), ReLU(),
            Dropout(probability: dropout, generator: root.derived(2)),
            Linear(inputFeatures: 128, outputFeatures: classCount),
        ])
        var initialisation = root.derived(1)
        Initializer.pytorchDefault(network, generator: &initialisation)
        return network
    }
}
