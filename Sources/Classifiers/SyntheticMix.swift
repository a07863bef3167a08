import Datasets
import Foundation
import Tensors

/// Which training images of a run were real and which synthetic.
public struct TrainingComposition: Sendable, Equatable {
    /// Real training images of each class.
    public var realPerClass: [Int]
    /// Synthetic images of each class.
    public var syntheticPerClass: [Int]
    /// Rows of the sample set's image set that were used, ascending.
    public var syntheticRows: [Int]

    public init(realPerClass: [Int], syntheticPerClass: [Int], syntheticRows: [Int]) {
        self.realPerClass = realPerClass
        self.syntheticPerClass = syntheticPerClass
        self.syntheticRows = syntheticRows
    }

    /// Only real images.
    public init(real: ImageSet) {
        self.init(realPerClass: real.classCounts(), syntheticPerClass: [Int](repeating: 0, count: real.classCount), syntheticRows: [])
    }
}

/// Which classes receive synthetic images.
public enum SyntheticClasses: String, Codable, Sendable, CaseIterable {
    /// Every class c: ratio x (real images of c).
    case all
    /// The classes with fewer real images than the largest class, each topped up to the largest class's count
    /// (an imbalanced split's minority classes reach K; the others get none). The ratio does not apply.
    case minority
}

/// Real plus synthetic training sets: ratio x (real images of class c) synthetic images of class c (or, for the
/// minority classes only, as many as bring them to the largest class), drawn without replacement from a sample
/// set, stratified by class.
public enum SyntheticMix {
    /// Synthetic images wanted per class for `ratio` (rounded to the nearest integer per class).
    public static func syntheticCounts(realPerClass: [Int], ratio: Double, classes: SyntheticClasses = .all) -> [Int] {
        switch classes {
        case .all: return realPerClass.map { Int((ratio * Double($0)).rounded()) }
        case .minority:
            let largest = realPerClass.max() ?? 0
            return realPerClass.map { largest - $0 }
        }
    }

    /// Synthetic images of each class that `ratio` (and `classes`) draw from `synthetic` for `real`; throws,
    /// naming the sample set, when the images do not fit the split or a class has fewer images than that.
    public static func requiredCounts(real: ImageSet, synthetic: ImageSet, ratio: Double, classes: SyntheticClasses = .all) throws -> [Int] {
        guard synthetic.imageShape == real.imageShape else {
            throw DatasetError(synthetic.source, "synthetic images are \(synthetic.imageShape), the split's are \(real.imageShape)")
        }
        guard synthetic.classNames == real.classNames else {
            throw DatasetError(synthetic.source, "synthetic classes \(synthetic.classNames) differ from the split's \(real.classNames)")
        }
        let realCounts = real.classCounts(), available = synthetic.classCounts()
        let wanted = syntheticCounts(realPerClass: realCounts, ratio: ratio, classes: classes)
        if let label = wanted.indices.first(where: { wanted[$0] > available[$0] }) {
            let reason = classes == .all ? "ratio \(ratio) x \(realCounts[label]) real images needs"
                : "topping \(realCounts[label]) real images up to \(realCounts.max() ?? 0) needs"
            throw DatasetError(synthetic.source, "holds \(available[label]) images of class \(label) (\(real.classNames[label])); "
                               + "\(reason) \(wanted[label])")
        }
        return wanted
    }

    /// The training set: the real images (unless `syntheticOnly`) followed by the drawn synthetic ones, and what
    /// it is made of. With ratio 0 and real images, the set is `real` itself.
    public static func compose(real: ImageSet, synthetic: ImageSet, ratio: Double, classes: SyntheticClasses = .all, syntheticOnly: Bool,
                               generator: inout RandomGenerator) throws -> (set: ImageSet, composition: TrainingComposition) {
        let wanted = try requiredCounts(real: real, synthetic: synthetic, ratio: ratio, classes: classes)
        let realCounts = real.classCounts()
        let available = synthetic.indicesByClass()
        var rows: [Int] = []
        for (label, count) in wanted.enumerated() {
            let order = generator.permutation(available[label].count)
            rows += order.prefix(count).map { available[label][$0] }
        }
        rows.sort()
        let composition = TrainingComposition(realPerClass: syntheticOnly ? [Int](repeating: 0, count: real.classCount) : realCounts,
                                              syntheticPerClass: wanted, syntheticRows: rows)
        let drawn = synthetic.subset(rows)
        if syntheticOnly {
            guard drawn.count > 0 else { throw DatasetError(synthetic.source, "ratio \(ratio) draws no synthetic images to train on") }
            return (drawn, composition)
        }
        guard drawn.count > 0 else { return (real, composition) }
        let images = try Tensor(shape: [real.count + drawn.count] + real.imageShape, storage: real.images.storage + drawn.images.storage)
        let mixed = try ImageSet(images: images, labels: real.labels + drawn.labels, classNames: real.classNames,
                                 source: "\(real.source) + \(drawn.count) synthetic from \(synthetic.source)")
        return (mixed, composition)
    }
}
