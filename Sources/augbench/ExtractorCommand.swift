import ArgumentParser
import Augmentations
import Classifiers
import Datasets
import Foundation
import Metrics
import ResultStore
import Tensors

struct ExtractorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extractor",
        abstract: "Train the feature extractor the generative metrics use.",
        discussion: """
            AugBench ships an extractor for Fashion-MNIST. For other data (other sizes, RGB), train one on the full \
            training subset of that data and pass it to the metrics with --extractor.

            Example:
              augbench extractor train --data /usr/share/datasets/fashion-mnist --output fmnist-extractor.h5
            """,
        subcommands: [ExtractorTrain.self]
    )
}

struct ExtractorTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an extractor on a dataset's whole training subset and report its test accuracy.",
        discussion: """
            Adam with the learning rate divided by 10 after 2/3 and 9/10 of the epochs, light augmentation \
            (shift=2,hflip by default), batch 128. Data, its checksum, seed, epochs, augmentation and the test \
            accuracy are recorded in the file.

            Example:
              augbench extractor train --data /usr/share/datasets/fashion-mnist --epochs 12 --output fmnist-extractor.h5
            """
    )

    @Option(help: "Dataset with train and test subsets (IDX folder, HDF5, PNG class folders).")
    var data: String

    @Option(help: "Training epochs.")
    var epochs = 12

    @Option(help: "Seed (initialisation, shuffling, dropout, augmentation).")
    var seed: UInt64 = 0

    @Option(help: "Augmentation during training.")
    var augment = "shift=2,hflip"

    @Option(help: "Name recorded with every metric made with this extractor.")
    var name: String?


    @Option(name: [.short, .long], help: "Extractor file to write (HDF5).")
    var output: String

    @OptionGroup var source: SourceOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        Threads.configure(global.threads)
        let pipeline = try AugmentationPipeline(parsing: augment)
        let trainSource = try source.resolve(data, subset: .train)
        let train = try trainSource.load(), test = try trainSource.withSubset(.test).load()
        console.info("training the extractor on \(train.count) images, testing on \(test.count)")
        var configuration = TrainingConfiguration(epochs: epochs, batchSize: 128, learningRate: 1e-3, seed: seed, augmentation: pipeline)
        configuration.decayEpochs = [epochs * 2 / 3, epochs * 9 / 10].filter { $0 > 0 }
        let network = FeatureExtractor.makeNetwork(imageShape: train.imageShape, classCount: train.classCount, seed: seed)
        let trainer = ClassifierTrainer(configuration: configuration, network: network)
        let bar = ProgressBar(total: epochs, label: "extractor", quiet: global.quiet)
        let result = trainer.train(train, validation: nil, test: test) { epoch, partial in
            let status = String(format: "loss %.4f train acc %.4f", partial.trainLoss.last ?? 0, partial.trainAccuracy.last ?? 0)
            bar.update(epoch + 1, status: status)
            if !bar.isDrawing { console.info("epoch \(epoch + 1)/\(epochs): \(status)") }
        }
        bar.finish()
        let extractorName = name ?? "\((data as NSString).lastPathComponent)-cnn\(FeatureExtractor.featureDimension)"
        try FeatureExtractor.save(network: network, imageShape: train.imageShape, classNames: train.classNames, name: extractorName,
                                  provenance: ["data": trainSource.description, "data_sha256": try trainSource.fingerprint().combined,
                                               "seed": String(seed), "epochs": String(epochs), "augmentation": pipeline.description,
                                               "command": CommandLine.arguments.joined(separator: " ")],
                                  accuracy: result.testAccuracy, to: output)
        print(String(format: "extractor %@: test accuracy %.4f (%.0f s) -> %@", extractorName as NSString, result.testAccuracy,
                     result.seconds, output as NSString))
    }
}
