import Datasets
import ResultStore
import Tensors

/// Offline augmentation: each image followed by `copies` augmented versions of it, drawn once from `seed`.
/// The expanded set can be written to HDF5 for inspection and reuse (`augbench augment expand`).
public enum OfflineExpansion {
    /// Copies per image: beyond this the expanded set is better drawn on the fly (augmentation without copies).
    public static let maximumCopies = 1000

    /// Throws unless `copies` is in 0...maximumCopies and the expanded set of `count` images fits in memory
    /// (`SettingLimits.inMemoryBytes`).
    public static func check(count: Int, imageShape: [Int], copies: Int) throws {
        guard (0...maximumCopies).contains(copies) else {
            throw AugmentationError("copies must be in 0...\(maximumCopies), got \(copies)")
        }
        guard let bytes = SettingLimits.checkedProduct([count, copies + 1, 4] + imageShape), bytes <= SettingLimits.inMemoryBytes else {
            throw AugmentationError("copies \(copies) of \(count) training images would hold more than \(SettingLimits.inMemoryBytes >> 30) GiB "
                                    + "in memory: use fewer copies, or augment on the fly (copies 0)")
        }
    }

    public static func expand(_ set: ImageSet, copies: Int, pipeline: AugmentationPipeline, seed: UInt64) throws -> ImageSet {
        var generator = RandomGenerator(seed: seed).derived(5)
        return try expand(set, copies: copies, pipeline: pipeline, generator: &generator,
                          source: "\(set.source) + \(copies) augmented copies (\(pipeline.description), seed \(seed))")
    }

    /// The same, drawing from `generator`.
    public static func expand(_ set: ImageSet, copies: Int, pipeline: AugmentationPipeline, generator: inout RandomGenerator,
                              source: String? = nil) throws -> ImageSet {
        try check(count: set.count, imageShape: set.imageShape, copies: copies)
        // Image i's original then its copies, in order: indices i, i, ..., i.
        let order = (0..<set.count).flatMap { [Int](repeating: $0, count: copies + 1) }
        var expanded = set.subset(order, source: source ?? "\(set.source) + \(copies) augmented copies (\(pipeline.description))")
        guard copies > 0 else { return expanded }
        let copyRows = order.indices.filter { $0 % (copies + 1) != 0 }
        var augmented = expanded.images.gathering(copyRows)
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

    /// A preview: `images` originals (classes in turn, each a random image of its class) each followed by
    /// `perImage` augmented versions, as rows of a grid.
    public static func preview(_ set: ImageSet, images: Int, perImage: Int, pipeline: AugmentationPipeline, seed: UInt64) throws -> Tensor {
        var generator = RandomGenerator(seed: seed)
        let byClass = set.indicesByClass().filter { !$0.isEmpty }
        let picks = (0..<images).map { row in byClass[row % byClass.count][generator.integer(below: byClass[row % byClass.count].count)] }
        var draws = generator.derived(1)
        return try expand(set.subset(picks), copies: perImage, pipeline: pipeline, generator: &draws).images
    }
}
