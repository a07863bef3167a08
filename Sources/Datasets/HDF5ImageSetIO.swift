import Foundation
import ResultStore
import Tensors

/// Reading labelled images from HDF5 files (AugBench's own exports or files made with h5py), and writing them.
///
/// Written layout (kind "imageset"; see docs/FILE-FORMATS.md):
/// `/images` uint8 [N, C, H, W] (0 -> -1, 255 -> +1) or float32 [N, C, H, W] in [-1, 1], with attribute
/// `value_range`; `/labels` int64 [N]; root attributes `class_names`, `source`.
public enum HDF5ImageSetIO {
    /// Options for files not written by AugBench.
    public struct ReadOptions: Sendable {
        /// Name of the images dataset (rank 3 N,H,W; rank 4 N,C,H,W or N,H,W,C).
        public var imagesDataset = "images"
        /// Name of the labels dataset (integers, rank 1 or N x 1).
        public var labelsDataset = "labels"
        /// Range the stored values span, mapped linearly onto [-1, 1]. `nil`: the `value_range` attribute, else
        /// [0, 255] for uint8, else inferred from the data ([-1, 1], [0, 1] or [0, 255]).
        public var valueRange: ClosedRange<Double>?
        /// Group holding the datasets ("train", "test" or "/").
        public var group = "/"

        /// Options naming the datasets and value range; the defaults read AugBench's own files.
        public init(imagesDataset: String = "images", labelsDataset: String = "labels",
                    valueRange: ClosedRange<Double>? = nil, group: String = "/") {
            self.imagesDataset = imagesDataset
            self.labelsDataset = labelsDataset
            self.valueRange = valueRange
            self.group = group
        }
    }

    /// Loads images and labels from `path`.
    public static func load(_ path: String, options: ReadOptions = ReadOptions()) throws -> ImageSet {
        let file = try HDF5File.open(path)
        defer { file.close() }
        let group = options.group == "/" ? file.root : try file.root.group(options.group)
        let imagesName = options.imagesDataset, labelsName = options.labelsDataset
        // Full dataset paths, for messages.
        let imagesPath = group.path == "/" ? "/\(imagesName)" : "\(group.path)/\(imagesName)"
        let labelsPath = group.path == "/" ? "/\(labelsName)" : "\(group.path)/\(labelsName)"
        let info = try group.datasetInfo(imagesName)
        guard let elementType = info.elementType else {
            throw ResultStoreError(path, "dataset \(imagesPath) holds \(info.typeDescription), expected uint8 or float pixels")
        }
        let (values, shape) = try group.readConverting(imagesName, as: Float.self)
        // A NaN or infinity would pass through every network and come out as a meaningless accuracy or FID.
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            let perImage = shape.dropFirst().reduce(1, *)
            throw ResultStoreError(path, "dataset \(imagesPath) holds \(values[bad]) in image \(bad / max(1, perImage)): pixels must be finite numbers")
        }
        let declared = group.hasAttribute("layout", on: imagesName) ? try group.stringAttribute("layout", on: imagesName) : nil
        let layout = try imageLayout(shape, declared: declared, path: path, name: imagesPath)
        let range = try options.valueRange ?? storedRange(group, imagesName, elementType, values, path: path, label: imagesPath)
        var images = try Tensor(shape: shape, storage: values)
        if layout.channelsLast { images = channelsFirst(images) }
        images = try images.reshaped([layout.count, layout.channels, layout.height, layout.width])
        if range != -1...1 {
            // (v - low) / halfSpan - 1: for [0, 255] this is exactly v / 127.5 - 1, the IDX reader's arithmetic,
            // so an exported dataset reads back bit-identical.
            let halfSpan = Float((range.upperBound - range.lowerBound) / 2), low = Float(range.lowerBound)
            images.withUnsafeMutableBufferPointer { buffer in
                for i in buffer.indices { buffer[i] = (buffer[i] - low) / halfSpan - 1 }
            }
        }

        let (labelValues, labelShape) = try group.readConverting(labelsName, as: Int64.self)
        guard labelShape.count == 1 || (labelShape.count == 2 && labelShape[1] == 1) else {
            throw ResultStoreError(path, "dataset \(labelsPath) has shape \(labelShape), expected [N] or [N, 1]")
        }
        let labelInfo = try group.datasetInfo(labelsName)
        guard labelInfo.elementType?.isInteger ?? labelInfo.typeDescription.contains("int") else {
            throw ResultStoreError(path, "dataset \(labelsPath) holds \(labelInfo.typeDescription), expected integer labels")
        }
        guard labelShape[0] == layout.count else {
            throw ResultStoreError(path, "\(layout.count) images in \(imagesPath) but \(labelShape[0]) labels in \(labelsPath)")
        }
        if let negative = labelValues.first(where: { $0 < 0 }) {
            throw ResultStoreError(path, "dataset \(labelsPath) contains the negative label \(negative)")
        }
        // Labels are class indices 0...C-1: a huge one would make a class count no memory holds.
        if let huge = labelValues.first(where: { $0 >= Int64(ImageSet.maximumClassCount) }) {
            throw ResultStoreError(path, "dataset \(labelsPath) contains the label \(huge): labels are class indices below \(ImageSet.maximumClassCount)")
        }
        let labels = labelValues.map { Int($0) }
        let classCount = (labels.max() ?? 0) + 1
        var names: [String]
        if group.hasAttribute("class_names") {
            names = try group.stringArrayAttribute("class_names")
        } else if file.root.hasAttribute("class_names") {
            names = try file.root.stringArrayAttribute("class_names")
        } else if group.hasAttribute("class_names", on: labelsName) {
            names = try group.stringArrayAttribute("class_names", on: labelsName)
        } else {
            names = KnownClassNames.guess(path: path, classCount: classCount)
        }
        guard names.count >= classCount else {
            throw ResultStoreError(path, "labels go up to \(classCount - 1) but class_names lists \(names.count) classes")
        }
        let source = options.group == "/" ? path : "\(path):\(options.group)"
        return try ImageSet(images: images, labels: labels, classNames: names, source: source)
    }

    private struct Layout { let count, channels, height, width: Int; let channelsLast: Bool }

    /// Reads the `layout` attribute ("NCHW" or "NHWC") when present; otherwise a rank-4 shape is N,C,H,W when its
    /// second extent is 1 or 3, else N,H,W,C when its last extent is 1 or 3.
    private static func imageLayout(_ shape: [Int], declared: String?, path: String, name: String) throws -> Layout {
        switch (shape.count, declared?.uppercased()) {
        case (3, _):
            return Layout(count: shape[0], channels: 1, height: shape[1], width: shape[2], channelsLast: false)
        case (4, "NCHW"?):
            return Layout(count: shape[0], channels: shape[1], height: shape[2], width: shape[3], channelsLast: false)
        case (4, "NHWC"?):
            return Layout(count: shape[0], channels: shape[3], height: shape[1], width: shape[2], channelsLast: true)
        case (4, let other?):
            throw ResultStoreError(path, "dataset \(name) has layout attribute '\(other)', expected NCHW or NHWC")
        case (4, nil) where shape[1] == 1 || shape[1] == 3:
            return try imageLayout(shape, declared: "NCHW", path: path, name: name)
        case (4, nil) where shape[3] == 1 || shape[3] == 3:
            return try imageLayout(shape, declared: "NHWC", path: path, name: name)
        case (4, nil):
            throw ResultStoreError(path, "dataset \(name) has shape \(shape): neither N,C,H,W nor N,H,W,C with 1 or 3 channels")
        default:
            throw ResultStoreError(path, "dataset \(name) has rank \(shape.count) (shape \(shape)), expected rank 3 (N,H,W) or 4 (N,C,H,W)")
        }
    }

    private static func storedRange(_ group: HDF5Group, _ name: String, _ type: HDF5ElementType, _ values: [Float],
                                    path: String, label: String) throws -> ClosedRange<Double> {
        if group.hasAttribute("value_range", on: name) {
            let bounds: [Double] = try group.arrayAttribute("value_range", on: name)
            guard bounds.count == 2, bounds[0] < bounds[1] else {
                throw ResultStoreError(path, "attribute value_range on \(label) must be two increasing numbers, got \(bounds)")
            }
            return bounds[0]...bounds[1]
        }
        if type == .uint8 { return 0...255 }
        let low = Double(values.min() ?? 0), high = Double(values.max() ?? 0)
        if low >= -1, high <= 1, low < 0 { return -1...1 }
        if low >= 0, high <= 1 { return 0...1 }
        if low >= 0, high <= 255 { return 0...255 }
        throw ResultStoreError(path, "cannot tell the value range of \(label) (values span \(low)...\(high)); "
                               + "set a value_range attribute or pass --value-range")
    }

    private static func channelsFirst(_ nhwc: Tensor) -> Tensor {
        let (n, h, w, c) = (nhwc.shape[0], nhwc.shape[1], nhwc.shape[2], nhwc.shape[3])
        var out = Tensor(shape: [n, c, h, w])
        nhwc.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                for image in 0..<n {
                    for pixel in 0..<(h * w) {
                        for channel in 0..<c {
                            output[(image * c + channel) * h * w + pixel] = input[(image * h * w + pixel) * c + channel]
                        }
                    }
                }
            }
        }
        return out
    }

    /// Pixel storage for `write`.
    public enum PixelType: String, Sendable, CaseIterable {
        /// 8-bit, lossless for 8-bit sources, 4x smaller.
        case uint8
        /// float32 in [-1, 1], lossless for anything AugBench holds in memory.
        case float32
    }

    /// Writes `set` into `group` using AugBench's image set layout (gzip-compressed).
    public static func write(_ set: ImageSet, into group: HDF5Group, pixels: PixelType = .uint8) throws {
        switch pixels {
        case .uint8:
            try group.write("images", ImageSet.quantize(set.images), shape: set.images.shape, compression: .gzip(level: 4))
            try group.setAttribute("value_range", [0.0, 255.0], on: "images")
        case .float32:
            try group.write("images", set.images, compression: .gzip(level: 4))
            try group.setAttribute("value_range", [-1.0, 1.0], on: "images")
        }
        try group.setAttribute("layout", "NCHW", on: "images")
        try group.write("labels", set.labels.map { Int64($0) }, shape: [set.count], compression: .gzip(level: 4))
        try group.setAttribute("class_names", set.classNames)
        try group.setAttribute("source", set.source)
    }

    /// Writes `set` to a new file of kind "imageset" at `path` (atomically); `annotate` adds root attributes
    /// (how the images were made).
    public static func write(_ set: ImageSet, to path: String, pixels: PixelType = .uint8,
                             annotate: (HDF5Group) throws -> Void = { _ in }) throws {
        let file = try HDF5File.create(path, kind: .imageset)
        try write(set, into: file.root, pixels: pixels)
        try annotate(file.root)
        try file.commit()
    }

    /// Writes the subsets of a dataset to a new file of kind "imageset", each in its group (/train, /test).
    public static func write(subsets: [(subset: DatasetSubset, set: ImageSet)], to path: String, pixels: PixelType = .uint8) throws {
        let file = try HDF5File.create(path, kind: .imageset)
        for (subset, set) in subsets { try write(set, into: file.root.createGroup(subset.rawValue), pixels: pixels) }
        try file.commit()
    }
}
