import Foundation
import ResultStore
import Tensors

/// Batch-level augmentation that mixes every image with another image of the same batch and mixes their labels
/// in the same proportion, as torchvision's `v2.MixUp` and `v2.CutMix` do: one lambda ~ Beta(alpha, alpha) per
/// batch, and image i is mixed with image i - 1 (the batch rolled by one).
///
/// - mixup (Zhang et al., 2018): x_i <- lambda x_i + (1 - lambda) x_{i-1};
/// - cutmix (Yun et al., 2019): a box of about (1 - lambda) of the image, centred on a uniform pixel and clipped
///   at the borders, is pasted from x_{i-1}; lambda becomes 1 - (box area / image area).
/// The training loss is then lambda CE(y_i) + (1 - lambda) CE(y_{i-1}).
/// In settings and options: `mixup`, `cutmix` (alpha 1, torchvision's default) or `mixup=0.2`.
public enum BatchMixing: Sendable, Equatable, TextSetting {
    case mixup(alpha: Double)
    case cutmix(alpha: Double)

    public static let defaultAlpha = 1.0

    public var alpha: Double {
        switch self {
        case let .mixup(alpha), let .cutmix(alpha): return alpha
        }
    }

    public var name: String {
        switch self {
        case .mixup: return "mixup"
        case .cutmix: return "cutmix"
        }
    }

    public var description: String { "\(name)=\(alpha)" }

    /// "mixup", "cutmix", "mixup=0.2".
    public init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let alpha: Double
        if parts.count == 2 {
            guard let value = Double(parts[1]) else { throw AugmentationError("\(text): alpha must be a number") }
            alpha = value
        } else {
            alpha = Self.defaultAlpha
        }
        guard alpha > 0 && alpha.isFinite else { throw AugmentationError("\(text): alpha must be positive and finite") }
        switch parts.first ?? "" {
        case "mixup": self = .mixup(alpha: alpha)
        case "cutmix": self = .cutmix(alpha: alpha)
        default: throw AugmentationError("unknown batch mixing '\(text)' (known: mixup, cutmix, with an optional =alpha)")
        }
    }

    /// Mixes `batch` (N, C, H, W) in place, using `scratch` for the rolled copy, and returns lambda: the weight of
    /// each image's own label (image i's partner is image (i - 1) mod N).
    public func apply(to batch: inout Tensor, scratch: inout Tensor, generator: inout RandomGenerator) -> Double {
        precondition(batch.rank == 4, "batch mixing needs an NCHW batch, got \(batch.shape)")
        let (n, c, h, w) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        let lambda = generator.beta(alpha, alpha)
        scratch.reuse(shape: batch.shape)
        let image = c * h * w
        batch.withUnsafeBufferPointer { source in
            scratch.withUnsafeMutableBufferPointer { rolled in
                // rolled[i] = batch[i - 1], rolled[0] = batch[n - 1].
                (rolled.baseAddress! + image).update(from: source.baseAddress!, count: (n - 1) * image)
                rolled.baseAddress!.update(from: source.baseAddress! + (n - 1) * image, count: image)
            }
        }
        switch self {
        case .mixup:
            let (own, other) = (Float(lambda), Float(1 - lambda))
            batch.withUnsafeMutableBufferPointer { x in
                scratch.withUnsafeBufferPointer { r in
                    for i in 0..<x.count { x[i] = own * x[i] + other * r[i] }
                }
            }
            return lambda
        case .cutmix:
            let (centreX, centreY) = (generator.integer(below: w), generator.integer(below: h))
            let half = 0.5 * (1 - lambda).squareRoot()
            let (halfWidth, halfHeight) = (Int(half * Double(w)), Int(half * Double(h)))
            let (x1, x2) = (max(centreX - halfWidth, 0), min(centreX + halfWidth, w))
            let (y1, y2) = (max(centreY - halfHeight, 0), min(centreY + halfHeight, h))
            batch.withUnsafeMutableBufferPointer { x in
                scratch.withUnsafeBufferPointer { r in
                    for plane in 0..<(n * c) {
                        for y in y1..<max(y1, y2) {
                            let row = plane * h * w + y * w
                            for column in x1..<max(x1, x2) { x[row + column] = r[row + column] }
                        }
                    }
                }
            }
            return 1 - Double((x2 - x1) * (y2 - y1)) / Double(w * h)
        }
    }
}
