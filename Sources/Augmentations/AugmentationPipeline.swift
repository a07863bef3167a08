import Foundation
import Tensors

/// A sequence of augmentation operations applied to batches of NCHW images in [-1, 1].
///
/// Parameters are drawn per sample from an explicit generator, all draws for a batch happen before any image is
/// touched, and images are then processed in parallel: the same seed gives the same batch bit for bit, whatever
/// the thread count.
///
/// ```swift
/// let pipeline = try AugmentationPipeline(parsing: "rotate=15,shift=3,noise=0.05")   // == .traditional
/// var generator = RandomGenerator(seed: 0)
/// pipeline.apply(to: &batch, generator: &generator)
/// ```
public struct AugmentationPipeline: Sendable, Equatable {
    public var operations: [Operation]
    /// Value read outside the image by geometric operations in `.constant` mode (-1 is black).
    public var fill: Float
    public var border: BorderMode

    public init(_ operations: [Operation], fill: Float = -1, border: BorderMode = .constant) {
        self.operations = operations
        self.fill = fill
        self.border = border
    }

    /// No augmentation.
    public static let none = AugmentationPipeline([])

    /// rotate +-15 degrees, shift +-3 px, Gaussian noise 0.05: exactly the `traditional()` of the PyTorch protocol.
    public static let traditional = AugmentationPipeline([
        .rotate(degrees: 15, probability: 1), .shift(pixels: 3, probability: 1), .noise(std: 0.05, probability: 1),
    ])

    /// traditional plus zoom, elastic distortion and random erasing.
    public static let strong = AugmentationPipeline([
        .rotate(degrees: 15, probability: 1), .shift(pixels: 3, probability: 1), .scale(amount: 0.1, probability: 1),
        .elastic(alpha: 8, sigma: 3, probability: 0.5), .erase(value: -1, probability: 0.5), .noise(std: 0.05, probability: 1),
    ])

    /// RandAugment with 2 operations per sample at magnitude 9.
    public static let randAugment = AugmentationPipeline([.randAugment(count: 2, magnitude: 9)])

    public static let presets: [(name: String, pipeline: AugmentationPipeline)] = [
        ("none", .none), ("traditional", .traditional), ("strong", .strong), ("randaugment", .randAugment),
    ]

    public var isIdentity: Bool { operations.isEmpty }

    /// Augments every image of `batch` (N, C, H, W) in place.
    public func apply(to batch: inout Tensor, generator: inout RandomGenerator) {
        guard !operations.isEmpty else { return }
        precondition(batch.rank == 4, "augmentation needs an NCHW batch, got \(batch.shape)")
        let (n, c, h, w) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        let plans = (0..<n).map { _ in SamplePlan.draw(operations, height: h, width: w, generator: &generator) }
        let (fill, border) = (fill, border)
        batch.withUnsafeMutableBufferPointer { buffer in
            let images = buffer.baseAddress!
            let parts = Threads.ranges(n)
            Threads.parallelFor(parts.count) { part in
                var scratch = SampleScratch(channels: c, height: h, width: w)
                for index in parts[part] {
                    plans[index].apply(to: images + index * c * h * w, channels: c, height: h, width: w,
                                       fill: fill, border: border, scratch: &scratch)
                }
            }
        }
    }
}
