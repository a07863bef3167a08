import Foundation
import ResultStore

/// The on-disk formats AugBench reads images from.
public enum DatasetFormat: String, Sendable, CaseIterable {
    case idx
    case hdf5
    case pngFolder = "png-folder"
}

/// The part of a dataset: `train` is what splits draw from, `test` is the held-out evaluation set.
public enum DatasetSubset: String, Sendable, CaseIterable {
    case train, test
}

/// A located data source: a format, a path and a subset, resolved to concrete files.
///
/// Accepted paths:
/// - IDX: a folder holding `train-images-idx3-ubyte[.gz]` + `train-labels-idx1-ubyte[.gz]` (and `t10k-` / `test-`
///   files for the test subset; EMNIST's `emnist-NAME-train-...` too), or one image file with its label file beside it.
/// - HDF5: a file; the subsets are the groups `/train` and `/test` when present, otherwise the root is `train`.
/// - PNG folder: a folder of class folders; `train/` and `test/` sub-folders are the subsets when present.
public struct DatasetSource: Sendable, Equatable {
    public let format: DatasetFormat
    /// Absolute path as the user gave it (folder or file).
    public let path: String
    public let subset: DatasetSubset
    /// Options for HDF5 sources; ignored for the other formats.
    public let hdf5Options: HDF5ImageSetIO.ReadOptions
    /// The files this subset is read from (IDX: images then labels; HDF5: the file; PNG: the subset folder).
    public let files: [String]

    public static func == (lhs: DatasetSource, rhs: DatasetSource) -> Bool {
        lhs.format == rhs.format && lhs.path == rhs.path && lhs.subset == rhs.subset && lhs.files == rhs.files
            && lhs.hdf5Options.imagesDataset == rhs.hdf5Options.imagesDataset
            && lhs.hdf5Options.labelsDataset == rhs.hdf5Options.labelsDataset
            && lhs.hdf5Options.valueRange == rhs.hdf5Options.valueRange
    }

    /// Finds the files of `subset` under `path`; throws a one-line error naming what is missing.
    public static func resolve(_ path: String, subset: DatasetSubset = .train, format: DatasetFormat? = nil,
                               hdf5Options: HDF5ImageSetIO.ReadOptions = HDF5ImageSetIO.ReadOptions()) throws -> DatasetSource {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
            throw DatasetError(absolute, "no such file or folder")
        }
        let detected = try format ?? detectFormat(absolute, isDirectory: isDirectory.boolValue)
        switch detected {
        case .idx:
            let (images, labels) = try idxFiles(absolute, isDirectory: isDirectory.boolValue, subset: subset)
            return DatasetSource(format: .idx, path: absolute, subset: subset, hdf5Options: hdf5Options, files: [images, labels])
        case .hdf5:
            var options = hdf5Options
            options.group = try hdf5Group(absolute, subset: subset, options: hdf5Options)
            return DatasetSource(format: .hdf5, path: absolute, subset: subset, hdf5Options: options, files: [absolute])
        case .pngFolder:
            let folder = try pngSubsetFolder(absolute, subset: subset)
            return DatasetSource(format: .pngFolder, path: absolute, subset: subset, hdf5Options: hdf5Options, files: [folder])
        }
    }

    /// The same source, other subset.
    public func withSubset(_ other: DatasetSubset) throws -> DatasetSource {
        var options = hdf5Options
        options.group = "/"
        return try DatasetSource.resolve(path, subset: other, format: format, hdf5Options: options)
    }

    /// Whether the source has its own test subset.
    public var hasTestSubset: Bool { (try? withSubset(.test)) != nil }

    /// Reads the images.
    public func load() throws -> ImageSet {
        var set: ImageSet
        switch format {
        case .idx: set = try IDXReader.load(images: files[0], labels: files[1])
        case .hdf5: set = try HDF5ImageSetIO.load(path, options: hdf5Options)
        case .pngFolder: set = try PNGFolderReader.load(files[0])
        }
        set.source = description
        return set
    }

    /// "idx:/usr/share/datasets/fashion-mnist (train)".
    public var description: String { "\(format.rawValue):\(path) (\(subset.rawValue))" }

    /// SHA-256 of every file this subset reads, and one digest over them all.
    public func fingerprint() throws -> SourceFingerprint {
        var lines: [String] = []
        for file in try contentFiles() {
            let relative = file.hasPrefix(path + "/") ? String(file.dropFirst(path.count + 1)) : (file as NSString).lastPathComponent
            lines.append("\(try SHA256.hex(ofFile: file))  \(relative)")
        }
        return SourceFingerprint(fileDigests: lines)
    }

    private func contentFiles() throws -> [String] {
        switch format {
        case .idx, .hdf5: return files
        case .pngFolder: return try PNGFolderReader.listing(files[0]).flatMap(\.files)
        }
    }

    // MARK: Resolution

    private static func detectFormat(_ path: String, isDirectory: Bool) throws -> DatasetFormat {
        if !isDirectory {
            if H5Probe.isHDF5(path) { return .hdf5 }
            if (path as NSString).lastPathComponent.contains("-idx") { return .idx }
            throw DatasetError(path, "unrecognised file: expected an HDF5 file or an IDX file (*-images-idx3-ubyte[.gz])")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        if entries.contains(where: { $0.contains("-images-idx3-ubyte") }) { return .idx }
        return .pngFolder
    }

    private static func idxFiles(_ path: String, isDirectory: Bool, subset: DatasetSubset) throws -> (String, String) {
        let folder = isDirectory ? path : (path as NSString).deletingLastPathComponent
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        let images: String
        if isDirectory {
            let pattern = subset == .train ? "^(.*-)?train-images-idx3-ubyte(\\.gz)?$" : "^(.*-)?(t10k|test)-images-idx3-ubyte(\\.gz)?$"
            let candidates = entries.filter { $0.range(of: pattern, options: .regularExpression) != nil }
            // A raw and a gzipped copy of the same file are one candidate; the raw one reads faster.
            let distinct = Dictionary(grouping: candidates) { $0.hasSuffix(".gz") ? String($0.dropLast(3)) : $0 }
            guard !distinct.isEmpty else {
                throw DatasetError(path, "no IDX \(subset.rawValue) images (\(subset == .train ? "train" : "t10k or test")-images-idx3-ubyte[.gz])")
            }
            guard distinct.count == 1, let name = distinct.values.first?.sorted().first else {
                throw DatasetError(path, "several IDX \(subset.rawValue) image files (\(distinct.keys.sorted().joined(separator: ", "))): "
                                   + "pass one of them as the path")
            }
            images = (folder as NSString).appendingPathComponent(name)
        } else {
            let name = (path as NSString).lastPathComponent
            guard name.contains("images-idx3") else {
                throw DatasetError(path, "an IDX path must be a folder or an image file (*-images-idx3-ubyte[.gz])")
            }
            if subset == .train {
                images = path
            } else {
                let options = ["t10k", "test"].map { name.replacingOccurrences(of: "train", with: $0) }
                guard let found = options.first(where: { $0 != name && entries.contains($0) }) else {
                    throw DatasetError(path, "no matching IDX test images beside it (\(options.joined(separator: " or ")))")
                }
                images = (folder as NSString).appendingPathComponent(found)
            }
        }
        let imageName = (images as NSString).lastPathComponent
        let labelBase = imageName.replacingOccurrences(of: "images-idx3", with: "labels-idx1")
        let labelOptions = [labelBase, labelBase.hasSuffix(".gz") ? String(labelBase.dropLast(3)) : labelBase + ".gz"]
        guard let labelName = labelOptions.first(where: { entries.contains($0) }) else {
            throw DatasetError(images, "no label file beside it (\(labelBase))")
        }
        return (images, (folder as NSString).appendingPathComponent(labelName))
    }

    private static func hdf5Group(_ path: String, subset: DatasetSubset, options: HDF5ImageSetIO.ReadOptions) throws -> String {
        if options.group != "/" { return options.group }
        let file = try HDF5File.open(path)
        defer { file.close() }
        if file.root.contains("\(subset.rawValue)/\(options.imagesDataset)") { return subset.rawValue }
        if subset == .train, file.root.contains(options.imagesDataset) { return "/" }
        if subset == .test {
            throw DatasetError(path, "has no test subset (no /test/\(options.imagesDataset) dataset)")
        }
        throw DatasetError(path, "has no images dataset '\(options.imagesDataset)' (nor /train/\(options.imagesDataset)); "
                           + "name it with --images-dataset")
    }

    private static func pngSubsetFolder(_ path: String, subset: DatasetSubset) throws -> String {
        let subsetFolder = (path as NSString).appendingPathComponent(subset.rawValue)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: subsetFolder, isDirectory: &isDirectory), isDirectory.boolValue {
            return subsetFolder
        }
        if subset == .train { return path }
        throw DatasetError(path, "has no test subset (no test/ folder of class folders)")
    }
}

/// SHA-256 digests of a source's files, in `sha256sum` format, and one digest over those lines.
public struct SourceFingerprint: Sendable, Equatable {
    /// Lines "HEX  relative/path", as `sha256sum` prints them.
    public let fileDigests: [String]

    public init(fileDigests: [String]) { self.fileDigests = fileDigests }

    /// SHA-256 of the lines joined with newlines (one value to compare).
    public var combined: String { SHA256.hex(of: Array(fileDigests.joined(separator: "\n").utf8)) }
}
