import Datasets
import Foundation
import Layers
import ResultStore

/// The HDF5 file of `augbench train` (kind "training"): configuration at the root, then one group per seed
/// written as soon as that seed finishes, so an interrupted run keeps every finished seed and resumes after it.
///
/// Layout (see docs/FILE-FORMATS.md): root attributes `split`, `split_sha256`, `epochs`, `batch_size`,
/// `learning_rate`, `label_smoothing`, `augmentation`, `threads`, `class_names`; per seed `/seed-S` with datasets
/// `train_loss`, `train_accuracy`, `validation_accuracy` (float64 [epochs]), `confusion_matrix` (int64 [C, C]) and
/// `weights/<layer>.<name>` (float32), and attributes `test_accuracy`, `seconds`, `seed`; after the last seed
/// the root attributes `test_accuracy_mean`, `test_accuracy_std` and `seeds`.
public struct TrainingRunFile {
    public let path: String
    public let configuration: TrainingConfiguration
    public let splitPath: String
    public let splitChecksum: String
    public let augmentation: String
    public let threads: Int
    public let classNames: [String]

    public init(path: String, configuration: TrainingConfiguration, splitPath: String, splitChecksum: String,
                augmentation: String = "none", threads: Int, classNames: [String]) {
        self.path = path
        self.configuration = configuration
        self.splitPath = splitPath
        self.splitChecksum = splitChecksum
        self.augmentation = augmentation
        self.threads = threads
        self.classNames = classNames
    }

    private func writeConfiguration(_ group: HDF5Group) throws {
        try group.setAttribute("split", splitPath)
        try group.setAttribute("split_sha256", splitChecksum)
        try group.setAttribute("epochs", Int64(configuration.epochs))
        try group.setAttribute("batch_size", Int64(configuration.batchSize))
        try group.setAttribute("learning_rate", Double(configuration.learningRate))
        try group.setAttribute("label_smoothing", Double(configuration.labelSmoothing))
        try group.setAttribute("augmentation", augmentation)
        try group.setAttribute("threads", Int64(threads))
        try group.setAttribute("class_names", classNames)
        try group.setAttribute("network", "reference classifier C: conv32-pool-conv64-pool-fc128-dropout0.5-fc")
    }

    /// Creates the file, or checks that an existing one was made with the same settings; returns the seeds
    /// already finished in it.
    public func prepare() throws -> Set<UInt64> {
        guard FileManager.default.fileExists(atPath: path) else {
            let file = try HDF5File.create(path, kind: "training")
            try writeConfiguration(file.root)
            try file.commit()
            return []
        }
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind("training")
        let root = file.root
        let same = try root.stringAttribute("split_sha256") == splitChecksum
            && root.attribute("epochs", as: Int64.self) == Int64(configuration.epochs)
            && root.attribute("batch_size", as: Int64.self) == Int64(configuration.batchSize)
            && root.attribute("learning_rate", as: Double.self) == Double(configuration.learningRate)
            && root.attribute("label_smoothing", as: Double.self) == Double(configuration.labelSmoothing)
            && root.stringAttribute("augmentation") == augmentation
            && root.attribute("threads", as: Int64.self) == Int64(threads)
        guard same else {
            throw ResultStoreError(path, "exists with other settings (split, epochs, batch size, learning rate, "
                                   + "augmentation or threads); choose another --output to keep both")
        }
        return Set(root.memberNames().compactMap { $0.hasPrefix("seed-") ? UInt64($0.dropFirst(5)) : nil })
    }

    /// Adds one finished seed (atomically: the file is replaced only when the seed's group is complete).
    public func append(seed: UInt64, result: TrainingResult, network: Sequential) throws {
        let file = try HDF5File.update(path)
        let group = try file.root.createGroup("seed-\(seed)")
        try group.setAttribute("seed", Int64(bitPattern: seed))
        try group.setAttribute("test_accuracy", result.testAccuracy)
        try group.setAttribute("seconds", result.seconds)
        let epochs = result.trainLoss.count
        try group.write("train_loss", result.trainLoss, shape: [epochs])
        try group.write("train_accuracy", result.trainAccuracy, shape: [epochs])
        try group.write("validation_accuracy", result.validationAccuracy, shape: [result.validationAccuracy.count])
        let classes = result.confusion.count
        try group.write("confusion_matrix", result.confusion.flatMap { $0.map(Int64.init) }, shape: [classes, classes])
        let weights = try group.createGroup("weights")
        for named in network.namedParameters {
            try weights.write(named.path, named.parameter.value, compression: .gzip(level: 4))
        }
        try file.commit()
    }

    /// Test accuracies of every finished seed, in seed order.
    public func testAccuracies() throws -> [(seed: UInt64, accuracy: Double)] {
        let file = try HDF5File.open(path)
        defer { file.close() }
        return try file.root.memberNames().compactMap { name -> (UInt64, Double)? in
            guard name.hasPrefix("seed-"), let seed = UInt64(name.dropFirst(5)) else { return nil }
            return (seed, try file.root.group(name).attribute("test_accuracy", as: Double.self))
        }.sorted { $0.0 < $1.0 }
    }

    /// Writes the mean and sample standard deviation of the test accuracy over the finished seeds.
    public func writeSummary() throws -> (mean: Double, std: Double, count: Int) {
        let accuracies = try testAccuracies().map(\.accuracy)
        let mean = accuracies.reduce(0, +) / Double(max(1, accuracies.count))
        let variance = accuracies.count > 1
            ? accuracies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(accuracies.count - 1) : 0
        let file = try HDF5File.update(path)
        try file.root.setAttribute("test_accuracy_mean", mean)
        try file.root.setAttribute("test_accuracy_std", variance.squareRoot())
        try file.root.setAttribute("seeds", Int64(accuracies.count))
        try file.commit()
        return (mean, variance.squareRoot(), accuracies.count)
    }
}
