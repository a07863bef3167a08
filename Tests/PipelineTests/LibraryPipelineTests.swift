import Classifiers
import Datasets
import Foundation
import GANs
import Metrics
import Sampling
import TestSupport
import XCTest

/// The README's library example at toy scale: split -> GAN -> filtered samples -> real + synthetic classifier ->
/// metrics, each stage one call with its settings value, chained in one process.
final class LibraryPipelineTests: XCTestCase {
    func testTheStagesChainInOneProcess() throws {
        let folder = try makeTemporaryFolder()
        // 28 x 28 images of 10 classes, so the embedded extractor measures them.
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 80, side: 28, classes: 10)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 40, side: 28, classes: 10)
        let runs = path(folder, "runs")

        // 1. A split: 4 training and 2 validation images per class.
        let source = try DatasetSource.resolve(folder)
        try SplitFile.make(source: source, plan: .stratified(classCount: 10, perClass: 4, validationPerClass: 2, seed: 0))
            .write(to: path(folder, "split.h5"))

        // 2. A conditional GAN on the split's training images.
        var gan = GANRunSettings(variant: .cgan)
        (gan.diffAugment, gan.steps, gan.batchSize) = (true, 3, 8)
        let trained = try GANRun.start(gan, split: path(folder, "split.h5"), output: path(runs, "cgan"), threads: 1)

        // 3. Samples per class (near-exact duplicates are always removed).
        var plan = SamplingPlan(perClass: 4)
        plan.classifierEpochs = 2
        let samples = try SamplingRun.run(plan, checkpoint: trained.checkpoint, output: path(runs, "cgan/samples.h5"), threads: 1)
        XCTAssertEqual(samples.keptPerClass.reduce(0, +), try DatasetSource.resolve(path(runs, "cgan/samples.h5")).load().count)

        // 4. The classifier on real + synthetic images (ratio 0.5), 2 seeds.
        var classifier = ClassifierRunSettings()
        (classifier.seeds, classifier.epochs, classifier.syntheticRatio) = (2, 2, 0.5)
        let mixed = try ClassifierRun.run(classifier, split: path(folder, "split.h5"), synthetic: path(runs, "cgan/samples.h5"),
                                          output: path(runs, "cgan-r0.5.h5"), threads: 1)
        XCTAssertEqual(mixed.accuracies.count, 2)
        XCTAssertEqual(try TrainingRunFile.composition(mixed.output, seed: 1).syntheticPerClass, [Int](repeating: 2, count: 10))

        // 5. FID and the rest of the samples against the real test set.
        guard FeatureExtractor.bundledPath != nil else { throw XCTSkip("no embedded extractor") }
        let extractor = try FeatureExtractor.load(path: nil)
        let cache = FeatureCache(directory: path(folder, "cache"))
        let real = try FeatureSet.make(DatasetSource.resolve(folder, subset: .test), extractor: extractor, cache: cache, stream: 1)
        let fake = try FeatureSet.make(DatasetSource.resolve(path(runs, "cgan/samples.h5")), extractor: extractor, cache: cache, stream: 2)
        var settings = MetricsReport.Settings()
        settings.kidSubsets = 3
        XCTAssertGreaterThan(try real.metrics(against: fake, settings: settings).fid, 0)
    }
}
