import ArgumentParser
import Augmentations
import Classifiers
import Foundation
import ResultStore

struct ExtractorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extractor",
        abstract: "Train the feature extractor the generative metrics use.",
        discussion: """
            AugBench ships an extractor for Fashion-MNIST. For other data (other sizes, RGB), train one on the full \
            training subset of that data and pass it to the metrics with --extractor.

            Example:
              augbench extractor train --data /usr/share/datasets/fashion-mnist \\
                  --output fmnist-extractor.h5
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
              augbench extractor train --data /usr/share/datasets/fashion-mnist --epochs 12 \\
                  --output fmnist-extractor.h5
            """
    )

    @Option(help: "Dataset with train and test subsets (IDX folder, HDF5, PNG class folders).")
    var data: String

    @Option(help: "Training epochs (1-\(SettingLimits.epochs)).")
    var epochs = ExtractorTrainingSettings().epochs

    @Option(help: "Seed (initialisation, shuffling, dropout, augmentation).")
    var seed = ExtractorTrainingSettings().seed

    @Option(help: "Augmentation during training.")
    var augment = ExtractorTrainingSettings().augmentation.description

    @Option(help: "Name recorded with every metric made with this extractor.")
    var name: String?

    @Option(name: [.short, .long], help: "Extractor file to write (HDF5).")
    var output: String

    @OptionGroup var source: SourceOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        var settings = ExtractorTrainingSettings()
        (settings.epochs, settings.seed, settings.augmentation, settings.name) = (epochs, seed, try AugmentationPipeline(parsing: augment), name)
        var bar: ProgressBar?
        let (extractorName, result) = try ExtractorTraining.run(settings, data: source.resolve(data, subset: .train), output: output,
                                                                threads: global.threads) { event in
            switch event {
            case .message(let text): console.info(text)
            case .started(_, let points): bar = ProgressBar(total: points, label: "extractor", quiet: global.quiet)
            case .epoch(_, let epoch, let partial):
                let status = String(format: "loss %.4f train acc %.4f", partial.trainLoss.last ?? 0, partial.trainAccuracy.last ?? 0)
                bar?.update(epoch + 1, status: status)
                if !(bar?.isDrawing ?? false) { console.info("epoch \(epoch + 1)/\(epochs): \(status)") }
            case .finished: bar?.finish()
            case .skipped: break
            }
        }
        print(String(format: "extractor %@: test accuracy %.4f (%.0f s) -> %@", extractorName as NSString, result.testAccuracy,
                     result.seconds, output as NSString))
    }
}
