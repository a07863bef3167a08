import Datasets
import Foundation
import Layers
import ResultStore

/// The HDF5 file of a classifier run (kind "training"): settings at the root, then one group per seed written as
/// soon as that seed finishes, so an interrupted run keeps every finished seed and resumes after it.
///
/// Layout (see docs/FILE-FORMATS.md): root attributes `settings` (canonical JSON of every setting but the seeds)
/// and `settings_sha256`, `split`, `split_sha256`, `synthetic` (the sample set's absolute path) and
/// `synthetic_sha256` (SHA-256 over the `sha256sum` lines of its files, as split files fingerprint sources; both
/// empty without a sample set),
/// `synthetic_ratio`, `synthetic_classes` (`all` or `minority`), `synthetic_only`, `epochs`, `batch_size`, `learning_rate`, `label_smoothing`, `augmentation`,
/// `threads`, `class_names`; per seed `/seed-S` with datasets `train_loss`, `train_accuracy`, `validation_accuracy`
/// (float64 [points]), `curve_steps` (int64 [points]: the optimizer step of each curve point), `budget_steps`
/// (int64 [b]: the curve points at or before 1/8, 1/4, 1/2 and all of the budget), `budget_test_accuracy` (float64 [b]:
/// the test accuracy of the weights the run would have reported had its budget ended there) and
/// `budget_per_class_accuracy` (float64 [b, C]), `confusion_matrix`
/// (int64 [C, C]), `real_per_class`, `synthetic_per_class` (int64 [C]),
/// `synthetic_rows` (int64, rows of the sample set used) and `weights/<layer>.<name>` (float32), and attributes
/// `test_accuracy` (of the evaluated weights), `evaluated_step`, `final_test_accuracy` (when the best-validation
/// weights were selected instead of the last), `seconds`, `seed`; after the last seed the root attributes `test_accuracy_mean`,
/// `test_accuracy_std` and `seeds`.
public struct TrainingRunFile {
    public static let kind = FileKind.training

    public let path: String
    public let settings: ClassifierRunSettings
    public let settingsText: String
    public let splitPath: String
    public let splitChecksum: String
    /// The sample set's path and fingerprint (`SourceFingerprint.combined`), when synthetic images are mixed in.
    public let synthetic: (path: String, checksum: String)?
    public let threads: Int
    public let classNames: [String]

    public init(path: String, settings: ClassifierRunSettings, splitPath: String, splitChecksum: String,
                synthetic: (path: String, checksum: String)? = nil, threads: Int, classNames: [String]) throws {
        self.path = path
        self.settings = settings
        settingsText = try settings.canonicalTextWithoutSeeds()
        self.splitPath = splitPath
        self.splitChecksum = splitChecksum
        self.synthetic = synthetic
        self.threads = threads
        self.classNames = classNames
    }

    private func writeConfiguration(_ group: HDF5Group) throws {
        try group.setAttribute("settings", settingsText)
        try group.setAttribute("settings_sha256", CanonicalSettings.checksum(settingsText))
        try group.setAttribute("split", splitPath)
        try group.setAttribute("split_sha256", splitChecksum)
        try group.setAttribute("synthetic", synthetic?.path ?? "")
        try group.setAttribute("synthetic_sha256", synthetic?.checksum ?? "")
        try group.setAttribute("synthetic_ratio", synthetic == nil ? 0 : settings.syntheticRatio)
        try group.setAttribute("synthetic_classes", synthetic == nil ? "" : (settings.syntheticClasses ?? .all).rawValue)
        try group.setAttribute("synthetic_only", Int64(synthetic != nil && settings.syntheticOnly ? 1 : 0))
        try group.setAttribute("epochs", Int64(settings.epochs))
        try group.setAttribute("steps", Int64(settings.steps ?? 0))
        try group.setAttribute("select_best_validation", Int64(settings.selectBestValidation ? 1 : 0))
        try group.setAttribute("batch_size", Int64(settings.batchSize))
        try group.setAttribute("learning_rate", Double(settings.learningRate))
        try group.setAttribute("label_smoothing", Double(settings.labelSmoothing))
        try group.setAttribute("augmentation", settings.augmentationDescription)
        try group.setAttribute("threads", Int64(threads))
        try group.setAttribute("class_names", classNames)
        try group.setAttribute("network", "reference classifier C: conv32-pool-conv64-pool-fc128-dropout0.5-fc")
    }

    /// Creates the file, or checks that an existing one was made with the same settings, split, sample set and
    /// thread count; returns the seeds already finished in it.
    public func prepare() throws -> Set<UInt64> {
        guard FileManager.default.fileExists(atPath: path) else {
            let file = try HDF5File.create(path, kind: Self.kind)
            try writeConfiguration(file.root)
            try file.commit()
            return []
        }
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(Self.kind)
        let root = file.root
        let recorded: [(String, String, String)] = [
            ("settings", try root.hasAttribute("settings") ? root.stringAttribute("settings") : "(none recorded)", settingsText),
            ("split", try root.stringAttribute("split_sha256"), splitChecksum),
            ("sample set", try root.hasAttribute("synthetic_sha256") ? root.stringAttribute("synthetic_sha256") : "", synthetic?.checksum ?? ""),
            ("threads", String(try root.attribute("threads", as: Int64.self)), String(threads)),
        ]
        if let (what, old, new) = recorded.first(where: { $0.1 != $0.2 }) {
            throw ResultStoreError(path, "exists with other settings (\(what): recorded \(old), now \(new)); "
                                   + "choose another --output to keep both")
        }
        return Set(root.memberNames().compactMap { $0.hasPrefix("seed-") ? UInt64($0.dropFirst(5)) : nil })
    }

    /// Adds one finished seed (atomically: the file is replaced only when the seed's group is complete).
    public func append(seed: UInt64, result: TrainingResult, composition: TrainingComposition, network: Sequential) throws {
        let file = try HDF5File.update(path)
        let group = try file.root.createGroup("seed-\(seed)")
        try group.setAttribute("seed", Int64(bitPattern: seed))
        try group.setAttribute("test_accuracy", result.testAccuracy)
        try group.setAttribute("seconds", result.seconds)
        let epochs = result.trainLoss.count
        try group.write("train_loss", result.trainLoss, shape: [epochs])
        try group.write("train_accuracy", result.trainAccuracy, shape: [epochs])
        try group.write("validation_accuracy", result.validationAccuracy, shape: [result.validationAccuracy.count])
        try group.write("curve_steps", result.curveSteps.map(Int64.init), shape: [result.curveSteps.count])
        try group.setAttribute("evaluated_step", Int64(result.evaluatedStep))
        try group.write("budget_steps", result.budgetSteps.map(Int64.init), shape: [result.budgetSteps.count])
        try group.write("budget_test_accuracy", result.budgetTestAccuracy, shape: [result.budgetTestAccuracy.count])
        let budgetClasses = result.budgetPerClassAccuracy.first?.count ?? 0
        try group.write("budget_per_class_accuracy", result.budgetPerClassAccuracy.flatMap { $0 },
                        shape: [result.budgetPerClassAccuracy.count, budgetClasses])
        if let final = result.finalTestAccuracy { try group.setAttribute("final_test_accuracy", final) }
        let classes = result.confusion.count
        try group.write("confusion_matrix", result.confusion.flatMap { $0.map(Int64.init) }, shape: [classes, classes])
        try group.write("real_per_class", composition.realPerClass.map(Int64.init), shape: [composition.realPerClass.count])
        try group.write("synthetic_per_class", composition.syntheticPerClass.map(Int64.init), shape: [composition.syntheticPerClass.count])
        try group.write("synthetic_rows", composition.syntheticRows.map(Int64.init), shape: [composition.syntheticRows.count])
        try StateDictionary.write(network, to: group.createGroup("weights"), compression: .gzip(level: 4))
        try file.commit()
    }

    /// The class names the run was trained on.
    public static func classNames(_ path: String) throws -> [String] {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(kind)
        return try file.root.stringArrayAttribute("class_names")
    }

    /// The test set's confusion matrix of one finished seed: counts, [true class][predicted class].
    public static func confusionMatrix(_ path: String, seed: UInt64) throws -> [[Int]] {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(kind)
        let confusion = try file.root.group("seed-\(seed)").read("confusion_matrix", as: Int64.self)
        let classes = confusion.shape[0]
        return (0..<classes).map { row in confusion.values[(row * classes)..<((row + 1) * classes)].map { Int($0) } }
    }

    /// The canonical settings text a file was made with ("" for files older than the settings attribute).
    public static func recordedSettingsText(_ path: String) throws -> String {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(kind)
        return try file.root.hasAttribute("settings") ? file.root.stringAttribute("settings") : ""
    }

    /// The path of the sample set the file's classifiers trained with, as recorded ("" for none).
    public static func recordedSyntheticPath(_ path: String) throws -> String {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(kind)
        return try file.root.hasAttribute("synthetic") ? file.root.stringAttribute("synthetic") : ""
    }

    /// Test accuracies of every finished seed, in seed order.
    public func testAccuracies() throws -> [(seed: UInt64, accuracy: Double)] {
        try Self.testAccuracies(path)
    }

    public static func testAccuracies(_ path: String) throws -> [(seed: UInt64, accuracy: Double)] {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(kind)
        return try file.root.memberNames().compactMap { name -> (UInt64, Double)? in
            guard name.hasPrefix("seed-"), let seed = UInt64(name.dropFirst(5)) else { return nil }
            return (seed, try file.root.group(name).attribute("test_accuracy", as: Double.self))
        }.sorted { $0.0 < $1.0 }
    }

    /// Test accuracy of each class (the confusion matrix's diagonal over its row sums; NaN for a class without
    /// test images) of one finished seed.
    public static func perClassAccuracy(_ path: String, seed: UInt64) throws -> [Double] {
        ClassifierTrainer.perClassAccuracy(try confusionMatrix(path, seed: seed))
    }

    /// One finished seed's curves, a point per evaluation.
    public struct Curves: Sendable, Equatable {
        /// The optimizer step of each point.
        public let steps: [Int]
        /// Validation accuracy at each point (empty without validation images).
        public let validationAccuracy: [Double]
        /// The steps of the budget curve: the curve points at or before 1/8, 1/4, 1/2 and all of the budget.
        public let budgetSteps: [Int]
        /// Test accuracy of the weights the run would have reported had its budget ended at each of `budgetSteps`
        /// (empty in files written before the budget curve was recorded).
        public let budgetTestAccuracy: [Double]
        /// The same per class, [point][class].
        public let budgetPerClassAccuracy: [[Double]]
    }

    /// The curves of one finished seed.
    public static func curves(_ path: String, seed: UInt64) throws -> Curves {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(kind)
        let group = try file.root.group("seed-\(seed)")
        let steps = try group.read("curve_steps", as: Int64.self).values.map { Int($0) }
        let validation = try group.read("validation_accuracy", as: Double.self).values
        guard group.memberNames().contains("budget_steps") else {
            return Curves(steps: steps, validationAccuracy: validation, budgetSteps: [], budgetTestAccuracy: [], budgetPerClassAccuracy: [])
        }
        let budgetSteps = try group.read("budget_steps", as: Int64.self).values.map { Int($0) }
        let perClass = try group.read("budget_per_class_accuracy", as: Double.self)
        let classes = perClass.shape.count == 2 ? perClass.shape[1] : 0
        return Curves(steps: steps, validationAccuracy: validation, budgetSteps: budgetSteps,
                      budgetTestAccuracy: try group.read("budget_test_accuracy", as: Double.self).values,
                      budgetPerClassAccuracy: budgetSteps.indices.map { Array(perClass.values[($0 * classes)..<(($0 + 1) * classes)]) })
    }

    /// The composition of one finished seed's training set.
    public static func composition(_ path: String, seed: UInt64) throws -> TrainingComposition {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(kind)
        let group = try file.root.group("seed-\(seed)")
        func ints(_ name: String) throws -> [Int] { try group.read(name, as: Int64.self).values.map { Int($0) } }
        return TrainingComposition(realPerClass: try ints("real_per_class"), syntheticPerClass: try ints("synthetic_per_class"),
                                   syntheticRows: try ints("synthetic_rows"))
    }

    /// The stored mean, standard deviation and seed count, if a summary covering every finished seed is stored.
    public func storedSummary() throws -> (mean: Double, std: Double, count: Int)? {
        let file = try HDF5File.open(path)
        defer { file.close() }
        let root = file.root
        guard root.hasAttribute("test_accuracy_mean"), root.hasAttribute("seeds") else { return nil }
        let count = Int(try root.attribute("seeds", as: Int64.self))
        guard count == root.memberNames().filter({ $0.hasPrefix("seed-") }).count else { return nil }
        return (try root.attribute("test_accuracy_mean", as: Double.self), try root.attribute("test_accuracy_std", as: Double.self), count)
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
