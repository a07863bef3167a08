import Tensors

/// How many images of each class a split draws, and with which seed.
public struct SplitPlan: Sendable, Equatable {
    /// Training images per class (one entry per class).
    public var trainPerClass: [Int]
    /// Validation images per class, disjoint from training.
    public var validationPerClass: Int
    /// Test images per class held out from the same subset; 0 uses the source's own test subset.
    public var testPerClass: Int
    /// Seed of the per-class shuffles that choose the images.
    public var seed: UInt64

    /// A plan with its own training count for each class.
    public init(trainPerClass: [Int], validationPerClass: Int = 0, testPerClass: Int = 0, seed: UInt64) {
        self.trainPerClass = trainPerClass
        self.validationPerClass = validationPerClass
        self.testPerClass = testPerClass
        self.seed = seed
    }

    /// K training images of every class ("low-data" split).
    public static func stratified(classCount: Int, perClass: Int, validationPerClass: Int = 0,
                                  testPerClass: Int = 0, seed: UInt64) -> SplitPlan {
        SplitPlan(trainPerClass: [Int](repeating: perClass, count: classCount),
                  validationPerClass: validationPerClass, testPerClass: testPerClass, seed: seed)
    }

    /// `perClass` images of every class except the minority classes, which get their own counts
    /// (e.g. `[3: 10, 5: 10]` with 200 for the rest).
    public static func imbalanced(classCount: Int, perClass: Int, minority: [Int: Int], validationPerClass: Int = 0,
                                  testPerClass: Int = 0, seed: UInt64) -> SplitPlan {
        var counts = [Int](repeating: perClass, count: classCount)
        for (label, count) in minority where label >= 0 && label < classCount { counts[label] = count }
        return SplitPlan(trainPerClass: counts, validationPerClass: validationPerClass, testPerClass: testPerClass, seed: seed)
    }

    /// "stratified" when every class has the same count, "imbalanced" otherwise.
    public var kind: String { Set(trainPerClass).count <= 1 ? "stratified" : "imbalanced" }
}

/// Indices into a source subset: training, validation and (optionally) held-out test images.
public struct Split: Sendable, Equatable {
    /// The counts and seed the split was drawn with.
    public let plan: SplitPlan
    /// Ascending indices of training images.
    public let train: [Int]
    /// Ascending indices of validation images (disjoint from `train`).
    public let validation: [Int]
    /// Ascending indices of held-out test images (empty when the source's test subset is used).
    public let test: [Int]

    /// A split from its parts as stored (not checked; `draw(labels:classNames:plan:source:)` makes new ones).
    public init(plan: SplitPlan, train: [Int], validation: [Int], test: [Int]) {
        self.plan = plan
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// Draws the split from `labels`: for each class in order, one seeded shuffle of its indices; the first
    /// images go to training, the next to validation, the next to test.
    public static func draw(labels: [Int], classNames: [String], plan: SplitPlan, source: String) throws -> Split {
        guard plan.trainPerClass.count == classNames.count else {
            throw DatasetError(source, "the split plan has \(plan.trainPerClass.count) class counts, the data has \(classNames.count) classes")
        }
        if let bad = plan.trainPerClass.firstIndex(where: { $0 < 0 }) {
            throw DatasetError(source, "negative training count \(plan.trainPerClass[bad]) for class \(bad)")
        }
        guard plan.validationPerClass >= 0, plan.testPerClass >= 0 else {
            throw DatasetError(source, "validation and test counts per class must be non-negative")
        }
        var byClass = [[Int]](repeating: [], count: classNames.count)
        for (index, label) in labels.enumerated() { byClass[label].append(index) }
        var generator = RandomGenerator(seed: plan.seed)
        var train: [Int] = [], validation: [Int] = [], test: [Int] = []
        for (label, var indices) in byClass.enumerated() {
            let trainCount = plan.trainPerClass[label]
            // Each part is checked first so that counts near Int.max cannot overflow the sum.
            let parts = [trainCount, plan.validationPerClass, plan.testPerClass]
            guard parts.allSatisfy({ $0 <= indices.count }), parts.reduce(0, +) <= indices.count else {
                let sum = parts.allSatisfy { $0 <= indices.count } ? " = \(parts.reduce(0, +))" : ""
                throw DatasetError(source, "class \(label) ('\(classNames[label])') has \(indices.count) images, the split needs "
                                   + "\(trainCount) train + \(plan.validationPerClass) validation + \(plan.testPerClass) test\(sum)")
            }
            generator.shuffle(&indices)
            train += indices[0..<trainCount]
            validation += indices[trainCount..<(trainCount + plan.validationPerClass)]
            test += indices[(trainCount + plan.validationPerClass)..<(trainCount + plan.validationPerClass + plan.testPerClass)]
        }
        return Split(plan: plan, train: train.sorted(), validation: validation.sorted(), test: test.sorted())
    }
}
