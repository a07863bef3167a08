import Foundation
import ResultStore
import Tensors

/// A split stored in HDF5 (kind "split"): indices into a source plus the source's path and checksums, so the file
/// stays small and a changed source is detected when the split is loaded.
///
/// Layout (see docs/FILE-FORMATS.md): datasets `train_indices`, `validation_indices`, `test_indices` (int64),
/// `train_per_class` (int64); root attributes `split_kind`, `seed`, `validation_per_class`, `test_per_class`,
/// `class_names`; groups `source` and (when the source's own test subset is used) `test_source`, each with the
/// attributes `format`, `path`, `subset`, `sha256`, `file_sha256`, `count`, `images_dataset`, `labels_dataset`.
public struct SplitFile: Sendable {
    /// The indices of the training, validation and held-out test images.
    public let split: Split
    /// The data source (and subset) the indices point into.
    public let source: DatasetSource
    /// Checksums of the source's files when the split was made.
    public let sourceFingerprint: SourceFingerprint
    /// The evaluation set when it is the source's own test subset; `nil` when `split.test` holds it.
    public let testSource: DatasetSource?
    /// Checksums of `testSource`'s files when the split was made; nil without a test source.
    public let testFingerprint: SourceFingerprint?
    /// The source's class names, in label order.
    public let classNames: [String]
    /// Number of images in the source subset the indices point into.
    public let sourceCount: Int

    /// Draws a split from `source` (the subset it names) and fingerprints the files involved.
    public static func make(source: DatasetSource, plan: SplitPlan) throws -> SplitFile {
        let data = try source.load()
        let split = try Split.draw(labels: data.labels, classNames: data.classNames, plan: plan, source: source.path)
        var testSource: DatasetSource?
        if plan.testPerClass == 0 {
            guard let test = try? source.withSubset(.test) else {
                throw DatasetError(source.path, "has no test subset: hold test images out of it with --test-per-class N")
            }
            // A split of the test subset cannot use that subset as its evaluation set too.
            guard test != source else {
                throw DatasetError(source.path, "the split draws from the test subset, so hold its test images out with --test-per-class N")
            }
            testSource = test
        }
        return SplitFile(split: split, source: source, sourceFingerprint: try source.fingerprint(),
                         testSource: testSource, testFingerprint: try testSource?.fingerprint(),
                         classNames: data.classNames, sourceCount: data.count)
    }

    /// The same split with `extra[c]` more training images of each class c, drawn (seeded) from the source images
    /// the split does not use yet; validation and test images stay the same. The "more real data" ceiling of an
    /// experiment: its training set contains the smaller one, so the two are compared on the same footing.
    public func withMoreTraining(_ extra: [Int], seed: UInt64) throws -> SplitFile {
        guard extra.count == classNames.count, extra.allSatisfy({ $0 >= 0 }) else {
            throw DatasetError(source.path, "more training images: need one non-negative count per class (\(classNames.count))")
        }
        let labels = try loadSource().labels
        let used = Set(split.train + split.validation + split.test)
        var generator = RandomGenerator(seed: seed).derived(7)
        var added: [Int] = []
        for (label, count) in extra.enumerated() {
            var free = labels.indices.filter { labels[$0] == label && !used.contains($0) }
            guard free.count >= count else {
                throw DatasetError(source.path, "class \(label) ('\(classNames[label])') has \(free.count) unused images, \(count) more are needed")
            }
            generator.shuffle(&free)
            added += free.prefix(count)
        }
        let plan = SplitPlan(trainPerClass: zip(split.plan.trainPerClass, extra).map { $0 + $1 }, validationPerClass: split.plan.validationPerClass,
                             testPerClass: split.plan.testPerClass, seed: split.plan.seed)
        return SplitFile(split: Split(plan: plan, train: (split.train + added).sorted(), validation: split.validation, test: split.test),
                         source: source, sourceFingerprint: sourceFingerprint, testSource: testSource, testFingerprint: testFingerprint,
                         classNames: classNames, sourceCount: sourceCount)
    }

    /// Writes the split atomically to `path`.
    public func write(to path: String) throws {
        let file = try HDF5File.create(path, kind: .split)
        let root = file.root
        try root.write("train_indices", split.train.map { Int64($0) }, shape: [split.train.count])
        try root.write("validation_indices", split.validation.map { Int64($0) }, shape: [split.validation.count])
        try root.write("test_indices", split.test.map { Int64($0) }, shape: [split.test.count])
        try root.write("train_per_class", split.plan.trainPerClass.map { Int64($0) }, shape: [split.plan.trainPerClass.count])
        try root.setAttribute("split_kind", split.plan.kind)
        try root.setAttribute("seed", Int64(bitPattern: split.plan.seed))
        try root.setAttribute("validation_per_class", Int64(split.plan.validationPerClass))
        try root.setAttribute("test_per_class", Int64(split.plan.testPerClass))
        try root.setAttribute("class_names", classNames)
        try Self.writeSource(source, sourceFingerprint, count: sourceCount, into: root.createGroup("source"))
        if let testSource, let testFingerprint {
            try Self.writeSource(testSource, testFingerprint, count: nil, into: root.createGroup("test_source"))
        }
        try file.commit()
    }

    private static func writeSource(_ source: DatasetSource, _ fingerprint: SourceFingerprint, count: Int?,
                                    into group: HDF5Group) throws {
        try group.setAttribute("format", source.format.rawValue)
        try group.setAttribute("path", source.path)
        try group.setAttribute("subset", source.subset.rawValue)
        try group.setAttribute("sha256", fingerprint.combined)
        try group.setAttribute("file_sha256", fingerprint.fileDigests)
        try group.setAttribute("images_dataset", source.hdf5Options.imagesDataset)
        try group.setAttribute("labels_dataset", source.hdf5Options.labelsDataset)
        if let range = source.hdf5Options.valueRange {
            try group.setAttribute("value_range", [range.lowerBound, range.upperBound])
        }
        if let count { try group.setAttribute("count", Int64(count)) }
    }

    /// Reads a split file and checks that its sources still exist and have the recorded checksums.
    public static func read(_ path: String, verifySources: Bool = true) throws -> SplitFile {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(.split)
        let root = file.root
        func indices(_ name: String) throws -> [Int] { try root.read(name, as: Int64.self, rank: 1).values.map { Int($0) } }
        let classNames = try root.stringArrayAttribute("class_names")
        let trainPerClass = try indices("train_per_class")
        guard trainPerClass.count == classNames.count else {
            throw ResultStoreError(path, "train_per_class has \(trainPerClass.count) entries for \(classNames.count) classes")
        }
        let plan = SplitPlan(trainPerClass: trainPerClass,
                             validationPerClass: Int(try root.attribute("validation_per_class", as: Int64.self)),
                             testPerClass: Int(try root.attribute("test_per_class", as: Int64.self)),
                             seed: UInt64(bitPattern: try root.attribute("seed", as: Int64.self)))
        let split = Split(plan: plan, train: try indices("train_indices"), validation: try indices("validation_indices"),
                          test: try indices("test_indices"))
        let (source, fingerprint, count) = try readSource(root.group("source"), splitPath: path, verify: verifySources)
        var testSource: DatasetSource?, testFingerprint: SourceFingerprint?
        if root.contains("test_source") {
            (testSource, testFingerprint, _) = try readSource(root.group("test_source"), splitPath: path, verify: verifySources)
        }
        guard let count else { throw ResultStoreError(path, "source group lacks the 'count' attribute") }
        let all = split.train + split.validation + split.test
        if let bad = all.first(where: { $0 < 0 || $0 >= count }) {
            throw ResultStoreError(path, "index \(bad) outside the source's \(count) images")
        }
        guard Set(all).count == all.count else {
            throw ResultStoreError(path, "train, validation and test indices overlap")
        }
        return SplitFile(split: split, source: source, sourceFingerprint: fingerprint, testSource: testSource,
                         testFingerprint: testFingerprint, classNames: classNames, sourceCount: count)
    }

    private static func readSource(_ group: HDF5Group, splitPath: String,
                                   verify: Bool) throws -> (DatasetSource, SourceFingerprint, Int?) {
        let formatName = try group.stringAttribute("format")
        guard let format = DatasetFormat(rawValue: formatName) else {
            throw ResultStoreError(splitPath, "unknown source format '\(formatName)' in \(group.path)")
        }
        guard let subset = DatasetSubset(rawValue: try group.stringAttribute("subset")) else {
            throw ResultStoreError(splitPath, "unknown subset in \(group.path)")
        }
        var options = HDF5ImageSetIO.ReadOptions(imagesDataset: try group.stringAttribute("images_dataset"),
                                                 labelsDataset: try group.stringAttribute("labels_dataset"))
        if group.hasAttribute("value_range") {
            let bounds: [Double] = try group.arrayAttribute("value_range")
            if bounds.count == 2, bounds[0] < bounds[1] { options.valueRange = bounds[0]...bounds[1] }
        }
        let recorded = SourceFingerprint(fileDigests: try group.stringArrayAttribute("file_sha256"))
        let count = group.hasAttribute("count") ? Int(try group.attribute("count", as: Int64.self)) : nil
        let sourcePath = try group.stringAttribute("path")
        let source: DatasetSource
        do {
            source = try DatasetSource.resolve(sourcePath, subset: subset, format: format, hdf5Options: options)
        } catch let error as DatasetError {
            throw DatasetError(splitPath, "its source is unavailable: \(error.description)")
        }
        if verify {
            let current = try source.fingerprint()
            guard current == recorded else {
                let changed = zip(current.fileDigests, recorded.fileDigests).first { $0 != $1 }.map { "now \($0.0), recorded \($0.1)" }
                throw DatasetError(splitPath, "source \(sourcePath) (\(subset.rawValue)) changed since the split was made "
                                   + "(checksum \(changed ?? "file list differs")); re-create the split")
            }
        }
        return (source, recorded, count)
    }

    /// The images of the split: training, validation and test sets.
    public func load() throws -> SplitData {
        let data = try loadSource()
        let test = try testSource.map { try $0.load() } ?? data.subset(split.test, source: "\(source.description) held-out test")
        return SplitData(train: data.subset(split.train, source: "\(source.description) split train"),
                         validation: data.subset(split.validation, source: "\(source.description) split validation"),
                         test: test)
    }

    /// The training and validation images only: a separate test source is never opened (GANs and the samples
    /// made from them must not see the test set).
    public func loadTrainingImages() throws -> (train: ImageSet, validation: ImageSet) {
        let data = try loadSource()
        return (data.subset(split.train, source: "\(source.description) split train"),
                data.subset(split.validation, source: "\(source.description) split validation"))
    }

    private func loadSource() throws -> ImageSet {
        let data = try source.load()
        guard data.count == sourceCount else {
            throw DatasetError(source.path, "has \(data.count) images, the split was made on \(sourceCount)")
        }
        return data
    }
}

/// The three image sets a split defines.
public struct SplitData: Sendable {
    /// Training images of the split.
    public let train: ImageSet
    /// Validation images of the split (none without validation images per class).
    public let validation: ImageSet
    /// Test images: the split's held-out ones, or the source's own test subset.
    public let test: ImageSet

    /// The three sets, as given.
    public init(train: ImageSet, validation: ImageSet, test: ImageSet) {
        self.train = train
        self.validation = validation
        self.test = test
    }
}
