import Augmentations
import Datasets
import Foundation
import Layers
import Optimizers
import Tensors

/// Settings of one classifier training run (the protocol's defaults).
public struct TrainingConfiguration: Sendable, Equatable {
    public var epochs = 40
    public var batchSize = 128
    public var learningRate: Float = 1e-3
    public var labelSmoothing: Float = 0
    public var seed: UInt64 = 0
    /// Applied to every training batch, with a fresh draw each time (torchvision-style, "on the fly").
    public var augmentation = AugmentationPipeline.none
    /// Epochs after which the learning rate is multiplied by `decayFactor` (empty: constant rate).
    public var decayEpochs: [Int] = []
    public var decayFactor: Float = 0.1

    public init(epochs: Int = 40, batchSize: Int = 128, learningRate: Float = 1e-3, labelSmoothing: Float = 0, seed: UInt64 = 0,
                augmentation: AugmentationPipeline = .none) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.labelSmoothing = labelSmoothing
        self.seed = seed
        self.augmentation = augmentation
    }
}

/// Per-epoch curves and final evaluation of a training run.
public struct TrainingResult: Sendable {
    public var trainLoss: [Double] = []
    public var trainAccuracy: [Double] = []
    /// Empty when the split has no validation images.
    public var validationAccuracy: [Double] = []
    public var testAccuracy = 0.0
    /// confusion[true][predicted] counts on the test set.
    public var confusion: [[Int]] = []
    public var seconds = 0.0
}

/// Trains the reference classifier with Adam on mini-batches reshuffled every epoch, then evaluates it.
///
/// Each epoch draws one permutation of the training set from the run's shuffle stream; batches are taken in
/// that order (the last one may be smaller), as `torch.randperm` + slicing does in the PyTorch protocol.
public final class ClassifierTrainer {
    public let configuration: TrainingConfiguration
    public let network: Sequential
    public let optimizer: Adam
    private var shuffle: RandomGenerator
    /// Draws of the on-the-fly augmentation (its own stream, so turning augmentation on leaves shuffling unchanged).
    private var augmentationDraws: RandomGenerator
    private var batchImages = Tensor(shape: [0])
    private var logitsGradient = Tensor(shape: [0])

    /// Trains the reference classifier C.
    public convenience init(configuration: TrainingConfiguration, imageShape: [Int], classCount: Int) {
        self.init(configuration: configuration,
                  network: ReferenceClassifier.make(imageShape: imageShape, classCount: classCount, seed: configuration.seed))
    }

    /// Trains any classifier network (logits [N, classes] out), e.g. the metrics' feature extractor.
    public init(configuration: TrainingConfiguration, network: Sequential) {
        self.configuration = configuration
        self.network = network
        optimizer = Adam(parameters: network.parameters, learningRate: configuration.learningRate)
        shuffle = RandomGenerator(seed: configuration.seed).derived(3)
        augmentationDraws = RandomGenerator(seed: configuration.seed).derived(4)
    }

    /// One optimisation step on a batch; returns the loss and the number of correct predictions.
    @discardableResult
    public func step(_ images: Tensor, labels: [Int]) -> (loss: Float, correct: Int) {
        network.forward(images, mode: .training)
        let criterion = SoftmaxCrossEntropy(labelSmoothing: configuration.labelSmoothing)
        let loss = criterion(network.output, labels: labels, gradient: &logitsGradient)
        let correct = Self.countCorrect(network.output, labels)
        optimizer.zeroGradients()
        network.backward(input: images, outputGradient: logitsGradient)
        optimizer.update()
        return (loss, correct)
    }

    /// Trains for the configured epochs; `progress(epoch, result so far)` is called after each epoch.
    public func train(_ train: ImageSet, validation: ImageSet?, test: ImageSet,
                      progress: (Int, TrainingResult) -> Void = { _, _ in }) -> TrainingResult {
        var result = TrainingResult()
        let start = Date()
        let batch = configuration.batchSize
        for epoch in 0..<configuration.epochs {
            let decays = configuration.decayEpochs.filter { $0 <= epoch }.count
            optimizer.learningRate = configuration.learningRate * pow(configuration.decayFactor, Float(decays))
            let order = shuffle.permutation(train.count)
            var lossSum = 0.0, correct = 0, batches = 0
            var first = 0
            while first < train.count {
                let indices = Array(order[first..<min(first + batch, train.count)])
                gather(train.images, indices, into: &batchImages)
                configuration.augmentation.apply(to: &batchImages, generator: &augmentationDraws)
                let (loss, right) = step(batchImages, labels: indices.map { train.labels[$0] })
                lossSum += Double(loss)
                correct += right
                batches += 1
                first += batch
            }
            result.trainLoss.append(lossSum / Double(max(1, batches)))
            result.trainAccuracy.append(Double(correct) / Double(max(1, train.count)))
            if let validation, validation.count > 0 {
                result.validationAccuracy.append(evaluate(validation).accuracy)
            }
            progress(epoch, result)
        }
        let evaluation = evaluate(test)
        result.testAccuracy = evaluation.accuracy
        result.confusion = evaluation.confusion
        result.seconds = Date().timeIntervalSince(start)
        return result
    }

    /// Accuracy and confusion matrix in evaluation mode, in batches of 500.
    public func evaluate(_ set: ImageSet) -> (accuracy: Double, confusion: [[Int]]) {
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: set.classCount), count: set.classCount)
        var correct = 0
        var first = 0
        while first < set.count {
            let range = first..<min(first + 500, set.count)
            gather(set.images, Array(range), into: &batchImages)
            network.forward(batchImages, mode: .evaluation)
            let predictions = Self.argmax(network.output)
            for (offset, predicted) in predictions.enumerated() {
                let truth = set.labels[range.lowerBound + offset]
                confusion[truth][predicted] += 1
                if truth == predicted { correct += 1 }
            }
            first += 500
        }
        return (Double(correct) / Double(max(1, set.count)), confusion)
    }

    /// Copies the rows `indices` of `images` into the reusable `batch` tensor.
    private func gather(_ images: Tensor, _ indices: [Int], into batch: inout Tensor) {
        var shape = images.shape
        shape[0] = indices.count
        batch.reuse(shape: shape)
        let inner = shape.dropFirst().reduce(1, *)
        images.withUnsafeBufferPointer { source in
            batch.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    (target.baseAddress! + row * inner).update(from: source.baseAddress! + index * inner, count: inner)
                }
            }
        }
    }

    static func argmax(_ logits: Tensor) -> [Int] {
        let (n, c) = (logits.shape[0], logits.shape[1])
        return logits.withUnsafeBufferPointer { z in
            (0..<n).map { row in
                var best = 0
                for j in 1..<c where z[row * c + j] > z[row * c + best] { best = j }
                return best
            }
        }
    }

    static func countCorrect(_ logits: Tensor, _ labels: [Int]) -> Int {
        zip(argmax(logits), labels).filter { $0 == $1 }.count
    }
}
