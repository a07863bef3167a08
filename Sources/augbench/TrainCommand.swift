import ArgumentParser
import Augmentations
import Classifiers
import Datasets
import Foundation
import ResultStore
import Tensors

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the reference classifier on a split and evaluate it on the held-out test set.",
        discussion: """
            Trains the protocol's classifier C (conv32-pool-conv64-pool-fc128-dropout0.5-fc, Adam) on the \
            split's training images for each seed, records per-epoch loss and accuracy (validation accuracy when \
            the split has validation images), then evaluates once on the test set. Weights, curves, confusion \
            matrix and settings go to one HDF5 file; each seed is written when it finishes, and running the same \
            command again resumes after the last finished seed.

            Example:
              augbench data split --data /usr/share/datasets/fashion-mnist --per-class 100 --output runs/s.h5
              augbench train --split runs/s.h5 --epochs 40 --seeds 3 --output runs/original.h5
            """
    )

    @Option(help: "Split file from 'augbench data split'.")
    var split: String

    @Option(help: "Training epochs.")
    var epochs = 40

    @Option(help: "First seed (initialisation, shuffling and dropout).")
    var seed: UInt64 = 0

    @Option(help: "Number of seeds: seed, seed+1, ...")
    var seeds = 1

    @Option(name: .customLong("batch-size"), help: "Mini-batch size.")
    var batchSize = 128

    @Option(name: .customLong("learning-rate"), help: "Adam learning rate.")
    var learningRate: Float = 1e-3

    @Option(name: .customLong("label-smoothing"), help: "Label smoothing of the cross-entropy (0 = none).")
    var labelSmoothing: Float = 0

    @OptionGroup var augmentation: AugmentationOptions

    @Option(help: "Threads (results are bit-identical for a fixed count).")
    var threads = 2

    @Option(name: [.short, .long], help: "Result file (HDF5).")
    var output: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard epochs > 0, seeds > 0, batchSize > 0, learningRate > 0 else {
            throw ValidationError("--epochs, --seeds, --batch-size and --learning-rate must be positive")
        }
        guard labelSmoothing >= 0, labelSmoothing < 1 else { throw ValidationError("--label-smoothing must be in [0, 1)") }
    }

    func run() throws {
        let console = global.makeLogger()
        Threads.configure(threads)
        let pipeline = try augmentation.pipeline()
        let splitFile = try SplitFile.read(split)
        var data = try splitFile.load()
        console.info("split \(split): \(data.train.count) train, \(data.validation.count) validation, \(data.test.count) test images")
        if augmentation.copies > 0 {
            data = SplitData(train: OfflineExpansion.expand(data.train, copies: augmentation.copies, pipeline: pipeline, seed: seed),
                             validation: data.validation, test: data.test)
            console.info("offline augmentation: \(augmentation.copies) copies per image -> \(data.train.count) training images")
        }
        let record = TrainingRunFile(path: output, configuration: configuration(seed: seed, pipeline: pipeline), splitPath: split,
                                     splitChecksum: try SHA256.hex(ofFile: split), augmentation: augmentation.recordedDescription(pipeline),
                                     threads: threads, classNames: data.train.classNames)
        let finished = try record.prepare()
        for runSeed in seed..<(seed + UInt64(seeds)) {
            if finished.contains(runSeed) {
                console.info("seed \(runSeed): already in \(output), skipped")
                continue
            }
            let trainer = ClassifierTrainer(configuration: configuration(seed: runSeed, pipeline: pipeline), imageShape: data.train.imageShape,
                                            classCount: data.train.classCount)
            let bar = ProgressBar(total: epochs, label: "seed \(runSeed)", quiet: global.quiet)
            let result = trainer.train(data.train, validation: data.validation, test: data.test) { epoch, partial in
                var status = String(format: "loss %.4f", partial.trainLoss.last ?? 0)
                if let validation = partial.validationAccuracy.last { status += String(format: " val %.3f", validation) }
                bar.update(epoch + 1, status: status)
            }
            bar.finish()
            try record.append(seed: runSeed, result: result, network: trainer.network)
            console.info(String(format: "seed %llu: test accuracy %.4f (%.0f s)", runSeed, result.testAccuracy, result.seconds))
        }
        let summary = try record.writeSummary()
        print(String(format: "test accuracy over %d seed(s): mean %.4f std %.4f -> %@", summary.count, summary.mean, summary.std,
                     output as NSString))
    }

    /// Offline expansion replaces the training set once; otherwise `pipeline` redraws for every batch.
    private func configuration(seed: UInt64, pipeline: AugmentationPipeline) -> TrainingConfiguration {
        TrainingConfiguration(epochs: epochs, batchSize: batchSize, learningRate: learningRate, labelSmoothing: labelSmoothing,
                              seed: seed, augmentation: augmentation.copies == 0 ? pipeline : .none)
    }
}
