import Datasets
import Tensors

/// Offline augmentation: each image followed by `copies` augmented versions of it, drawn once from `seed`.
/// The expanded set can be written to HDF5 for inspection and reuse (`augbench augment expand`).
public enum OfflineExpansion {
    public static func expand(_ set: ImageSet, copies: Int, pipeline: AugmentationPipeline, seed: UInt64) -> ImageSet {
        precondition(copies >= 0, "copies must be non-negative")
        // Image i's original then its copies, in order: indices i, i, ..., i.
        let order = (0..<set.count).flatMap { [Int](repeating: $0, count: copies + 1) }
        var expanded = set.subset(order, source: "\(set.source) + \(copies) augmented copies (\(pipeline.description), seed \(seed))")
        guard copies > 0 else { return expanded }
        let copyRows = order.indices.filter { $0 % (copies + 1) != 0 }
        var augmented = expanded.images.gathering(copyRows)
        var generator = RandomGenerator(seed: seed).derived(5)
        pipeline.apply(to: &augmented, generator: &generator)
        let inner = set.imageShape.reduce(1, *)
        expanded.images.withUnsafeMutableBufferPointer { target in
            augmented.withUnsafeBufferPointer { source in
                for (k, row) in copyRows.enumerated() {
                    (target.baseAddress! + row * inner).update(from: source.baseAddress! + k * inner, count: inner)
                }
            }
        }
        return expanded
    }
}
