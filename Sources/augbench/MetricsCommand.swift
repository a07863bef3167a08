import ArgumentParser
import Classifiers
import Datasets
import Foundation
import Metrics
import ResultStore
import Tensors

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "FID, KID, Inception-style score, precision/recall, density/coverage between real and generated images.",
        discussion: """
            Features come from AugBench's embedded extractor (or --extractor FILE from 'augbench extractor train'); \
            every result records the extractor's name and weight checksum, and 'augbench metrics compare' refuses \
            to put numbers from different extractors side by side. Feature sets are cached (by data and extractor \
            checksum) in $AUGBENCH_CACHE or ~/.cache/augbench/features.

            Examples:
              augbench metrics --real /usr/share/datasets/fashion-mnist --real-subset test \\
                  --generated samples.h5 --output runs/metrics.h5
              augbench metrics compare runs/a.h5 runs/b.h5
            """,
        subcommands: [MetricsCompute.self, MetricsCompare.self, MetricsCAS.self],
        defaultSubcommand: MetricsCompute.self
    )
}

struct MetricsCompute: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compute",
        abstract: "Compute every metric between a real and a generated set (the default subcommand).",
        discussion: """
            Example:
              augbench metrics --real /usr/share/datasets/fashion-mnist --real-subset test \\
                  --generated /usr/share/datasets/fashion-mnist --output runs/test-vs-train.h5
            """
    )

    @Option(help: "Real images (IDX, HDF5, PNG class folders).")
    var real: String

    @Option(name: .customLong("real-subset"), help: "Subset of real data with train and test subsets: test (default) or train.")
    var realSubset: DatasetSubset?

    @Option(help: "Generated images (HDF5 sample set, PNG class folders, IDX).")
    var generated: String

    @Option(name: .customLong("generated-subset"), help: "Subset of generated data with train and test subsets: train (default) or test.")
    var generatedSubset: DatasetSubset?

    @Option(help: "Extractor file (default: the embedded Fashion-MNIST extractor).")
    var extractor: String?

    @Option(name: .customLong("kid-subsets"), help: "KID: number of subsets (1-\(SettingLimits.kidSubsets)).")
    var kidSubsets = 100

    @Option(name: .customLong("kid-subset-size"), help: "KID: subset size (shrinks, with a warning, for small sets).")
    var kidSubsetSize = 1000

    @Option(help: "Seed of the KID subsets.")
    var seed: UInt64 = 0

    @Option(name: .customLong("max-samples"),
            help: "Use at most this many images of each set (a seeded random subset; 0 = all). Precision/recall compare every pair.")
    var maxSamples = 10000

    @Flag(name: .customLong("save-features"), help: "Also store both feature sets in the result file.")
    var saveFeatures = false

    @Flag(name: .customLong("no-cache"), help: "Neither read nor write the feature cache.")
    var noCache = false

    @Option(name: [.short, .long], help: "Result file (HDF5).")
    var output: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard maxSamples >= 0 else { throw ValidationError("--max-samples must be 0 (all) or positive") }
        guard kidSubsets > 0, kidSubsetSize > 1 else { throw ValidationError("--kid-subsets must be positive and --kid-subset-size above 1") }
    }

    func run() throws {
        let console = global.makeLogger()
        Threads.configure(global.threads)
        var featureSettings = FeatureSetSettings()
        (featureSettings.maxSamples, featureSettings.seed, featureSettings.useCache) = (maxSamples, seed, !noCache)
        var settings = MetricsReport.Settings()
        (settings.kidSubsets, settings.kidSubsetSize, settings.seed) = (kidSubsets, kidSubsetSize, seed)
        let (report, realSet, _) = try MetricsRun.run(
            real: DatasetSource.resolve(real, subset: realSubset, defaultSubset: .test), generated: DatasetSource.resolve(generated, subset: generatedSubset),
            extractor: extractor, features: featureSettings, settings: settings, output: output, saveFeatures: saveFeatures,
            log: { console.info($0) }, warn: { console.warning($0) })
        print(String(format: "FID        %10.4f", report.fid))
        print(String(format: "KID        %10.6f +- %.6f  (%d subsets of %d)", report.kid.mean, report.kid.std, report.kid.subsets, report.kid.subsetSize))
        print(String(format: "IS         %10.4f +- %.4f", report.inceptionScore.mean, report.inceptionScore.std))
        print(String(format: "precision  %10.4f   recall   %.4f  (k = 3)", report.manifold.precision, report.manifold.recall))
        print(String(format: "density    %10.4f   coverage %.4f  (k = 5)", report.manifold.density, report.manifold.coverage))
        let sorted = report.nearestRealDistances.sorted()
        if !sorted.isEmpty {
            print(String(format: "nearest real (features): min %.4f  median %.4f", sorted[0], sorted[sorted.count / 2]))
        }
        for (label, value) in report.perClassFID.enumerated() {
            // Padding by hand: Foundation on Linux ignores widths on %@.
            if let value { print("  FID " + realSet.images.classNames[label].padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: " %10.4f", value)) }
        }
        console.info("wrote \(output)")
    }
}

struct MetricsCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Put two metric files side by side; refuses files made with different extractors.",
        discussion: """
            Example:
              augbench metrics compare runs/dcgan.h5 runs/cgan.h5
            """
    )

    @Argument(help: "Metric files written by 'augbench metrics'.")
    var files: [String]

    func validate() throws {
        guard files.count >= 2 else { throw ValidationError("give at least two metric files") }
    }

    func run() throws {
        for other in files.dropFirst() { try MetricsReport.requireSameExtractor(files[0], other) }
        let tables = try files.map(MetricsReport.headline)
        print("metric".padding(toLength: 22, withPad: " ", startingAt: 0) + files.map { ($0 as NSString).lastPathComponent }.joined(separator: "  "))
        for (row, entry) in tables[0].enumerated() {
            print(entry.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                  + tables.map { String(format: "%.4f", $0[row].value) }.joined(separator: "  "))
        }
    }
}

struct MetricsCAS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cas",
        abstract: "Classification accuracy score: train the reference classifier on generated images, test on real ones.",
        discussion: """
            Example:
              augbench metrics cas --generated samples.h5 --real /usr/share/datasets/fashion-mnist --epochs 40
            """
    )

    @Option(help: "Generated, labelled images (HDF5 sample set, PNG class folders, IDX).")
    var generated: String

    @Option(help: "Real data whose test subset (or the one set it holds) is the evaluation set.")
    var real: String

    @Option(name: .customLong("real-subset"), help: "Subset of real data with train and test subsets: test (default) or train.")
    var realSubset: DatasetSubset?

    @Option(help: "Training epochs (1-\(SettingLimits.epochs)).")
    var epochs = 40

    @Option(help: "Seed.")
    var seed: UInt64 = 0

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        Threads.configure(global.threads)
        let synthetic = try DatasetSource.resolve(generated).load()
        let test = try DatasetSource.resolve(real, subset: realSubset, defaultSubset: .test).load()
        console.info("training on \(synthetic.count) generated images, testing on \(test.count) real ones")
        let bar = ProgressBar(total: epochs, label: "CAS", quiet: global.quiet)
        let result = try ClassificationAccuracyScore.compute(
            synthetic: synthetic, realTest: test, configuration: TrainingConfiguration(epochs: epochs, seed: seed)) { epoch, partial in
            bar.update(epoch + 1, status: String(format: "loss %.4f", partial.trainLoss.last ?? 0))
        }
        bar.finish()
        print(String(format: "CAS %.4f (reference classifier trained on %d generated images, tested on %d real)",
                     result.testAccuracy, synthetic.count, test.count))
    }
}
