import Tensors

/// Labelled images in memory: N x C x H x W `Float` in [-1, 1], one integer label per image.
///
/// Pixel values from 8-bit sources map as `v / 127.5 - 1`, the same float arithmetic as PyTorch's
/// `x / 127.5 - 1`, so both sides see bit-identical inputs.
public struct ImageSet: Sendable {
    /// Images, shape [N, C, H, W], values in [-1, 1].
    public var images: Tensor
    /// Class index of each image, in 0..<classNames.count.
    public var labels: [Int]
    /// Human-readable class names; their count is the number of classes.
    public var classNames: [String]
    /// Where the images came from (a path and subset, for logs and reports).
    public var source: String

    /// Checks that shapes, labels and class names agree.
    public init(images: Tensor, labels: [Int], classNames: [String], source: String) throws {
        guard images.rank == 4 else {
            throw DatasetError(source, "images must have shape [N, C, H, W], got \(images.shape)")
        }
        guard images.shape[0] == labels.count else {
            throw DatasetError(source, "\(images.shape[0]) images but \(labels.count) labels")
        }
        guard !classNames.isEmpty else { throw DatasetError(source, "no class names") }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classNames.count }) {
            throw DatasetError(source, "label \(bad) outside 0..<\(classNames.count) (the number of classes)")
        }
        self.images = images
        self.labels = labels
        self.classNames = classNames
        self.source = source
    }

    /// Number of images.
    public var count: Int { labels.count }

    /// Throws when the set holds no images (a zero-image IDX pair reads fine): every stage but `data info` needs some.
    public func requireImages(for purpose: String) throws {
        if count == 0 { throw DatasetError(source, "holds no images; \(purpose) needs at least one") }
    }
    /// Channels per image: 1 for grayscale, 3 for RGB.
    public var channels: Int { images.shape[1] }
    /// Image height in pixels.
    public var height: Int { images.shape[2] }
    /// Image width in pixels.
    public var width: Int { images.shape[3] }
    /// Number of classes: the class names, including any class without images.
    public var classCount: Int { classNames.count }

    /// The most classes a set may have (readers refuse larger labels: ImageNet-21k has about 21,800).
    public static let maximumClassCount = 100_000
    /// [C, H, W] of one image.
    public var imageShape: [Int] { Array(images.shape.dropFirst()) }

    /// Number of images of each class.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// Indices of the images of each class, ascending.
    public func indicesByClass() -> [[Int]] {
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() { byClass[label].append(index) }
        return byClass
    }

    /// Indices of a grid with a row of `perClass` random images per class; a class with fewer images repeats them
    /// so rows stay aligned, an empty class has no row.
    public func gridSelection(perClass: Int, seed: UInt64) -> [Int] {
        var generator = RandomGenerator(seed: seed)
        var chosen: [Int] = []
        for var indices in indicesByClass() where !indices.isEmpty {
            generator.shuffle(&indices)
            let picked = Array(indices.prefix(perClass))
            chosen += (0..<perClass).map { picked[$0 % picked.count] }
        }
        return chosen
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int], source: String? = nil) -> ImageSet {
        // Labels were validated when self was built, so the subset is valid by construction.
        // swiftlint:disable:next force_try
        try! ImageSet(images: images.gathering(indices), labels: indices.map { labels[$0] },
                      classNames: classNames, source: source ?? self.source)
    }

    /// Per-channel statistics of the pixel values (in [-1, 1]), computed in Float64.
    public func pixelStatistics() -> [ChannelStatistics] {
        let plane = height * width
        var sums = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        var minima = [Float](repeating: .infinity, count: channels)
        var maxima = [Float](repeating: -.infinity, count: channels)
        images.withUnsafeBufferPointer { pixels in
            for image in 0..<count {
                for channel in 0..<channels {
                    let base = (image * channels + channel) * plane
                    var sum = 0.0, square = 0.0
                    var low = minima[channel], high = maxima[channel]
                    for i in base..<(base + plane) {
                        let v = pixels[i]
                        sum += Double(v)
                        square += Double(v) * Double(v)
                        low = min(low, v)
                        high = max(high, v)
                    }
                    sums[channel] += sum
                    squares[channel] += square
                    minima[channel] = low
                    maxima[channel] = high
                }
            }
        }
        let n = Double(max(1, count * plane))
        return (0..<channels).map { channel in
            let mean = sums[channel] / n
            let variance = max(0, squares[channel] / n - mean * mean)
            return ChannelStatistics(mean: mean, std: variance.squareRoot(),
                                     min: Double(minima[channel]), max: Double(maxima[channel]))
        }
    }

    /// Converts 8-bit pixels to [-1, 1] (v / 127.5 - 1).
    public static func normalize(_ bytes: [UInt8], shape: [Int]) -> Tensor {
        var tensor = Tensor(shape: shape)
        tensor.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                for i in 0..<input.count { out[i] = Float(input[i]) / 127.5 - 1 }
            }
        }
        return tensor
    }

    /// Converts [-1, 1] values back to 8-bit pixels, rounding to nearest and clamping.
    public static func quantize(_ tensor: Tensor) -> [UInt8] {
        tensor.withUnsafeBufferPointer { values in
            values.map { v -> UInt8 in
                let scaled = ((v + 1) * 127.5).rounded()
                return UInt8(scaled.isNaN ? 0 : min(255, max(0, scaled)))
            }
        }
    }
}

/// Mean, standard deviation and range of one channel's pixel values.
public struct ChannelStatistics: Sendable, Equatable {
    /// Mean pixel value, in [-1, 1].
    public let mean: Double
    /// Population standard deviation of the pixel values.
    public let std: Double
    /// Smallest pixel value.
    public let min: Double
    /// Largest pixel value.
    public let max: Double
}
