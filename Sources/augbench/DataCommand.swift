import ArgumentParser
import Datasets
import Foundation
import ResultStore

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect datasets, draw splits, export to HDF5 or PNG.",
        subcommands: [DataInfo.self, DataSplit.self, DataExport.self, DataGrid.self]
    )
}

/// Where to read images from, shared by every command that takes a dataset.
struct SourceOptions: ParsableArguments {
    @Option(name: .customLong("images-dataset"), help: "HDF5 only: name of the images dataset.")
    var imagesDataset = "images"

    @Option(name: .customLong("labels-dataset"), help: "HDF5 only: name of the labels dataset.")
    var labelsDataset = "labels"

    @Option(name: .customLong("value-range"),
            help: "HDF5 only: range of the stored pixel values, as LOW,HIGH (e.g. 0,1). Default: the value_range attribute, else inferred.")
    var valueRange: String?

    /// A malformed --value-range is an option error, reported with the command's usage.
    func validate() throws { _ = try hdf5Options() }

    func hdf5Options() throws -> HDF5ImageSetIO.ReadOptions {
        var options = HDF5ImageSetIO.ReadOptions(imagesDataset: imagesDataset, labelsDataset: labelsDataset)
        if let valueRange {
            let parts = valueRange.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, parts[0] < parts[1] else {
                throw ValidationError("--value-range must be LOW,HIGH with LOW < HIGH, got '\(valueRange)'")
            }
            options.valueRange = parts[0]...parts[1]
        }
        return options
    }

    /// `subset` nil: the command's default subset for datasets with subsets, the whole set for a single set.
    func resolve(_ path: String, subset: DatasetSubset?, default defaultSubset: DatasetSubset = .train) throws -> DatasetSource {
        try DatasetSource.resolve(path, subset: subset, defaultSubset: defaultSubset, hdf5Options: hdf5Options())
    }
}

extension DatasetSubset: ExpressibleByArgument {}

struct DataInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a dataset (classes, counts, shape, pixel statistics) or any file AugBench writes.",
        discussion: """
            PATH is an IDX folder or image file, an HDF5 file, a folder of class folders of PNGs, or any HDF5 \
            file AugBench writes: a split, a training run, a GAN checkpoint, a sample set, metrics, an extractor. \
            Image sets and sample sets are described as datasets, splits with their source; the other kinds (and \
            every kind with --outline) as an outline of their attributes and datasets. A folder or file with train and test subsets shows the train \
            subset unless --subset says otherwise; a single IDX file, an HDF5 image set or a folder of class \
            folders is the one set it holds.

            Examples:
              augbench data info /usr/share/datasets/fashion-mnist
              augbench data info /usr/share/datasets/fashion-mnist --subset test
              augbench data info runs/fmnist-100.h5
              augbench data info runs/original.h5
              augbench data info --outline runs/cgan/samples.h5
            """
    )

    @Argument(help: "Dataset or AugBench file.")
    var path: String

    @Flag(help: "For an AugBench HDF5 file: its kind, attributes and datasets.")
    var outline = false

    @Option(help: "Subset to describe, for data with train and test subsets: train (default) or test.")
    var subset: DatasetSubset?

    @OptionGroup var source: SourceOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        let kind = AugBenchFile.kind(path)
        if outline || (kind != nil && ![.split, .imageset, .ganSamples].contains(kind)) {
            print(try FileOutline.describe(path))
            return
        }
        if kind == .split {
            try describeSplit(console)
            return
        }
        let dataSource = try source.resolve(path, subset: subset)
        console.debug("reading \(dataSource.files.joined(separator: ", "))")
        let set = try dataSource.load()
        print("source:   \(dataSource.description)")
        print("images:   \(set.count) x \(set.imageShape.map(String.init).joined(separator: " x ")) (N x C x H x W)")
        print("classes:  \(set.classCount)")
        let counts = set.classCounts()
        let width = set.classNames.map(\.count).max() ?? 0
        for (label, name) in set.classNames.enumerated() {
            print("  \(pad(String(label), 3)) \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(counts[label])")
        }
        if set.count == 0 {
            print("pixels:   none (the set holds no images)")
        } else {
            for (channel, stats) in set.pixelStatistics().enumerated() {
                print(String(format: "pixels:   channel %d  mean %.4f  std %.4f  min %.4f  max %.4f (scale [-1, 1])",
                             channel, stats.mean, stats.std, stats.min, stats.max))
            }
        }
        print("sha256:   \(try dataSource.fingerprint().combined)")
        if !dataSource.isSingleSet, dataSource.subset == .train, let test = try? dataSource.withSubset(.test) {
            print("test:     \(test.description) available")
        }
    }

    private func describeSplit(_ console: Console) throws {
        let split = try SplitFile.read(path)
        let plan = split.split.plan
        print("split:    \(path) (\(plan.kind), seed \(plan.seed))")
        print("source:   \(split.source.description), \(split.sourceCount) images, checksum verified")
        print("train:    \(split.split.train.count) images")
        print("validate: \(split.split.validation.count) images (\(plan.validationPerClass) per class)")
        if let test = split.testSource {
            print("test:     \(test.description), checksum verified")
        } else {
            print("test:     \(split.split.test.count) images held out (\(plan.testPerClass) per class)")
        }
        let width = split.classNames.map(\.count).max() ?? 0
        for (label, name) in split.classNames.enumerated() {
            print("  \(pad(String(label), 3)) \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(plan.trainPerClass[label])")
        }
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

/// Recognises AugBench files so `data info` can describe them.
enum AugBenchFile {
    /// The kind of an AugBench HDF5 file; nil for anything else (a dataset).
    static func kind(_ path: String) -> FileKind? {
        guard H5Probe.isHDF5(path), let file = try? HDF5File.open(path) else { return nil }
        defer { file.close() }
        return file.kind
    }
}

struct DataSplit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Draw a stratified low-data or imbalanced split and store it as a small HDF5 file.",
        discussion: """
            The split file holds indices into the source's training subset, the source's path and SHA-256 \
            checksums, so it stays small and a changed source is detected when the split is used. The source's \
            own test subset is the evaluation set unless --test-per-class holds test images out of the training \
            subset (needed for sources without a test subset).

            Examples:
              # 100 training and 20 validation images per class of Fashion-MNIST
              augbench data split --data /usr/share/datasets/fashion-mnist --per-class 100 \\
                  --validation-per-class 20 --seed 0 --output runs/fmnist-100.h5

              # imbalanced: 200 per class, but classes 3 and 5 only 10 each
              augbench data split --data /usr/share/datasets/fashion-mnist --per-class 200 \\
                  --minority 3:10 --minority 5:10 --seed 1 --output runs/fmnist-minority.h5
            """
    )

    @Option(help: "Dataset to split (IDX folder or file, HDF5 file, PNG class folders).")
    var data: String

    @Option(help: "Subset to draw from, for data with train and test subsets: train (default) or test.")
    var subset: DatasetSubset?

    @Option(name: .customLong("per-class"), help: "Training images per class.")
    var perClass: Int

    @Option(parsing: .singleValue, help: "A minority class and its training count, CLASS:COUNT (repeatable).")
    var minority: [String] = []

    @Option(name: .customLong("validation-per-class"), help: "Validation images per class, disjoint from training.")
    var validationPerClass = 0

    @Option(name: .customLong("test-per-class"), help: "Test images per class held out of the training subset (0: use the source's test subset).")
    var testPerClass = 0

    @Option(help: "Seed of the draw; the same seed gives the same indices.")
    var seed: UInt64 = 0

    @Option(name: [.short, .long], help: "Split file to write (HDF5).")
    var output: String

    @OptionGroup var source: SourceOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard perClass > 0 else { throw ValidationError("--per-class must be positive") }
        guard validationPerClass >= 0, testPerClass >= 0 else {
            throw ValidationError("--validation-per-class and --test-per-class must be non-negative")
        }
        _ = try minorityCounts()
    }

    func minorityCounts() throws -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for entry in minority {
            let parts = entry.split(separator: ":")
            guard parts.count == 2, let label = Int(parts[0]), let count = Int(parts[1]), label >= 0, count >= 0 else {
                throw ValidationError("--minority must be CLASS:COUNT with non-negative integers, got '\(entry)'")
            }
            counts[label] = count
        }
        return counts
    }

    func run() throws {
        let console = global.makeLogger()
        let dataSource = try source.resolve(data, subset: subset)
        console.info("reading \(dataSource.description)")
        let labels = try dataSource.load()
        let minorities = try minorityCounts()
        if let bad = minorities.keys.first(where: { $0 >= labels.classCount }) {
            throw DatasetError(dataSource.path, "--minority names class \(bad), the data has classes 0...\(labels.classCount - 1)")
        }
        let plan = SplitPlan.imbalanced(classCount: labels.classCount, perClass: perClass, minority: minorities,
                                        validationPerClass: validationPerClass, testPerClass: testPerClass, seed: seed)
        let splitFile = try SplitFile.make(source: dataSource, plan: plan)
        try splitFile.write(to: output)
        console.info("wrote \(output): \(plan.kind), \(splitFile.split.train.count) train, "
                     + "\(splitFile.split.validation.count) validation, "
                     + (splitFile.testSource != nil ? "test = source test subset" : "\(splitFile.split.test.count) held-out test"))
    }
}

struct DataExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Convert a dataset (IDX, HDF5, PNG folders) to an AugBench HDF5 file or a PNG folder.",
        discussion: """
            With --subset all, every subset the source has is written: HDF5 files get the groups /train and \
            /test, PNG output gets the folders train/ and test/.

            Examples:
              augbench data export --data /usr/share/datasets/fashion-mnist --subset all --output fmnist.h5
              augbench data export --data fmnist.h5 --subset test --format png --output fmnist-test-png
            """
    )

    enum SubsetChoice: String, ExpressibleByArgument, CaseIterable { case train, test, all }
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case hdf5, png }

    @Option(help: "Dataset to convert.")
    var data: String

    @Option(help: "Subset to export: train, test or all.")
    var subset: SubsetChoice = .all

    @Option(help: "Output format: hdf5 or png (a folder of class folders).")
    var format: OutputFormat = .hdf5

    @Option(help: "HDF5 pixel storage: uint8 (lossless for 8-bit sources) or float32.")
    var dtype: HDF5ImageSetIO.PixelType = .uint8

    @Option(name: [.short, .long], help: "Output HDF5 file or PNG folder.")
    var output: String

    @OptionGroup var source: SourceOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        let first = try source.resolve(data, subset: subset == .all ? nil : DatasetSubset(rawValue: subset.rawValue))
        var subsets: [DatasetSource] = [first]
        if subset == .all, !first.isSingleSet, let test = try? first.withSubset(.test) { subsets.append(test) }
        let grouped = subset == .all && !first.isSingleSet
        // Read everything before writing anything, so bad input leaves no partial output.
        let sets = try subsets.map { part -> (DatasetSubset, ImageSet) in
            console.info("reading \(part.description)")
            return (part.subset, try part.load())
        }
        switch format {
        case .hdf5:
            if grouped {
                try HDF5ImageSetIO.write(subsets: sets.map { ($0.0, $0.1) }, to: output, pixels: dtype)
            } else {
                try HDF5ImageSetIO.write(sets[0].1, to: output, pixels: dtype)
            }
        case .png:
            try PNGFolderReader.write(subsets: sets.map { (grouped ? $0.0 : nil, $0.1) }, to: output)
        }
        console.info("wrote \(output): " + sets.map { "\($0.0.rawValue) \($0.1.count) images" }.joined(separator: ", "))
    }
}

extension HDF5ImageSetIO.PixelType: ExpressibleByArgument {}

struct DataGrid: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grid",
        abstract: "Write a PNG grid with a few random images of each class (one row per class).",
        discussion: """
            Example:
              augbench data grid /usr/share/datasets/fashion-mnist --per-class 10 --output fmnist-grid.png
            """
    )

    @Argument(help: "Dataset to show.")
    var path: String

    @Option(help: "Subset, for data with train and test subsets: train (default) or test.")
    var subset: DatasetSubset?

    @Option(name: .customLong("per-class"), help: "Images per class (one row each).")
    var perClass = 10

    func validate() throws {
        guard (1...1000).contains(perClass) else { throw ValidationError("--per-class must be in 1...1000") }
    }

    @Option(help: "Seed used to pick the images.")
    var seed: UInt64 = 0

    @Option(name: [.short, .long], help: "PNG file to write.")
    var output: String

    @OptionGroup var source: SourceOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        let set = try source.resolve(path, subset: subset).load()
        try set.requireImages(for: "a grid")
        try PNGImage.grid(set.images.gathering(set.gridSelection(perClass: perClass, seed: seed)), columns: perClass).write(output)
        console.info("wrote \(output)")
    }
}
