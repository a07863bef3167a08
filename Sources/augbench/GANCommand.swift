import ArgumentParser
import Foundation
import GANs
import ResultStore
import Sampling

struct GANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan",
        abstract: "Train GANs on a split's training images and sample filtered, labelled images from them.",
        discussion: """
            Examples:
              augbench gan train --split runs/s.h5 --variant cgan --output runs/cgan-s0
              augbench gan sample runs/cgan-s0/checkpoint.h5 --per-class 100 \\
                  --filter confidence=0.9 --output runs/cgan-s0/samples.h5
            """,
        subcommands: [GANTrain.self, GANSample.self]
    )
}

extension GANVariant: ExpressibleByArgument {}
extension AdversarialLoss: ExpressibleByArgument {}

struct GANTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a GAN on the split's training images (the test set is never read).",
        discussion: """
            Variants (each a preset; the options below override it):
              dcgan    DCGAN pair, non-saturating loss (--loss minimax: the
                       original), Adam 2e-4 (0.5, 0.999)
              cgan     label embedding joined to z; label map as an extra D
                       channel (--projection: projection discriminator)
              acgan    conditional generator; D with an auxiliary classifier
              wgan     Wasserstein critic, weights clipped to 0.01, RMSprop
                       5e-5, 5 critic steps per generator step
              wgan-gp  Wasserstein critic without normalisation, exact
                       gradient penalty (10), Adam 1e-4 (0, 0.9), 5 critic steps
              sngan    spectrally normalised discriminator, hinge loss
            Default steps: \(GANConfiguration.defaultSteps) generator steps (\(GANConfiguration.defaultCriticVariantSteps) for wgan and wgan-gp).

            Writes OUTPUT/checkpoint.h5 (weights, buffers, optimiser and random-stream state, loss curves) every \
            --checkpoint-every steps and at the end, with a sample grid OUTPUT/samples-step-N.png (a row per class \
            for conditional variants) and the loss curves as OUTPUT/losses.csv. --resume continues from the \
            checkpoint and gives the same result as an uninterrupted run. If a loss or a weight becomes NaN or \
            infinite, or a cross-entropy or hinge discriminator loss stays at 0 for 200 steps, training stops with \
            one line naming the step and the loss, keeps the last good checkpoint and exits non-zero.

            Examples:
              augbench gan train --split runs/s.h5 --variant dcgan --output runs/dcgan-s0
              augbench gan train --split runs/s.h5 --variant cgan --diffaugment \\
                  --ema 0.999 --label-smoothing 0.1 --output runs/cgan-s0
              augbench gan train --split runs/s.h5 --variant sngan --residual \\
                  --attention --lr-d 4e-4 --lr-g 1e-4 --output runs/sngan-s0
              augbench gan train --resume --steps 2000 --output runs/dcgan-s0
            """
    )

    @Option(help: "Split file (required unless --resume).")
    var split: String?

    @Option(help: "GAN variant: \(GANVariant.allCases.map(\.rawValue).joined(separator: ", ")).")
    var variant: GANVariant = .dcgan

    @Option(help: "Generator updates (default: the variant's; 1-\(SettingLimits.steps)).")
    var steps: Int?

    @Option(name: .customLong("batch-size"), help: "Mini-batch size (2-\(SettingLimits.batchSize)).")
    var batchSize = 64

    @Option(help: "Adversarial loss (default: the variant's): \(AdversarialLoss.allCases.map(\.rawValue).joined(separator: ", ")).")
    var loss: AdversarialLoss?

    @Option(name: .customLong("lr-g"), help: "Generator learning rate (default: the variant's).")
    var generatorLearningRate: Float?

    @Option(name: .customLong("lr-d"), help: "Discriminator learning rate (default: the variant's; differ for two time-scale updates).")
    var discriminatorLearningRate: Float?

    @Option(name: .customLong("critic-steps"), help: "Discriminator updates per generator update (default: the variant's; 1-\(SettingLimits.criticSteps)).")
    var criticSteps: Int?

    @Option(name: .customLong("label-smoothing"), help: "One-sided label smoothing: real target 1 - this (cross-entropy losses).")
    var labelSmoothing: Float = 0

    @Flag(help: "DiffAugment (color, translation 0.125, cutout 0.5) on every image the discriminator sees.")
    var diffaugment = false

    @Option(help: "Keep an exponential moving average of the generator's weights with this decay (e.g. 0.999) and sample from it.")
    var ema: Float?

    @Flag(help: "Residual upsampling blocks in the generator.")
    var residual = false

    @Flag(help: "A self-attention block (SAGAN) in the generator and the discriminator.")
    var attention = false

    @Flag(help: "cgan: a projection discriminator instead of the label channel.")
    var projection = false

    @Option(name: .customLong("checkpoint-every"), help: "Steps between checkpoints (1-\(SettingLimits.steps)).")
    var checkpointEvery = 250

    @Option(help: "Seed (initialisation, batches, noise, augmentation).")
    var seed: UInt64 = 0

    @Flag(help: "Continue from OUTPUT/checkpoint.h5 (--steps sets the new total).")
    var resume = false

    @Option(name: [.short, .long], help: "Output folder.")
    var output: String

    @OptionGroup var global: GlobalOptions

    /// The options as settings (the variant's preset with these overrides).
    private var settings: GANRunSettings {
        var s = GANRunSettings(variant: variant)
        (s.steps, s.batchSize, s.loss, s.criticSteps) = (steps, batchSize, loss, criticSteps)
        (s.generatorLearningRate, s.discriminatorLearningRate) = (generatorLearningRate, discriminatorLearningRate)
        (s.labelSmoothing, s.diffAugment, s.emaDecay) = (labelSmoothing, diffaugment, ema)
        (s.residual, s.attention, s.projection) = (residual, attention, projection)
        (s.seed, s.checkpointEvery) = (seed, checkpointEvery)
        return s
    }

    func validate() throws {
        guard resume || split != nil else { throw ValidationError("give --split (or --resume to continue a run)") }
        do { try settings.validate() } catch let error as GANSetupError { throw ValidationError(error.description) }
    }

    func run() throws {
        let console = global.makeLogger()
        var bar: ProgressBar?
        let events: (GANRunEvent) -> Void = { event in
            switch event {
            case .message(let text): console.info(text)
            case .started(let configuration):
                for line in configuration.summary.split(separator: "\n") { console.debug(String(line)) }
                bar = ProgressBar(total: configuration.steps, label: configuration.variant.rawValue, quiet: global.quiet)
            case .step(let step, let losses):
                bar?.update(step, status: String(format: "D %.3f G %.3f", losses.discriminator, losses.generator))
            case .checkpoint(let step, let grid):
                if !(bar?.isDrawing ?? false) { console.info("step \(step): checkpoint and \(grid)") }
            }
        }
        do {
            let result: GANRun.Result
            if resume {
                result = try GANRun.resume(output: output, steps: steps, checkpointEvery: checkpointEvery, threads: global.threads, events: events)
            } else {
                guard let split else { throw ValidationError("--split is required") }
                result = try GANRun.start(settings, split: split, output: output, threads: global.threads, events: events)
            }
            bar?.finish()
            print("trained \(result.trainer.configuration.variant.rawValue) for \(result.trainer.completedSteps) steps -> \(output)")
        } catch let divergence as GANRunDivergence {
            // A run-time failure, not an option error: one line and exit 1, without a usage text.
            bar?.finish()
            throw divergence
        }
    }
}

struct GANSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate labelled samples per class from a GAN checkpoint and keep the ones that pass the filters.",
        discussion: """
            Conditional variants (cgan, acgan) are asked for each class. For the others, a reference classifier \
            trained on the split's training images only (never the test set) labels the samples (pseudo-labels) \
            and its confidence is stored. Filters run in the given order on each class's survivors:
              discriminator=F    keep the top fraction F of each class by
                                 discriminator score
              confidence=T       keep samples the classifier assigns to their
                                 class with probability >= T
              realism=T          keep realism >= T (Kynkaanniemi et al. 2019,
                                 embedded extractor features)
              memorisation=D     reject samples within RMS pixel distance D of
                                 a real training image
              memorisation-features=D   the same in feature space
              dedupe=D           reject samples within RMS pixel distance D of
                                 a kept sample of their class (without it,
                                 dedupe=0.001 runs last: near-exact
                                 duplicates are always removed)
            The first --per-class survivors of each class are kept. OUTPUT holds them as an image set (images, \
            labels) and every candidate with its scores and fate under candidates/; a grid of kept samples, a row \
            per class, is written beside it (OUTPUT without .h5, plus -grid.png). Kept and rejected counts per \
            filter and class are printed.

            Examples:
              augbench gan sample runs/cgan-s0/checkpoint.h5 --per-class 100 \\
                  --output runs/cgan-s0/samples.h5
              augbench gan sample runs/dcgan-s0/checkpoint.h5 --per-class 100 \\
                  --filter confidence=0.9 --filter memorisation=0.05 \\
                  --filter dedupe=0.02 --output runs/dcgan-s0/samples.h5
            """
    )

    @Argument(help: "A checkpoint written by gan train.")
    var checkpoint: String

    @Option(name: .customLong("per-class"), help: "Samples to keep per class (1-\(SettingLimits.samplesPerClass); all candidates must fit in \(SettingLimits.inMemoryBytes >> 30) GiB).")
    var perClass = 100

    @Option(help: "Candidates generated per kept sample (1-\(SettingLimits.oversample)).")
    var oversample = 3

    @Option(name: .customLong("filter"), help: "A filter (repeatable, applied in order): \(SampleFilter.syntax).")
    var filters: [String] = []

    @Option(help: "Seed (noise, classifier).")
    var seed: UInt64 = 0

    @Option(name: [.short, .long], help: "Output HDF5 file.")
    var output: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard perClass > 0, oversample > 0 else { throw ValidationError("--per-class and --oversample must be positive") }
    }

    func run() throws {
        let console = global.makeLogger()
        let plan = SamplingPlan(perClass: perClass, oversample: oversample, filters: try filters.map(SampleFilter.init(parsing:)), seed: seed)
        let set = try SamplingRun.run(plan, checkpoint: checkpoint, output: output, threads: global.threads) { console.info($0) }
        print(set.countsTable)
        print("\(set.keptPerClass.reduce(0, +)) samples -> \(output), grid \(SamplingRun.gridPath(output))")
    }
}
