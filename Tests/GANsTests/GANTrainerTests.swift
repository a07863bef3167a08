import Datasets
import Foundation
import GANs
import Layers
import Tensors
import TestSupport
import XCTest

final class GANTrainerTests: XCTestCase {
    /// Noise images of 8 x 8 in three classes: small enough to train every variant for a few steps in a test.
    private func images(_ count: Int) throws -> ImageSet {
        try ImageSet(images: randomTensor([count, 1, 8, 8], seed: 3, std: 0.5), labels: (0..<count).map { $0 % 3 },
                     classNames: ["a", "b", "c"], source: "noise")
    }

    private func configuration(_ variant: GANVariant, steps: Int, _ change: (inout GANConfiguration) -> Void = { _ in }) -> GANConfiguration {
        var c = GANConfiguration(variant: variant, imageShape: [1, 8, 8], classCount: 3)
        c.steps = steps
        c.batchSize = 6
        c.seed = 5
        change(&c)
        return c
    }

    private func state(_ trainer: GANTrainer) -> [Float] {
        let model = trainer.model
        var networks: [NetworkModule] = [model.generator, model.discriminator]
        if let averaged = model.averagedGenerator { networks.append(averaged) }
        return networks.flatMap { network in network.parameters.flatMap(\.value.storage) + network.buffers.flatMap(\.tensor.storage) }
    }

    /// Stopping, saving and resuming gives exactly the state of an uninterrupted run, for variants that exercise
    /// every saved piece: BatchNorm statistics, RMSprop and clipping, the penalty's stream, spectral-norm
    /// vectors, DiffAugment's stream, the averaged generator.
    func testResumeIsBitIdenticalForEveryKindOfState() throws {
        let data = try images(30)
        let cases: [GANConfiguration] = [
            configuration(.dcgan, steps: 4),
            configuration(.cgan, steps: 4) { $0.diffAugment = true; $0.emaDecay = 0.9; $0.labelSmoothing = 0.1 },
            configuration(.acgan, steps: 4) { $0.architecture.residual = true; $0.architecture.attention = true },
            configuration(.wgan, steps: 4) { $0.criticSteps = 2 },
            configuration(.wganGP, steps: 4) { $0.criticSteps = 2 },
            configuration(.sngan, steps: 4) { $0.architecture.conditioning = .projection; $0.architecture.conditionalGenerator = true },
        ]
        let folder = try makeTemporaryFolder()
        for full in cases {
            let straight = try GANTrainer(configuration: full)
            try straight.train(data, checkpointEvery: 100, checkpoint: { _ in })
            var half = full
            half.steps = 2
            let first = try GANTrainer(configuration: half)
            let file = path(folder, "\(full.variant.rawValue).h5")
            try first.train(data, checkpointEvery: 100, checkpoint: { _ in try first.saveCheckpoint(to: file, splitPath: "split.h5") })
            let (resumed, split) = try GANTrainer.resume(from: file, steps: 4)
            XCTAssertEqual(split.split, "split.h5")
            XCTAssertNil(split.threads, "not recorded unless given")
            XCTAssertEqual(resumed.completedSteps, 2)
            XCTAssertEqual(resumed.configuration, full, "\(full.variant)")
            try resumed.train(data, checkpointEvery: 100, checkpoint: { _ in })
            XCTAssertEqual(state(resumed), state(straight), "\(full.variant): resumed state differs")
            XCTAssertEqual(resumed.discriminatorLosses, straight.discriminatorLosses, "\(full.variant)")
            XCTAssertTrue(straight.generatorLosses.allSatisfy(\.isFinite))
        }
    }

    func testSameSeedSameRunAndConditionalSamplesFollowTheirLabels() throws {
        let data = try images(30)
        let a = try GANTrainer(configuration: configuration(.cgan, steps: 3))
        let b = try GANTrainer(configuration: configuration(.cgan, steps: 3))
        try a.train(data, checkpointEvery: 100, checkpoint: { _ in })
        try b.train(data, checkpointEvery: 100, checkpoint: { _ in })
        XCTAssertEqual(state(a), state(b))
        // The same noise with different labels gives different images; the grid has a row per class.
        let same = a.sample(count: 2, labels: [0, 0], seed: 9), other = a.sample(count: 2, labels: [1, 1], seed: 9)
        XCTAssertNotEqual(same, other)
        XCTAssertEqual(a.sampleGridImages(perRow: 4).shape, [12, 1, 8, 8])
    }

    /// More images than one evaluation batch are made and scored batch by batch, in order: the first batch is the
    /// same as asking for that batch alone (the noise is drawn for all images first), and the scores of a set are
    /// the scores of its batches, with every image's label.
    func testSamplesAndScoresOfManyImagesGoBatchByBatchInOrder() throws {
        let trainer = try GANTrainer(configuration: configuration(.cgan, steps: 2))
        try trainer.train(try images(30), checkpointEvery: 100, checkpoint: { _ in })
        let gan = TrainedGAN(trainer: trainer)
        let count = 1_234, labels = (0..<count).map { ($0 * 7) % 3 }
        let many = gan.sample(count: count, labels: labels, seed: 9)
        XCTAssertEqual(many.shape, [count, 1, 8, 8])
        let firstBatch = gan.sample(count: 500, labels: Array(labels[..<500]), seed: 9)
        XCTAssertEqual(Array(many.storage[..<firstBatch.count]), firstBatch.storage)
        let scores = gan.scores(many, labels: labels)
        XCTAssertEqual(scores.count, count)
        for range in [0..<500, 500..<1000, 1000..<count] {
            XCTAssertEqual(Array(scores[range]), gan.scores(many.slice(range), labels: Array(labels[range])), "\(range)")
        }
        XCTAssertNotEqual(gan.scores(many.slice(1000..<count), labels: (1000..<count).map { _ in 0 }), Array(scores[1000...]),
                          "labels must follow their images")
    }

    func testDivergenceStopsWithTheStepAndTheLoss() throws {
        let trainer = try GANTrainer(configuration: configuration(.dcgan, steps: 5))
        // Poison the discriminator: every loss becomes NaN.
        trainer.model.discriminator.parameters[0].value.fill(.nan)
        var checkpoints: [Int] = []
        XCTAssertThrowsError(try trainer.train(try images(16), checkpointEvery: 1, checkpoint: { checkpoints.append($0) })) { error in
            XCTAssertTrue(String(describing: error).contains("diverged at step 1"), "\(error)")
            XCTAssertTrue(String(describing: error).contains("discriminator loss is NaN"), "\(error)")
        }
        XCTAssertEqual(checkpoints, [], "no checkpoint of a diverged state")
    }

    /// A frozen generator against constant real images: the discriminator wins outright, its loss stays at 0 and
    /// the run stops, naming the step, instead of training on for nothing.
    func testAWonGameStops() throws {
        let trainer = try GANTrainer(configuration: configuration(.dcgan, steps: 3000) {
            $0.generatorLearningRate = 0
            $0.discriminatorLearningRate = 1e-2
            $0.architecture.normalization = .none
        })
        let real = try ImageSet(images: Tensor(shape: [12, 1, 8, 8], repeating: 1), labels: (0..<12).map { $0 % 3 },
                                classNames: ["a", "b", "c"], source: "ones")
        XCTAssertThrowsError(try trainer.train(real, checkpointEvery: 10_000, checkpoint: { _ in })) { error in
            XCTAssertTrue(String(describing: error).contains("discriminator loss below 1e-4 for 200 steps"), "\(error)")
        }
        // The loss reaches 0 within a few steps (8 here), then 200 stuck steps.
        XCTAssertTrue((200..<260).contains(trainer.completedSteps), "stopped at step \(trainer.completedSteps)")
    }

    func testImpossibleSettingsAreRefused() throws {
        assertThrowsMessage(["label smoothing applies to the cross-entropy losses"]) {
            try GANModel(configuration: self.configuration(.wgan, steps: 1) { $0.labelSmoothing = 0.1 })
        }
        assertThrowsMessage(["gradient penalty needs an unconditional critic without BatchNorm"]) {
            try GANModel(configuration: self.configuration(.wganGP, steps: 1) { $0.architecture.normalization = .batch })
        }
        assertThrowsMessage(["multiples of 4"]) { try GANModel(configuration: GANConfiguration(variant: .dcgan, imageShape: [1, 30, 30])) }
        let trainer = try GANTrainer(configuration: configuration(.dcgan, steps: 1))
        let wrongShape = try ImageSet(images: Tensor(shape: [4, 1, 12, 12]), labels: [0, 1, 2, 0], classNames: ["a", "b", "c"], source: "x")
        assertThrowsMessage(["built for images [1, 8, 8]"]) { try trainer.train(wrongShape, checkpointEvery: 1, checkpoint: { _ in }) }
    }
}
