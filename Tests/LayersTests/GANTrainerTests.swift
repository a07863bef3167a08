import Datasets
import Foundation
import GANs
import Layers
import Tensors
import TestSupport
import XCTest

final class GANTrainerTests: XCTestCase {
    private func images(_ count: Int) throws -> ImageSet {
        try ImageSet(images: randomTensor([count, 1, 28, 28], seed: 3, std: 0.5), labels: [Int](repeating: 0, count: count),
                     classNames: ["x"], source: "noise")
    }

    private func weights(_ trainer: GANTrainer) -> [Float] {
        (trainer.step.generator.parameters + trainer.step.discriminator.parameters).flatMap(\.value.storage)
    }

    /// Stopping, saving and resuming gives exactly the weights of an uninterrupted run.
    func testResumeIsBitIdentical() throws {
        let data = try images(40)
        let configuration = GANConfiguration(steps: 6, batchSize: 8, seed: 5)
        let straight = try GANTrainer(configuration: configuration, imageShape: [1, 28, 28])
        try straight.train(data, checkpointEvery: 100, checkpoint: { _ in })

        let folder = try makeTemporaryFolder()
        var half = configuration
        half.steps = 3
        let first = try GANTrainer(configuration: half, imageShape: [1, 28, 28])
        try first.train(data, checkpointEvery: 100, checkpoint: { _ in try first.saveCheckpoint(to: path(folder, "c.h5"), splitPath: "split.h5") })
        let (resumed, split) = try GANTrainer.resume(from: path(folder, "c.h5"), steps: 6)
        XCTAssertEqual(split, "split.h5")
        XCTAssertEqual(resumed.completedSteps, 3)
        try resumed.train(data, checkpointEvery: 100, checkpoint: { _ in })
        XCTAssertEqual(weights(resumed), weights(straight))
        XCTAssertEqual(resumed.discriminatorLosses, straight.discriminatorLosses)
    }

    func testDivergenceStopsWithTheStepAndTheLoss() throws {
        let trainer = try GANTrainer(configuration: GANConfiguration(steps: 5, batchSize: 8), imageShape: [1, 28, 28])
        // Poison the discriminator: every loss becomes NaN.
        trainer.step.discriminator.parameters[0].value.fill(.nan)
        var checkpoints: [Int] = []
        XCTAssertThrowsError(try trainer.train(try images(16), checkpointEvery: 1, checkpoint: { checkpoints.append($0) })) { error in
            XCTAssertTrue(String(describing: error).contains("diverged at step 1"), "\(error)")
            XCTAssertTrue(String(describing: error).contains("discriminator loss is NaN"), "\(error)")
        }
        XCTAssertEqual(checkpoints, [], "no checkpoint of a diverged state")
    }

    func testUnknownVariantAndShapeAreRefused() {
        assertThrowsMessage(["unknown variant 'biggan'"]) { try GANTrainer(configuration: GANConfiguration(variant: "biggan"), imageShape: [1, 28, 28]) }
        assertThrowsMessage(["1 x 28 x 28"]) { try GANTrainer(configuration: GANConfiguration(), imageShape: [3, 32, 32]) }
    }
}
