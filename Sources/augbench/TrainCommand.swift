import ArgumentParser
import Augmentations
import Classifiers
import Foundation
import ResultStore

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the reference classifier on a split (plus synthetic images) and evaluate it on the held-out test set.",
        discussion: """
            Trains the protocol's classifier C (conv32-pool-conv64-pool-fc128-dropout0.5-fc, Adam) on the \
            split's training images for each seed, records per-epoch loss and accuracy (validation accuracy when \
            the split has validation images), then evaluates once on the test set. Weights, curves, confusion \
            matrix, settings and the composition of the training set go to one HDF5 file; each seed is written \
            when it finishes, and running the same command again resumes after the last finished seed.

            --synthetic adds ratio x (real images of class c) images of class c, drawn per seed without \
            replacement from a sample set ('augbench gan sample'); --synthetic-only trains on those alone (the \
            classification accuracy score). Traditional augmentation applies to real and synthetic images alike.

            Examples:
              augbench data split --data /usr/share/datasets/fashion-mnist --per-class 100 --output runs/s.h5
              augbench train --split runs/s.h5 --epochs 40 --seeds 3 --output runs/original.h5
              augbench train --split runs/s.h5 --synthetic runs/cgan/samples.h5 --ratio 1 \\
                  --output runs/cgan-r1.h5
              augbench train --split runs/s.h5 --synthetic runs/cgan/samples.h5 \\
                  --augment traditional --output runs/cgan-traditional.h5
              augbench train --split runs/s.h5 --steps 2000 --select-best-validation \\
                  --output runs/original-2000-steps.h5
              augbench train --split runs/s.h5 --steps 1000 --mix cutmix --output runs/cutmix.h5
            """
    )

    @Option(help: "Split file from 'augbench data split'.")
    var split: String

    @Option(help: "Training epochs (1-\(SettingLimits.epochs)).")
    var epochs = ClassifierRunSettings().epochs

    @Option(help: "A budget of optimizer steps instead of --epochs (the same for every arm of a comparison; 1-\(SettingLimits.steps)).")
    var steps: Int?

    @Option(name: .customLong("evaluate-every"), help: "With --steps: steps between validation evaluations (1-\(SettingLimits.steps)).")
    var evaluateEvery = ClassifierRunSettings().evaluateEvery

    @Flag(name: .customLong("select-best-validation"),
          help: "Test the weights with the best validation accuracy (ties: the later); the last weights' accuracy is stored too.")
    var selectBestValidation = false

    @Option(help: "First seed (initialisation, shuffling, dropout, augmentation and the synthetic draw).")
    var seed = ClassifierRunSettings().seed

    @Option(help: "Number of seeds: seed, seed+1, ... (1-\(SettingLimits.seeds)).")
    var seeds = ClassifierRunSettings().seeds

    @Option(name: .customLong("batch-size"), help: "Mini-batch size (1-\(SettingLimits.batchSize)).")
    var batchSize = ClassifierRunSettings().batchSize

    @Option(name: .customLong("learning-rate"), help: "Adam learning rate.")
    var learningRate = ClassifierRunSettings().learningRate

    @Option(name: .customLong("label-smoothing"), help: "Label smoothing of the cross-entropy (0 = none).")
    var labelSmoothing = ClassifierRunSettings().labelSmoothing

    @OptionGroup var augmentation: AugmentationOptions

    @Option(help: ArgumentHelp("Batch-level mixing after --augment: mixup or cutmix, with an optional Beta alpha (default 1, "
                               + "torchvision's).", valueName: "mixup[=alpha]|cutmix[=alpha]"))
    var mix: String?

    @Option(help: ArgumentHelp("A sample set (HDF5 from 'augbench gan sample', or any labelled image set) to add synthetic images from.",
                               valueName: "samples.h5"))
    var synthetic: String?

    @Option(help: "Synthetic images per class as a multiple of the split's real images of that class (with --synthetic).")
    var ratio = ClassifierRunSettings().syntheticRatio

    @Flag(name: .customLong("synthetic-only"), help: "Train on the synthetic images alone (with --synthetic).")
    var syntheticOnly = false

    @Option(name: .customLong("synthetic-classes"),
            help: ArgumentHelp("Classes that get synthetic images: all (--ratio x their real images) or minority (each class below "
                               + "the largest topped up to it; no --ratio).", valueName: "all|minority"))
    var syntheticClasses = SyntheticClasses.all

    @Option(name: [.short, .long], help: "Result file (HDF5).")
    var output: String

    @OptionGroup var global: GlobalOptions

    func settings() throws -> ClassifierRunSettings {
        var s = ClassifierRunSettings()
        (s.epochs, s.seed, s.seeds, s.batchSize) = (epochs, seed, seeds, batchSize)
        (s.steps, s.evaluateEvery, s.selectBestValidation) = (steps, evaluateEvery, selectBestValidation)
        (s.learningRate, s.labelSmoothing) = (learningRate, labelSmoothing)
        (s.augmentation, s.copies) = (try augmentation.pipeline(), augmentation.copies)
        (s.syntheticRatio, s.syntheticOnly) = (ratio, syntheticOnly)
        s.syntheticClasses = syntheticClasses == .all ? nil : syntheticClasses
        do {
            s.mixing = try mix.map { try BatchMixing(parsing: $0) }
        } catch { throw ValidationError("--mix: \(error)") }
        return s
    }

    func validate() throws {
        if synthetic == nil && (syntheticOnly || ratio != ClassifierRunSettings().syntheticRatio || syntheticClasses != .all) {
            throw ValidationError("--ratio, --synthetic-only and --synthetic-classes need --synthetic SAMPLES.h5")
        }
        do { try settings().validate() } catch let error as ClassifierSettingsError { throw ValidationError(error.description) }
    }

    func run() throws {
        let console = global.makeLogger()
        var bar: ProgressBar?
        let summary = try ClassifierRun.run(try settings(), split: split, synthetic: synthetic, output: output,
                                            threads: global.threads) { event in
            switch event {
            case .message(let text): console.info(text)
            case .skipped(let seed): console.info("seed \(seed): already in \(output), skipped")
            case .started(let seed, let points): bar = ProgressBar(total: points, label: "seed \(seed)", quiet: global.quiet)
            case .epoch(_, let epoch, let partial):
                var status = String(format: "loss %.4f", partial.trainLoss.last ?? 0)
                if let validation = partial.validationAccuracy.last { status += String(format: " val %.3f", validation) }
                bar?.update(epoch + 1, status: status)
            case .finished(let seed, let result):
                bar?.finish()
                var line = String(format: "seed %llu: test accuracy %.4f (%.0f s)", seed, result.testAccuracy, result.seconds)
                if let final = result.finalTestAccuracy {
                    line += String(format: "; weights of step %d, best on validation (last step's: %.4f)", result.evaluatedStep, final)
                }
                console.info(line)
            }
        }
        print(String(format: "test accuracy over %d seed(s): mean %.4f std %.4f -> %@", summary.accuracies.count, summary.mean,
                     summary.std, output as NSString))
    }
}

extension SyntheticClasses: ExpressibleByArgument {}
