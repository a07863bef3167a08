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
    private func blobs(count: Int, seed: UInt64, noise: Float = 0.3) throws -> ImageSet {
        var generator = RandomGenerator(seed: seed)
        var images = Tensor(shape: [count, 1, 12, 12])
        var labels: [Int] = []
        images.withUnsafeMutableBufferPointer { x in
            for n in 0..<count {
                let label = n % 2
                labels.append(label)
                for i in 0..<144 {
                    let top = i < 72
                    x[n * 144 + i] = ((top == (label == 0)) ? 0.5 : -0.5) + noise * generator.normal()
                }
            }
        }
        return try ImageSet(images: images, labels: labels, classNames: ["top", "bottom"], source: "blobs")
    }

    func testTrainingLearnsASeparableProblem() throws {
        let train = try blobs(count: 64, seed: 1), test = try blobs(count: 40, seed: 2)
        let trainer = ClassifierTrainer(configuration: TrainingConfiguration(epochs: 6, batchSize: 16, seed: 0),
                                        imageShape: [1, 12, 12], classCount: 2)
        let result = try trainer.train(train, validation: test, test: test)
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
            func run(seed: UInt64) throws -> [Float] {
                let trainer = ClassifierTrainer(configuration: TrainingConfiguration(epochs: 2, batchSize: 16, seed: seed),
                                                imageShape: [1, 12, 12], classCount: 2)
                _ = try trainer.train(train, validation: nil, test: test)
                return trainer.network.parameters.flatMap(\.value.storage)
            }
            let first = try run(seed: 5)
            XCTAssertEqual(first, try run(seed: 5), "threads \(threads)")
            XCTAssertNotEqual(first, try run(seed: 6), "threads \(threads)")
        }
        Threads.configure(1)
    }

    /// On-the-fly augmentation changes training, reproducibly, and leaves the shuffling stream alone.
    func testOnTheFlyAugmentationIsSeededAndChangesTraining() throws {
        let train = try blobs(count: 32, seed: 7), test = try blobs(count: 8, seed: 8)
        func weights(_ pipeline: AugmentationPipeline) throws -> [Float] {
            let trainer = ClassifierTrainer(configuration: TrainingConfiguration(epochs: 2, batchSize: 16, seed: 3, augmentation: pipeline),
                                            imageShape: [1, 12, 12], classCount: 2)
            _ = try trainer.train(train, validation: nil, test: test)
            return trainer.network.parameters.flatMap(\.value.storage)
        }
        let augmented = try weights(.traditional)
        XCTAssertEqual(augmented, try weights(.traditional))
        XCTAssertNotEqual(augmented, try weights(.none))
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

    /// A step budget gives every training set the same number of updates, whatever its size.
    func testAStepBudgetGivesEqualUpdatesAndCurvePointsEveryInterval() throws {
        let small = try blobs(count: 48, seed: 1), large = try blobs(count: 200, seed: 2), test = try blobs(count: 20, seed: 3)
        for set in [small, large] {
            var configuration = TrainingConfiguration(batchSize: 16, seed: 4)
            (configuration.steps, configuration.evaluateEvery) = (10, 4)
            let trainer = ClassifierTrainer(configuration: configuration, imageShape: [1, 12, 12], classCount: 2)
            XCTAssertEqual(trainer.evaluationCount(trainingImages: set.count), 3)
            let result = try trainer.train(set, validation: test, test: test)
            XCTAssertEqual(trainer.optimizer.step, 10, "\(set.count) images")
            XCTAssertEqual(result.curveSteps, [4, 8, 10])
            XCTAssertEqual(result.validationAccuracy.count, 3)
            XCTAssertEqual(result.evaluatedStep, 10)
            XCTAssertNil(result.finalTestAccuracy)
        }
    }

    /// Epochs are the step budget of whole passes: the same updates, curve points at the epoch ends.
    func testEpochsAndTheEquivalentStepBudgetTrainTheSameWeights() throws {
        let train = try blobs(count: 40, seed: 5), test = try blobs(count: 10, seed: 6)
        func run(_ change: (inout TrainingConfiguration) -> Void) throws -> ([Float], TrainingResult) {
            var configuration = TrainingConfiguration(epochs: 3, batchSize: 16, seed: 7)
            change(&configuration)
            let trainer = ClassifierTrainer(configuration: configuration, imageShape: [1, 12, 12], classCount: 2)
            let result = try trainer.train(train, validation: test, test: test)
            return (trainer.network.parameters.flatMap(\.value.storage), result)
        }
        let (byEpochs, epochResult) = try run { _ in }
        let (bySteps, stepResult) = try run { ($0.steps, $0.evaluateEvery) = (9, 3) }
        XCTAssertEqual(byEpochs, bySteps)
        XCTAssertEqual(epochResult.curveSteps, [3, 6, 9])
        XCTAssertEqual(epochResult.trainLoss, stepResult.trainLoss)
        XCTAssertEqual(epochResult.validationAccuracy, stepResult.validationAccuracy)
    }

    /// A loss that leaves the finite numbers stops training with an error naming the step, not a NaN network whose
    /// "test accuracy" is chance.
    func testADivergingRunStopsWithAnError() throws {
        let train = try blobs(count: 32, seed: 1), test = try blobs(count: 8, seed: 2)
        let trainer = ClassifierTrainer(configuration: TrainingConfiguration(epochs: 3, batchSize: 16, learningRate: 1e30, seed: 1),
                                        imageShape: [1, 12, 12], classCount: 2)
        XCTAssertThrowsError(try trainer.train(train, validation: nil, test: test)) { error in
            guard let divergence = error as? ClassifierDivergence else { return XCTFail("\(error)") }
            XCTAssertFalse(divergence.loss.isFinite)
            XCTAssertTrue("\(divergence)".contains("diverged at step \(divergence.step)"), "\(divergence)")
            XCTAssertTrue("\(divergence)".contains("lower the learning rate"))
        }
    }

    /// The evaluated weights are those of the best validation accuracy (the later on ties); the last are tested too.
    func testSelectionKeepsTheBestValidationWeights() throws {
        // Noisy blobs: validation accuracy goes up and down.
        let train = try blobs(count: 32, seed: 8, noise: 4), validation = try blobs(count: 40, seed: 9, noise: 4)
        let test = try blobs(count: 40, seed: 10, noise: 4)
        var configuration = TrainingConfiguration(batchSize: 8, learningRate: 1e-2, seed: 11)
        (configuration.steps, configuration.evaluateEvery, configuration.selectBestValidation) = (24, 2, true)
        let trainer = ClassifierTrainer(configuration: configuration, imageShape: [1, 12, 12], classCount: 2)
        let result = try trainer.train(train, validation: validation, test: test)
        let best = result.validationAccuracy.max()!
        let chosen = result.validationAccuracy.lastIndex(of: best)!
        XCTAssertEqual(result.evaluatedStep, result.curveSteps[chosen])
        XCTAssertEqual(trainer.evaluate(validation).accuracy, best, "the network holds the selected weights")
        XCTAssertEqual(trainer.evaluate(test).accuracy, result.testAccuracy)
        XCTAssertNotEqual(result.evaluatedStep, 24, "this run peaks on validation before its last step: \(result.validationAccuracy)")
        XCTAssertNotNil(result.finalTestAccuracy)
    }

    /// The budget curve holds, at the last curve point at or before 1/8, 1/4, 1/2 and all of the budget, the test
    /// accuracy of the weights the run would have reported had it stopped there: with selection, those of the best
    /// validation accuracy so far (the later on ties); without, the current ones. Its last point is the run's test
    /// accuracy, and measuring it (with the best weights swapped in and out) leaves training unchanged.
    func testTheBudgetCurveIsTheReportedWeightsTestAccuracyAtFractionsOfTheBudget() throws {
        let train = try blobs(count: 32, seed: 8, noise: 4), validation = try blobs(count: 40, seed: 9, noise: 4)
        let test = try blobs(count: 40, seed: 10, noise: 4)
        var swappedMidTraining = false
        for (seed, select) in [(11, true), (12, true), (13, true), (14, true), (11, false)] {
            var configuration = TrainingConfiguration(batchSize: 8, learningRate: 1e-2, seed: UInt64(seed))
            (configuration.steps, configuration.evaluateEvery, configuration.selectBestValidation) = (24, 1, select)
            configuration.recordsBudgetCurve = true
            // Each step's weights, by training again to that step alone (the same seed gives the same steps).
            var current: [(accuracy: Double, perClass: [Double], weights: [Float])] = []
            for steps in 1...24 {
                var shorter = configuration
                (shorter.steps, shorter.selectBestValidation) = (steps, false)
                let trainer = ClassifierTrainer(configuration: shorter, imageShape: [1, 12, 12], classCount: 2)
                _ = try trainer.train(train, validation: nil, test: test)
                let evaluation = trainer.evaluate(test)
                current.append((evaluation.accuracy, ClassifierTrainer.perClassAccuracy(evaluation.confusion),
                                trainer.network.parameters.flatMap(\.value.storage)))
            }
            let trainer = ClassifierTrainer(configuration: configuration, imageShape: [1, 12, 12], classCount: 2)
            let result = try trainer.train(train, validation: validation, test: test)
            // 1/8 of 24 steps is step 3; then 6, 12 and 24.
            XCTAssertEqual(result.budgetSteps, [3, 6, 12, 24])
            XCTAssertEqual(result.budgetPerClassAccuracy.count, 4)
            for (index, step) in result.budgetSteps.enumerated() {
                let soFar = result.validationAccuracy[..<step]
                let reported = select ? soFar.lastIndex(of: soFar.max()!)! : step - 1
                if reported != step - 1 && step < 24 { swappedMidTraining = true }
                XCTAssertEqual(result.budgetTestAccuracy[index], current[reported].accuracy, "seed \(seed) select \(select), step \(step)")
                XCTAssertEqual(result.budgetPerClassAccuracy[index], current[reported].perClass)
            }
            XCTAssertEqual(result.budgetTestAccuracy.last, result.testAccuracy)
            // Training went on as if nothing was measured: the weights the run holds at the end are the independent
            // run's of that step (the last, or with selection the best), and the last ones test the same.
            XCTAssertEqual(trainer.network.parameters.flatMap(\.value.storage), current[result.evaluatedStep - 1].weights, "seed \(seed)")
            XCTAssertEqual(result.finalTestAccuracy ?? result.testAccuracy, current[23].accuracy)
        }
        XCTAssertTrue(swappedMidTraining, "some point before the end measured the best weights swapped in, and training went on")
        // Unasked (a sampler's or an extractor's classifier), no curve and no evaluation for it.
        var plain = TrainingConfiguration(batchSize: 8, seed: 11)
        (plain.steps, plain.evaluateEvery) = (24, 1)
        let unasked = try ClassifierTrainer(configuration: plain, imageShape: [1, 12, 12], classCount: 2).train(train, validation: validation, test: test)
        XCTAssertEqual(unasked.budgetSteps, [])
        XCTAssertEqual(unasked.budgetTestAccuracy, [])
    }

    /// The mixed step's loss and gradient are lambda CE(own label) + (1 - lambda) CE(partner's), computed here in
    /// Float64 from a linear classifier's logits.
    func testAMixedBatchTrainsOnTheMixedLabels() throws {
        let (n, features, classes) = (5, 12, 3)
        let linear = Linear(inputFeatures: features, outputFeatures: classes)
        var generator = RandomGenerator(seed: 4)
        generator.fillNormal(&linear.weight.value, std: 0.5)
        generator.fillNormal(&linear.bias!.value, std: 0.5)
        let (w, b) = (linear.weight.value.storage, linear.bias!.value.storage)
        var images = Tensor(shape: [n, 1, 3, 4])
        generator.fillNormal(&images)
        let x = images.storage
        let trainer = ClassifierTrainer(configuration: TrainingConfiguration(batchSize: n), network: Sequential([Flatten(), linear]))
        let labels = [0, 2, 1, 1, 0], partners = [0, 0, 2, 1, 1], lambda = 0.3
        let loss = trainer.step(images, labels: labels, partnerLabels: partners, lambda: lambda).loss
        var expectedLoss = 0.0
        var expectedGradient = [Double](repeating: 0, count: classes * features)
        for row in 0..<n {
            let logits = (0..<classes).map { j in Double(b[j]) + (0..<features).map { Double(w[j * features + $0]) * Double(x[row * features + $0]) }.reduce(0, +) }
            let top = logits.max()!, total = logits.map { exp($0 - top) }.reduce(0, +)
            let probabilities = logits.map { exp($0 - top) / total }
            let target = (0..<classes).map { (($0 == labels[row]) ? lambda : 0) + (($0 == partners[row]) ? 1 - lambda : 0) }
            expectedLoss -= zip(target, probabilities).map { $0 * log($1) }.reduce(0, +) / Double(n)
            for j in 0..<classes {
                for k in 0..<features { expectedGradient[j * features + k] += (probabilities[j] - target[j]) * Double(x[row * features + k]) / Double(n) }
            }
        }
        XCTAssertEqual(Double(loss), expectedLoss, accuracy: 1e-5)
        for (got, expected) in zip(linear.weight.gradient.storage, expectedGradient) { XCTAssertEqual(Double(got), expected, accuracy: 1e-5) }
    }

    func testMixupAndCutMixTrainingIsSeededAndChangesOnlyWhatItShould() throws {
        let train = try blobs(count: 48, seed: 1), test = try blobs(count: 40, seed: 2)
        func run(_ mixing: BatchMixing?) throws -> TrainingResult {
            var configuration = TrainingConfiguration(epochs: 3, batchSize: 16, seed: 5)
            configuration.mixing = mixing
            return try ClassifierTrainer(configuration: configuration, imageShape: [1, 12, 12], classCount: 2).train(train, validation: test, test: test)
        }
        let plain = try run(nil), mixup = try run(.mixup(alpha: 1)), cutmix = try run(.cutmix(alpha: 1))
        XCTAssertEqual(try run(.mixup(alpha: 1)).trainLoss, mixup.trainLoss, "the same seed gives the same bits")
        XCTAssertNotEqual(mixup.trainLoss, plain.trainLoss)
        XCTAssertNotEqual(cutmix.trainLoss, mixup.trainLoss)
        XCTAssertGreaterThan(mixup.testAccuracy, 0.9, "mixing still learns a separable problem")
        XCTAssertGreaterThan(cutmix.testAccuracy, 0.9)
    }
}
