import Classifiers
import Datasets
import Foundation
import GANs
import Layers
import Metrics
import ResultStore
import Tensors

/// What to sample and how to filter it: the settings of a sampling run (decodable with snake_case keys, filters
/// in their command-line text: `filters: ["confidence=0.5", "memorisation=0.05"]`).
public struct SamplingPlan: Codable, Sendable, Equatable {
    /// Samples to keep per class.
    public var perClass: Int
    /// Candidates generated per kept sample (more leaves the filters room to choose).
    public var oversample = 3
    /// The filters in order. Near-exact duplicates are always removed: without a `dedupe` filter here,
    /// `dedupe=0.001` runs last (see `effectiveFilters`).
    public var filters: [SampleFilter] = []
    public var seed: UInt64 = 0
    /// Epochs of the real-data classifier that gives pseudo-labels and confidences.
    public var classifierEpochs = 30

    /// The filters that run: `filters`, then `dedupe=0.001` unless they hold a dedupe filter already.
    public var effectiveFilters: [SampleFilter] {
        filters.contains { if case .duplicates = $0 { return true } else { return false } }
            ? filters : filters + [.duplicates(distance: Self.duplicateDistance)]
    }

    /// RMS pixel distance under which two samples of a class count as the same image.
    public static let duplicateDistance = 1e-3

    public init(perClass: Int, oversample: Int = 3, filters: [SampleFilter] = [], seed: UInt64 = 0) {
        self.perClass = perClass
        self.oversample = oversample
        self.filters = filters
        self.seed = seed
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case oversample, filters, seed
        case perClass = "per_class"
        case classifierEpochs = "classifier_epochs"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(perClass: try c.decode(.perClass, default: 100), oversample: try c.decode(.oversample, default: 3),
                  filters: try c.decode(.filters, default: []), seed: try c.decode(.seed, default: 0))
        classifierEpochs = try c.decode(.classifierEpochs, default: classifierEpochs)
        try decoder.validating(validate)
    }

    /// Refuses counts no run can use.
    public func validate() throws {
        if let problem = SettingLimits.firstViolation([
            ("per_class", perClass, 1...SettingLimits.samplesPerClass), ("oversample", oversample, 1...SettingLimits.oversample),
            ("classifier_epochs", classifierEpochs, 1...SettingLimits.epochs),
        ]) { throw SamplingError(problem) }
    }
}

/// Every candidate with its scores and fate, and the kept samples.
public struct SampleSet: Sendable {
    public let filters: [SampleFilter]
    public let classNames: [String]
    public var candidates: Tensor
    /// The class the generator was asked for (-1 for an unconditional generator).
    public var requestedLabels: [Int]
    /// The class a candidate counts for: the requested one, or the classifier's prediction (pseudo-label).
    public var labels: [Int]
    public var predicted: [Int]
    /// The classifier's probability of `labels`.
    public var confidence: [Double]
    public var discriminatorScores: [Double]
    /// Realism score, when features were computed.
    public var realism: [Double]?
    /// RMS pixel distance to the nearest real training image.
    public var nearestRealPixels: [Double]
    /// Feature distance to the nearest real training image, when features were computed.
    public var nearestRealFeatures: [Double]?
    /// -1 kept; i rejected by filters[i]; filters.count: surplus beyond `perClass`.
    public var rejectedBy: [Int]
    /// Accuracy of the pseudo-labelling classifier on the split's validation images (training images if none).
    public var classifierAccuracy: Double

    /// The kept samples as an image set (labels = `labels`).
    public func kept() throws -> ImageSet {
        let indices = rejectedBy.indices.filter { rejectedBy[$0] < 0 }
        return try ImageSet(images: candidates.gathering(indices), labels: indices.map { labels[$0] }, classNames: classNames,
                            source: "generated")
    }

    /// Rows: each filter then "surplus"; columns: classes; values: candidates rejected there.
    public var rejections: [[Int]] {
        var table = [[Int]](repeating: [Int](repeating: 0, count: classNames.count), count: filters.count + 1)
        for (index, rule) in rejectedBy.enumerated() where rule >= 0 { table[rule][labels[index]] += 1 }
        return table
    }

    public var keptPerClass: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for (index, rule) in rejectedBy.enumerated() where rule < 0 { counts[labels[index]] += 1 }
        return counts
    }
}

/// Turns a trained GAN into labelled, filtered samples for the experiment.
///
/// Conditional generators get `perClass * oversample` requests per class. Unconditional ones generate until every
/// class has that many candidates by pseudo-label (or 20 times the total has been tried). A reference classifier
/// trained on the split's training images only (never the test set) gives pseudo-labels and confidences; the
/// embedded feature extractor gives realism and feature distances when a filter needs them. Filters run in the
/// given order on each class's survivors; the first `perClass` survivors of each class, in generation order, are kept.
public final class GANSampler {
    public let gan: TrainedGAN
    public let train: ImageSet
    public let validation: ImageSet?
    public let extractor: FeatureExtractor?

    public init(gan: TrainedGAN, train: ImageSet, validation: ImageSet?, extractor: FeatureExtractor?) {
        self.gan = gan
        self.train = train
        self.validation = validation
        self.extractor = extractor
    }

    public func run(_ plan: SamplingPlan, log: (String) -> Void = { _ in }) throws -> SampleSet {
        try plan.validate()
        let needsFeatures = plan.filters.contains { $0.needsFeatures }
        if needsFeatures && extractor == nil {
            throw SamplingError("realism and feature memorisation need a feature extractor for \(train.imageShape) images (see augbench extractor train)")
        }
        let classes = train.classCount
        try ReferenceClassifier.check(imageShape: train.imageShape, source: train.source)
        // Every candidate is held until the filters have ranked them all.
        guard let bytes = SettingLimits.checkedProduct([plan.perClass, plan.oversample, classes, 4] + train.imageShape),
              bytes <= SettingLimits.inMemoryBytes else {
            throw SamplingError("per_class \(plan.perClass) x oversample \(plan.oversample) x \(classes) classes of \(train.imageShape) "
                                + "candidates would hold more than \(SettingLimits.inMemoryBytes >> 30) GiB in memory: draw fewer")
        }
        log("training the pseudo-label classifier on \(train.count) real training images (\(plan.classifierEpochs) epochs)")
        let classifier = ClassifierTrainer(configuration: TrainingConfiguration(epochs: plan.classifierEpochs, seed: plan.seed),
                                           imageShape: train.imageShape, classCount: classes)
        let hasValidation = (validation?.count ?? 0) > 0
        let accuracy = try classifier.train(train, validation: nil, test: hasValidation ? validation! : train).testAccuracy
        log(String(format: "classifier accuracy %.4f on the %@ images", accuracy, hasValidation ? "validation" : "training"))

        // Candidates.
        let wanted = plan.perClass * plan.oversample
        let conditional = gan.configuration.variant.isConditional
        var images: [Tensor] = [], requested: [Int] = []
        var counts = [Int](repeating: 0, count: classes), batch = 0, generated = 0
        var predicted: [Int] = [], probabilities: [[Double]] = []
        while counts.contains(where: { $0 < wanted }) && generated < 20 * wanted * classes {
            let labels: [Int]
            if conditional {
                labels = (0..<classes).flatMap { c in [Int](repeating: c, count: max(0, wanted - counts[c])) }
            } else {
                labels = [Int](repeating: -1, count: 500)
            }
            var draws = RandomGenerator(seed: plan.seed).derived(UInt64(100 + batch))
            let seed = draws.next()
            let made = gan.sample(count: labels.count, labels: labels.map { max(0, $0) }, seed: seed)
            let (guesses, odds) = Self.classify(made, with: classifier.network)
            images.append(made)
            requested += labels
            predicted += guesses
            probabilities += odds
            for (index, label) in labels.enumerated() { counts[label >= 0 ? label : guesses[index]] += 1 }
            generated += labels.count
            batch += 1
        }
        if let short = counts.firstIndex(where: { $0 < plan.perClass }) {
            log("warning: only \(counts[short]) candidates of class \(train.classNames[short]) after \(generated) samples")
        }
        let candidates = Self.concatenate(images)
        let labels = requested.indices.map { requested[$0] >= 0 ? requested[$0] : predicted[$0] }
        let scores = gan.scores(candidates, labels: labels).map(Double.init)
        let dimension = train.imageShape.reduce(1, *)
        let rms = 1 / Double(dimension).squareRoot()
        let nearestPixels = try MemorisationDistances.nearest(generated: candidates.reshaped([labels.count, dimension]),
                                                              real: train.images.reshaped([train.count, dimension])).map { $0 * rms }
        var realism: [Double]?, nearestFeatures: [Double]?
        if let extractor, needsFeatures {
            let real = try extractor.extract(train.images).features, fake = try extractor.extract(candidates).features
            realism = try RealismScore.compute(real: real, generated: fake)
            nearestFeatures = try MemorisationDistances.nearest(generated: fake, real: real)
        }
        var set = SampleSet(filters: plan.effectiveFilters, classNames: train.classNames, candidates: candidates, requestedLabels: requested,
                            labels: labels, predicted: predicted, confidence: labels.indices.map { probabilities[$0][labels[$0]] },
                            discriminatorScores: scores, realism: realism, nearestRealPixels: nearestPixels,
                            nearestRealFeatures: nearestFeatures, rejectedBy: [Int](repeating: -1, count: labels.count),
                            classifierAccuracy: accuracy)
        applyFilters(&set, plan: plan, rms: rms)
        return set
    }

    private func applyFilters(_ set: inout SampleSet, plan: SamplingPlan, rms: Double) {
        let dimension = train.imageShape.reduce(1, *)
        for c in 0..<set.classNames.count {
            var alive = set.labels.indices.filter { set.labels[$0] == c }
            for (rule, filter) in plan.effectiveFilters.enumerated() {
                let keep: [Int]
                switch filter {
                case .discriminator(let fraction):
                    let count = Int((Double(alive.count) * fraction).rounded(.up))
                    let best = Set(alive.sorted { set.discriminatorScores[$0] > set.discriminatorScores[$1] }.prefix(count))
                    keep = alive.filter { best.contains($0) }
                case .confidence(let threshold):
                    keep = alive.filter { set.predicted[$0] == c && set.confidence[$0] >= threshold }
                case .realism(let threshold): keep = alive.filter { set.realism![$0] >= threshold }
                case .memorisation(let distance): keep = alive.filter { set.nearestRealPixels[$0] >= distance }
                case .featureMemorisation(let distance): keep = alive.filter { set.nearestRealFeatures![$0] >= distance }
                case .duplicates(let distance):
                    // A copy: RMS pixel distance below `distance` to an earlier kept candidate. A sum of squares only
                    // grows, and the square root and the scaling are monotone, so a pair is ruled out as soon as a
                    // partial sum reaches the distance (checked every 16 pixels): the decisions of the full sums, in
                    // a few pixels for distinct images instead of all of them (the filter compares every pair).
                    var kept: [Int] = []
                    set.candidates.withUnsafeBufferPointer { x in
                        for index in alive {
                            let isCopy = kept.contains { other in
                                let (a, b) = (index * dimension, other * dimension)
                                var sum = 0.0, j = 0
                                while j < dimension {
                                    for k in j..<min(j + 16, dimension) {
                                        let d = Double(x[a + k] - x[b + k])
                                        sum += d * d
                                    }
                                    j += 16
                                    if sum.squareRoot() * rms >= distance { return false }
                                }
                                return true
                            }
                            if !isCopy { kept.append(index) }
                        }
                    }
                    keep = kept
                }
                let survivors = Set(keep)
                for index in alive where !survivors.contains(index) { set.rejectedBy[index] = rule }
                alive = keep
            }
            for index in alive.dropFirst(plan.perClass) { set.rejectedBy[index] = plan.effectiveFilters.count }
        }
    }

    /// Predicted classes and class probabilities of images, in evaluation mode.
    static func classify(_ images: Tensor, with network: Sequential) -> ([Int], [[Double]]) {
        var predicted: [Int] = [], probabilities: [[Double]] = []
        var first = 0
        while first < images.shape[0] {
            let range = first..<min(images.shape[0], first + 500)
            network.forward(images.slice(range), mode: .evaluation)
            let logits = network.output, classes = logits.shape[1]
            for row in 0..<range.count {
                let z = (0..<classes).map { Double(logits.storage[row * classes + $0]) }
                let top = z.max()!
                let e = z.map { exp($0 - top) }, total = e.reduce(0, +)
                let p = e.map { $0 / total }
                probabilities.append(p)
                predicted.append(p.indices.max { p[$0] < p[$1] }!)
            }
            first = range.upperBound
        }
        return (predicted, probabilities)
    }

    static func concatenate(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(shape: [0]) }
        var shape = first.shape
        shape[0] = parts.map { $0.shape[0] }.reduce(0, +)
        return try! Tensor(shape: shape, storage: parts.flatMap(\.storage))
    }

    // MARK: File (kind "gan-samples")

    /// Writes the kept samples as an image set (images, labels: readable wherever an HDF5 image set is) and every
    /// candidate with its scores and fate under candidates/.
    public static func write(_ set: SampleSet, to path: String, checkpoint: String, step: Int, variant: String) throws {
        let file = try HDF5File.create(path, kind: .ganSamples)
        let root = file.root
        try HDF5ImageSetIO.write(set.kept(), into: root)
        try root.setAttribute("checkpoint", checkpoint)
        try root.setAttribute("checkpoint_step", Int64(step))
        try root.setAttribute("variant", variant)
        try root.setAttribute("filters", set.filters.map(\.description))
        try root.setAttribute("classifier_accuracy", set.classifierAccuracy)
        let n = set.labels.count
        let c = try root.createGroup("candidates")
        try c.write("images", set.candidates, compression: .gzip(level: 4))
        try c.write("requested_labels", set.requestedLabels.map { Int64($0) }, shape: [n])
        try c.write("labels", set.labels.map { Int64($0) }, shape: [n])
        try c.write("predicted", set.predicted.map { Int64($0) }, shape: [n])
        try c.write("confidence", set.confidence, shape: [n])
        try c.write("discriminator_score", set.discriminatorScores, shape: [n])
        try c.write("nearest_real_pixels_rms", set.nearestRealPixels, shape: [n])
        if let realism = set.realism { try c.write("realism", realism, shape: [n]) }
        if let features = set.nearestRealFeatures { try c.write("nearest_real_features", features, shape: [n]) }
        try c.write("rejected_by", set.rejectedBy.map { Int64($0) }, shape: [n])
        try c.setAttribute("rejected_by_meaning", ["-1: kept"] + set.filters.enumerated().map { "\($0.offset): \($0.element)" }
                           + ["\(set.filters.count): surplus beyond the per-class count"])
        let table = set.rejections
        try root.write("rejections", table.flatMap { $0.map { Int64($0) } }, shape: [table.count, set.classNames.count])
        try root.setAttribute("rows", set.filters.map(\.description) + ["surplus"], on: "rejections")
        try file.commit()
    }
}
