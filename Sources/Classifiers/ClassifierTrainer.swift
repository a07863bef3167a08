import Augmentations
import Datasets
import Foundation
import Layers
import Optimizers
import Statistics
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
    /// Batch-level mixup or cutmix after `augmentation` (nil: none), with mixed labels in the loss.
    public var mixing: BatchMixing?
    /// Epochs after which the learning rate is multiplied by `decayFactor` (empty: constant rate).
    public var decayEpochs: [Int] = []
    public var decayFactor: Float = 0.1
    /// A budget of optimizer steps instead of `epochs`: every arm of a comparison gets the same number of updates,
    /// whatever its training set's size (passes over the data reshuffle as epochs do; the last may be partial).
    public var steps: Int?
    /// With `steps`: optimizer steps between two evaluations on the validation images (and two curve points).
    public var evaluateEvery = 50
    /// Evaluate, on the test set, the weights with the best validation accuracy (ties: the later) instead of the
    /// last ones; the last ones are evaluated too (`TrainingResult.finalTestAccuracy`).
    public var selectBestValidation = false
    /// Measure the budget curve (`TrainingResult.budgetTestAccuracy`): up to three test evaluations more per run, so
    /// only the runs whose comparisons are reported ask for it (not a sampler's or an extractor's classifier).
    public var recordsBudgetCurve = false

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
    /// The optimizer step at which each curve point was taken (the end of each epoch, or every `evaluateEvery`).
    public var curveSteps: [Int] = []
    /// Test accuracy of the evaluated weights: the selected ones with `selectBestValidation`, else the last ones.
    public var testAccuracy = 0.0
    /// Test accuracy of the last weights, when another step's were selected for `testAccuracy`.
    public var finalTestAccuracy: Double?
    /// The optimizer step whose weights were evaluated (the last step without selection).
    public var evaluatedStep = 0
    /// The steps of the budget curve: the last curve point at or before each of `BudgetPoint.fractions` of the
    /// budget (1/8, 1/4, 1/2 and all of it; a fraction before the first point has none).
    public var budgetSteps: [Int] = []
    /// The budget curve: at each of `budgetSteps`, the test accuracy of the weights the run would have reported had
    /// its budget ended there (the best on validation so far with `selectBestValidation`, else the current ones).
    /// Selection never sees it; it answers "what would this comparison say at a fraction of the budget?". Only
    /// those points are measured: a test evaluation at every curve point would cost more than the training.
    public var budgetTestAccuracy: [Double] = []
    /// The same weights' test accuracy per class, [point][class] (NaN for a class without test images).
    public var budgetPerClassAccuracy: [[Double]] = []
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
    /// Draws of the batch mixing (its own stream too).
    private var mixingDraws: RandomGenerator
    private var batchImages = Tensor(shape: [0])
    private var logitsGradient = Tensor(shape: [0])
    private var partnerGradient = Tensor(shape: [0])
    private var mixingScratch = Tensor(shape: [0])

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
        mixingDraws = RandomGenerator(seed: configuration.seed).derived(6)
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

    /// One optimisation step on a mixed batch (mixup, cutmix): the loss is lambda CE(labels) + (1 - lambda)
    /// CE(partnerLabels), and a prediction counts as correct when it names the label with the larger weight.
    @discardableResult
    public func step(_ images: Tensor, labels: [Int], partnerLabels: [Int], lambda: Double) -> (loss: Float, correct: Int) {
        network.forward(images, mode: .training)
        let criterion = SoftmaxCrossEntropy(labelSmoothing: configuration.labelSmoothing)
        let own = criterion(network.output, labels: labels, gradient: &logitsGradient)
        let partner = criterion(network.output, labels: partnerLabels, gradient: &partnerGradient)
        let (a, b) = (Float(lambda), Float(1 - lambda))
        logitsGradient.withUnsafeMutableBufferPointer { g in
            partnerGradient.withUnsafeBufferPointer { p in
                for i in 0..<g.count { g[i] = a * g[i] + b * p[i] }
            }
        }
        let correct = Self.countCorrect(network.output, lambda >= 0.5 ? labels : partnerLabels)
        optimizer.zeroGradients()
        network.backward(input: images, outputGradient: logitsGradient)
        optimizer.update()
        return (a * own + b * partner, correct)
    }

    /// Curve points (evaluations) the configured run takes for `trainingImages` images.
    public func evaluationCount(trainingImages n: Int) -> Int {
        let total = totalSteps(trainingImages: n), every = evaluationInterval(trainingImages: n)
        return (total + every - 1) / every
    }

    private func stepsPerEpoch(_ n: Int) -> Int { max(1, (n + configuration.batchSize - 1) / configuration.batchSize) }
    private func totalSteps(trainingImages n: Int) -> Int { configuration.steps ?? configuration.epochs * stepsPerEpoch(n) }
    private func evaluationInterval(trainingImages n: Int) -> Int {
        configuration.steps == nil ? stepsPerEpoch(n) : max(1, configuration.evaluateEvery)
    }

    /// Trains for the configured epochs (or steps); `progress(point, result so far)` is called after each curve
    /// point: each epoch, or every `evaluateEvery` steps of a step budget.
    /// Throws `ClassifierDivergence` when a step's loss is not finite (the weights would be NaN from there on, and
    /// the test accuracy of such a network is a number that means nothing).
    public func train(_ train: ImageSet, validation: ImageSet?, test: ImageSet,
                      progress: (Int, TrainingResult) -> Void = { _, _ in }) throws -> TrainingResult {
        var result = TrainingResult()
        let start = Date()
        let batch = configuration.batchSize, n = train.count
        let total = totalSteps(trainingImages: n), every = evaluationInterval(trainingImages: n)
        let validates = (validation?.count ?? 0) > 0
        var order: [Int] = [], position = n, epoch = 0
        var lossSum = 0.0, correct = 0, seen = 0, batches = 0
        var best: (accuracy: Double, step: Int, state: [Tensor])?
        let budgetSteps = configuration.recordsBudgetCurve ? Self.budgetSteps(total: total, every: every) : []
        // The last budget evaluation: a point whose reported weights are the same takes its numbers.
        var lastBudget: (weightsStep: Int, accuracy: Double, perClass: [Double])?
        for step in 1...max(1, total) where total > 0 && n > 0 {
            if position >= n {
                // A new pass: the learning rate for this epoch, then one permutation from the shuffle stream.
                let decays = configuration.decayEpochs.filter { $0 <= epoch }.count
                optimizer.learningRate = configuration.learningRate * pow(configuration.decayFactor, Float(decays))
                order = shuffle.permutation(n)
                (position, epoch) = (0, epoch + 1)
            }
            let indices = Array(order[position..<min(position + batch, n)])
            position += batch
            gather(train.images, indices, into: &batchImages)
            configuration.augmentation.apply(to: &batchImages, generator: &augmentationDraws)
            let labels = indices.map { train.labels[$0] }
            let (loss, right): (Float, Int)
            if let mixing = configuration.mixing {
                let lambda = mixing.apply(to: &batchImages, scratch: &mixingScratch, generator: &mixingDraws)
                let partners = labels.indices.map { labels[($0 + labels.count - 1) % labels.count] }
                (loss, right) = self.step(batchImages, labels: labels, partnerLabels: partners, lambda: lambda)
            } else {
                (loss, right) = self.step(batchImages, labels: labels)
            }
            guard loss.isFinite else {
                throw ClassifierDivergence(step: step, loss: loss, learningRate: optimizer.learningRate)
            }
            lossSum += Double(loss)
            correct += right
            seen += indices.count
            batches += 1
            guard step % every == 0 || step == total else { continue }
            result.trainLoss.append(lossSum / Double(max(1, batches)))
            result.trainAccuracy.append(Double(correct) / Double(max(1, seen)))
            result.curveSteps.append(step)
            (lossSum, correct, seen, batches) = (0, 0, 0, 0)
            if let validation, validates {
                let accuracy = evaluate(validation).accuracy
                result.validationAccuracy.append(accuracy)
                if configuration.selectBestValidation, accuracy >= best?.accuracy ?? -1 {
                    best = (accuracy, step, network.namedParameters.map(\.parameter.value) + network.buffers.map(\.tensor))
                }
            }
            // The budget's last point is the run's own test evaluation, after the loop.
            if budgetSteps.contains(step), step != total {
                // The weights the run would report now (evaluation mode draws nothing and changes no weight or
                // buffer, and the current weights are put back bit for bit, so training goes on as it was).
                let weightsStep = best?.step ?? step
                if let last = lastBudget, last.weightsStep == weightsStep {
                    result.budgetTestAccuracy.append(last.accuracy)
                    result.budgetPerClassAccuracy.append(last.perClass)
                } else {
                    let evaluation: (accuracy: Double, confusion: [[Int]])
                    if let best, best.step != step {
                        let current = network.namedParameters.map(\.parameter.value) + network.buffers.map(\.tensor)
                        restore(best.state)
                        evaluation = evaluate(test)
                        restore(current)
                    } else {
                        evaluation = evaluate(test)
                    }
                    lastBudget = (weightsStep, evaluation.accuracy, Self.perClassAccuracy(evaluation.confusion))
                    result.budgetTestAccuracy.append(evaluation.accuracy)
                    result.budgetPerClassAccuracy.append(lastBudget!.perClass)
                }
                result.budgetSteps.append(step)
            }
            progress(result.curveSteps.count - 1, result)
        }
        var evaluation = evaluate(test)
        result.evaluatedStep = total
        if let best, best.step != total {
            result.finalTestAccuracy = evaluation.accuracy
            restore(best.state)
            evaluation = evaluate(test)
            result.evaluatedStep = best.step
        }
        result.testAccuracy = evaluation.accuracy
        result.confusion = evaluation.confusion
        if budgetSteps.contains(total) {
            result.budgetSteps.append(total)
            result.budgetTestAccuracy.append(evaluation.accuracy)
            result.budgetPerClassAccuracy.append(Self.perClassAccuracy(evaluation.confusion))
        }
        result.seconds = Date().timeIntervalSince(start)
        return result
    }

    /// The curve points of the budget curve: for each of `BudgetPoint.fractions`, the last evaluation step (every
    /// `every` steps, and the last) at or before that fraction of `total`.
    static func budgetSteps(total: Int, every: Int) -> Set<Int> {
        guard total > 0 else { return [] }
        let points = Array(stride(from: every, to: total, by: every)) + [total]
        return Set(BudgetPoint.fractions.compactMap { fraction in points.last { Double($0) <= fraction * Double(total) } })
    }

    /// Correct predictions over test images of each class, from a confusion matrix [true][predicted].
    public static func perClassAccuracy(_ confusion: [[Int]]) -> [Double] {
        confusion.indices.map { c in
            let total = confusion[c].reduce(0, +)
            return total == 0 ? .nan : Double(confusion[c][c]) / Double(total)
        }
    }

    /// Puts back weights and buffers saved as `namedParameters` values followed by `buffers`.
    private func restore(_ state: [Tensor]) {
        let parameters = network.namedParameters
        for (named, value) in zip(parameters, state) { named.parameter.value = value }
        for ((name, _), value) in zip(network.buffers, state.dropFirst(parameters.count)) { try? network.loadBuffer(name, value) }
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

/// Classifier training that stopped because the loss left the finite numbers.
public struct ClassifierDivergence: Error, CustomStringConvertible {
    public let step: Int
    public let loss: Float
    public let learningRate: Float
    public var description: String {
        "classifier training diverged at step \(step): the loss is \(loss) (learning rate \(learningRate)); lower the learning rate"
    }
}
