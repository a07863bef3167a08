import Augmentations
import Classifiers
import Datasets
import Foundation
import Layers
import Tensors
import TestSupport
import XCTest

final class ClassifierTrainerTests: XCTestCase {
    /// Two blob classes in 12 x 12 images: bright top half or bright bottom half, plus noise.
    private func blobs(count: Int, seed: UInt64) throws -> ImageSet {
        var generator = RandomGenerator(seed: seed)
        var images = Tensor(shape: [count, 1, 12, 12])
        var labels: [Int] = []
        images.withUnsafeMutableBufferPointer { x in
            for n in 0..<count {
                let label = n % 2
                labels.append(label)
                for i in 0..<144 {
                    let top = i < 72
                    x[n * 144 + i] = ((top == (label == 0)) ? 0.5 : -0.5) + 0.3 * generator.normal()
                }
            }
        }
        return try ImageSet(images: images, labels: labels, classNames: ["top", "bottom"], source: "blobs")
    }

    func testTrainingLearnsASeparableProblem() throws {
        let train = try blobs(count: 64, seed: 1), test = try blobs(count: 40, seed: 2)
        let trainer = ClassifierTrainer(configuration: TrainingConfiguration(epochs: 6, batchSize: 16, seed: 0),
                                        imageShape: [1, 12, 12], classCount: 2)
        let result = trainer.train(train, validation: test, test: test)
        XCTAssertEqual(result.trainLoss.count, 6)
        XCTAssertLessThan(result.trainLoss.last!, result.trainLoss.first!)
        XCTAssertGreaterThan(result.testAccuracy, 0.95)
        XCTAssertEqual(result.confusion.flatMap { $0 }.reduce(0, +), 40)
        XCTAssertEqual(result.validationAccuracy.count, 6)
    }

    /// Same seed and thread count: bit-identical weights, run to run (the engineering standard).
    func testSameSeedAndThreadsGiveBitIdenticalWeights() throws {
        let train = try blobs(count: 48, seed: 3), test = try blobs(count: 8, seed: 4)
        for threads in [1, 2] {
            Threads.configure(threads)
            func run(seed: UInt64) -> [Float] {
                let trainer = ClassifierTrainer(configuration: TrainingConfiguration(epochs: 2, batchSize: 16, seed: seed),
                                                imageShape: [1, 12, 12], classCount: 2)
                _ = trainer.train(train, validation: nil, test: test)
                return trainer.network.parameters.flatMap(\.value.storage)
            }
            let first = run(seed: 5)
            XCTAssertEqual(first, run(seed: 5), "threads \(threads)")
            XCTAssertNotEqual(first, run(seed: 6), "threads \(threads)")
        }
        Threads.configure(1)
    }

    /// On-the-fly augmentation changes training, reproducibly, and leaves the shuffling stream alone.
    func testOnTheFlyAugmentationIsSeededAndChangesTraining() throws {
        let train = try blobs(count: 32, seed: 7), test = try blobs(count: 8, seed: 8)
        func weights(_ pipeline: AugmentationPipeline) -> [Float] {
            let trainer = ClassifierTrainer(configuration: TrainingConfiguration(epochs: 2, batchSize: 16, seed: 3, augmentation: pipeline),
                                            imageShape: [1, 12, 12], classCount: 2)
            _ = trainer.train(train, validation: nil, test: test)
            return trainer.network.parameters.flatMap(\.value.storage)
        }
        let augmented = weights(.traditional)
        XCTAssertEqual(augmented, weights(.traditional))
        XCTAssertNotEqual(augmented, weights(.none))
    }

    func testReferenceClassifierHasTheProtocolShapes() {
        let network = ReferenceClassifier.make(imageShape: [1, 28, 28], classCount: 10, seed: 0)
        XCTAssertEqual(network.namedParameters.map(\.path), ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias",
                                                             "10.weight", "10.bias"])
        XCTAssertEqual(network.namedParameters.map(\.parameter.shape), [[32, 1, 3, 3], [32], [64, 32, 3, 3], [64], [128, 3136], [128],
                                                                        [10, 128], [10]])
        // PyTorch's default bound for the first conv: 1 / sqrt(1 * 3 * 3).
        let first = network.parameters[0].value.storage
        XCTAssertLessThanOrEqual(first.map(abs).max()!, 1 / 3)
        XCTAssertGreaterThan(first.map(abs).max()!, 0.3)
    }
}
