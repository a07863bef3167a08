import Foundation
import ResultStore

/// The on-disk formats AugBench reads images from.
public enum DatasetFormat: String, Sendable, CaseIterable {
    /// IDX files (MNIST and its relatives), raw or gzipped.
    case idx
    /// An HDF5 file: an AugBench image or sample set, or one written with h5py.
    case hdf5
    /// A folder of class folders of PNG files.
    case pngFolder = "png-folder"
}

/// The part of a dataset: `train` is what splits draw from, `test` is the held-out evaluation set.
public enum DatasetSubset: String, Sendable, CaseIterable {
    /// `train` or `test`, also the name of the subset's HDF5 group or folder.
    case train, test
}

/// A located data source: a format, a path and a subset, resolved to concrete files.
///
/// Accepted paths, and what they mean in every command:
/// - IDX: a folder holding `train-images-idx3-ubyte[.gz]` + `train-labels-idx1-ubyte[.gz]` and `t10k-` / `test-`
///   files (EMNIST's `emnist-NAME-train-...` too): a dataset with train and test subsets. One image file (with its
///   label file beside it) is the one set it holds, whatever its name.
/// - HDF5: a file with the groups `/train` and/or `/test`: those are the subsets; otherwise the root's image set is
///   the one set the file holds (an AugBench sample set, an exported image set).
/// - PNG folder: a folder of class folders is one set; `train/` and `test/` sub-folders make it a dataset with subsets.
///
/// A dataset with subsets gives the subset asked for, or the command's default. A single set is used whole when
/// no subset is asked for, and also for `train` (split files record single sets that way); asking a single set
/// for its `test` subset is an error, so two options can never silently name the same images.
public struct DatasetSource: Sendable, Equatable {
    /// The format the files are read as (detected unless given).
    public let format: DatasetFormat
    /// Absolute path as the user gave it (folder or file).
    public let path: String
    /// The subset this source reads (`train` for a single set).
    public let subset: DatasetSubset
    /// The path holds one set, not train and test subsets (`subset` is then `train`).
    public let isSingleSet: Bool
    /// Options for HDF5 sources; ignored for the other formats.
    public let hdf5Options: HDF5ImageSetIO.ReadOptions
    /// The files this subset is read from (IDX: images then labels; HDF5: the file; PNG: the subset folder).
    public let files: [String]

    public static func == (lhs: DatasetSource, rhs: DatasetSource) -> Bool {
        lhs.format == rhs.format && lhs.path == rhs.path && lhs.subset == rhs.subset && lhs.isSingleSet == rhs.isSingleSet
            && lhs.files == rhs.files
            && lhs.hdf5Options.imagesDataset == rhs.hdf5Options.imagesDataset
            && lhs.hdf5Options.labelsDataset == rhs.hdf5Options.labelsDataset
            && lhs.hdf5Options.valueRange == rhs.hdf5Options.valueRange
    }

    /// Finds the files of `subset` under `path` (of `defaultSubset` when none is asked for); throws a one-line
    /// error naming what is missing.
    public static func resolve(_ path: String, subset: DatasetSubset? = nil, defaultSubset: DatasetSubset = .train,
                               format: DatasetFormat? = nil,
                               hdf5Options: HDF5ImageSetIO.ReadOptions = HDF5ImageSetIO.ReadOptions()) throws -> DatasetSource {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
            throw DatasetError(absolute, "no such file or folder")
        }
        let detected = try format ?? detectFormat(absolute, isDirectory: isDirectory.boolValue)
        let hasSubsets: Bool
        switch detected {
        case .idx: hasSubsets = isDirectory.boolValue
        case .hdf5: hasSubsets = try hdf5HasSubsets(absolute, options: hdf5Options)
        case .pngFolder: hasSubsets = ["train", "test"].contains { isFolder((absolute as NSString).appendingPathComponent($0)) }
        }
        if !hasSubsets && subset == .test {
            throw DatasetError(absolute, "holds one set, not train and test subsets: it has no test subset")
        }
        let chosen = hasSubsets ? subset ?? defaultSubset : .train
        func made(_ files: [String], _ options: HDF5ImageSetIO.ReadOptions = hdf5Options) -> DatasetSource {
            DatasetSource(format: detected, path: absolute, subset: chosen, isSingleSet: !hasSubsets, hdf5Options: options, files: files)
        }
        switch detected {
        case .idx:
            let (images, labels) = try idxFiles(absolute, isDirectory: isDirectory.boolValue, subset: chosen)
            return made([images, labels])
        case .hdf5:
            var options = hdf5Options
            options.group = try hdf5Group(absolute, subset: hasSubsets ? chosen : nil, options: hdf5Options)
            return made([absolute], options)
        case .pngFolder:
            return made([hasSubsets ? try pngSubsetFolder(absolute, subset: chosen) : absolute])
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
        let key = try decodedSetKey()
        if let cached = DecodedSetCache.shared.set(for: key) { return cached }
        var set: ImageSet
        switch format {
        case .idx: set = try IDXReader.load(images: files[0], labels: files[1])
        case .hdf5: set = try HDF5ImageSetIO.load(path, options: hdf5Options)
        case .pngFolder: set = try PNGFolderReader.load(files[0])
        }
        set.source = description
        DecodedSetCache.shared.store(set, for: key)
        return set
    }

    /// What a decoded set depends on: the source, how it is read, and the size and modification time of every
    /// file it reads (a file rewritten in between is decoded again).
    private func decodedSetKey() throws -> String {
        let options = [hdf5Options.group, hdf5Options.imagesDataset, hdf5Options.labelsDataset,
                       hdf5Options.valueRange.map { "\($0)" } ?? ""]
        let stamps = try contentFiles().map { file -> String in
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(file):\(attributes[.size] ?? 0):\(modified)"
        }
        return ([description] + options + stamps).joined(separator: "\n")
    }

    /// "idx:/usr/share/datasets/fashion-mnist (train)"; a single set without the subset.
    public var description: String { isSingleSet ? "\(format.rawValue):\(path)" : "\(format.rawValue):\(path) (\(subset.rawValue))" }

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
        let folder = isDirectory ? path : PathName.parent(of: path)
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
            guard (path as NSString).lastPathComponent.contains("images-idx3") else {
                throw DatasetError(path, "an IDX path must be a folder or an image file (*-images-idx3-ubyte[.gz])")
            }
            images = path
        }
        let imageName = (images as NSString).lastPathComponent
        let labelBase = imageName.replacingOccurrences(of: "images-idx3", with: "labels-idx1")
        let labelOptions = [labelBase, labelBase.hasSuffix(".gz") ? String(labelBase.dropLast(3)) : labelBase + ".gz"]
        guard let labelName = labelOptions.first(where: { entries.contains($0) }) else {
            throw DatasetError(images, "no label file beside it (\(labelBase))")
        }
        return (images, (folder as NSString).appendingPathComponent(labelName))
    }

    private static func hdf5HasSubsets(_ path: String, options: HDF5ImageSetIO.ReadOptions) throws -> Bool {
        if options.group != "/" { return false }
        let file = try HDF5File.open(path)
        defer { file.close() }
        return ["train", "test"].contains { file.root.contains("\($0)/\(options.imagesDataset)") }
    }

    /// The group holding the images: the subset's group, or the one set's (`subset` nil).
    private static func hdf5Group(_ path: String, subset: DatasetSubset?, options: HDF5ImageSetIO.ReadOptions) throws -> String {
        if options.group != "/" { return options.group }
        let file = try HDF5File.open(path)
        defer { file.close() }
        if let subset {
            guard file.root.contains("\(subset.rawValue)/\(options.imagesDataset)") else {
                throw DatasetError(path, "has no \(subset.rawValue) subset (no /\(subset.rawValue)/\(options.imagesDataset) dataset)")
            }
            return subset.rawValue
        }
        guard file.root.contains(options.imagesDataset) else {
            throw DatasetError(path, "has no images dataset '\(options.imagesDataset)' (nor /train/\(options.imagesDataset)); "
                               + "name it with --images-dataset")
        }
        return "/"
    }

    private static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func pngSubsetFolder(_ path: String, subset: DatasetSubset) throws -> String {
        let folder = (path as NSString).appendingPathComponent(subset.rawValue)
        guard isFolder(folder) else { throw DatasetError(path, "has no \(subset.rawValue) subset (no \(subset.rawValue)/ folder of class folders)") }
        return folder
    }
}

/// SHA-256 digests of a source's files, in `sha256sum` format, and one digest over those lines.
public struct SourceFingerprint: Sendable, Equatable {
    /// Lines "HEX  relative/path", as `sha256sum` prints them.
    public let fileDigests: [String]

    /// A fingerprint from its `sha256sum` lines (as a split file records them).
    public init(fileDigests: [String]) { self.fileDigests = fileDigests }

    /// SHA-256 of the lines joined with newlines (one value to compare).
    public var combined: String { SHA256.hex(of: Array(fileDigests.joined(separator: "\n").utf8)) }
}

/// Decoded image sets of this process: a protocol's units load the same dataset dozens of times, and decoding
/// Fashion-MNIST's 60,000 training images takes about a second. Holds the two most recent sets (a train and a
/// test subset); `ImageSet` is a value, so callers get their own copy on write.
final class DecodedSetCache: @unchecked Sendable {
    static let shared = DecodedSetCache()
    private let lock = NSLock()
    private var entries: [(key: String, set: ImageSet)] = []
    private let capacity = 2

    func set(for key: String) -> ImageSet? {
        lock.lock()
        defer { lock.unlock() }
        guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
        let entry = entries.remove(at: index)
        entries.append(entry)
        return entry.set
    }

    func store(_ set: ImageSet, for key: String) {
        lock.lock()
        defer { lock.unlock() }
        entries.removeAll { $0.key == key }
        entries.append((key, set))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }
}
