import ArgumentParser
import Datasets
import Foundation
import GANs
import Metrics
import Sampling
import ResultStore
import Tensors

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

    @Option(help: "Generator updates (default: the variant's).")
    var steps: Int?

    @Option(name: .customLong("batch-size"), help: "Mini-batch size.")
    var batchSize = 64

    @Option(help: "Adversarial loss (default: the variant's): \(AdversarialLoss.allCases.map(\.rawValue).joined(separator: ", ")).")
    var loss: AdversarialLoss?

    @Option(name: .customLong("lr-g"), help: "Generator learning rate (default: the variant's).")
    var generatorLearningRate: Float?

    @Option(name: .customLong("lr-d"), help: "Discriminator learning rate (default: the variant's; differ for two time-scale updates).")
    var discriminatorLearningRate: Float?

    @Option(name: .customLong("critic-steps"), help: "Discriminator updates per generator update (default: the variant's).")
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

    @Option(name: .customLong("checkpoint-every"), help: "Steps between checkpoints.")
    var checkpointEvery = 250

    @Option(help: "Seed (initialisation, batches, noise, augmentation).")
    var seed: UInt64 = 0

    @Flag(help: "Continue from OUTPUT/checkpoint.h5 (--steps sets the new total).")
    var resume = false


    @Option(name: [.short, .long], help: "Output folder.")
    var output: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard batchSize > 1, checkpointEvery > 0, (steps ?? 1) > 0, (criticSteps ?? 1) > 0 else {
            throw ValidationError("--steps, --critic-steps and --checkpoint-every must be positive, --batch-size above 1")
        }
        guard resume || split != nil else { throw ValidationError("give --split (or --resume to continue a run)") }
        if projection && variant != .cgan { throw ValidationError("--projection applies to --variant cgan") }
    }

    /// The variant's preset with this command's overrides, for the split's images.
    private func makeConfiguration(imageShape: [Int], classCount: Int) -> GANConfiguration {
        var c = GANConfiguration(variant: variant, imageShape: imageShape, classCount: classCount)
        if let steps { c.steps = steps }
        c.batchSize = batchSize
        if let loss { c.loss = loss }
        if let generatorLearningRate { c.generatorLearningRate = generatorLearningRate }
        if let discriminatorLearningRate { c.discriminatorLearningRate = discriminatorLearningRate }
        if let criticSteps { c.criticSteps = criticSteps }
        c.labelSmoothing = labelSmoothing
        c.diffAugment = diffaugment
        c.emaDecay = ema
        c.architecture.residual = residual
        c.architecture.attention = attention
        if projection { c.architecture.conditioning = .projection }
        c.seed = seed
        return c
    }

    func run() throws {
        let console = global.makeLogger()
        Threads.configure(global.threads)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let checkpointPath = (output as NSString).appendingPathComponent("checkpoint.h5")
        let trainer: GANTrainer, splitPath: String, train: ImageSet
        if resume {
            (trainer, splitPath) = try GANTrainer.resume(from: checkpointPath, steps: steps)
            console.info("resuming \(checkpointPath) at step \(trainer.completedSteps) of \(trainer.configuration.steps)")
            train = try SplitFile.read(splitPath).loadTrainingImages().train
        } else {
            guard let split else { throw ValidationError("--split is required") }
            guard !FileManager.default.fileExists(atPath: checkpointPath) else {
                throw ValidationError("\(checkpointPath) exists: use --resume to continue it, or another --output")
            }
            splitPath = split
            train = try SplitFile.read(split).loadTrainingImages().train
            trainer = try GANTrainer(configuration: makeConfiguration(imageShape: train.imageShape, classCount: train.classCount))
        }
        let c = trainer.configuration
        console.info("\(c.variant.rawValue) on \(train.count) training images of \(splitPath): \(c.steps) steps")
        for line in c.summary.split(separator: "\n") { console.debug(String(line)) }
        let bar = ProgressBar(total: c.steps, label: c.variant.rawValue, quiet: global.quiet)
        do {
            try trainer.train(train, checkpointEvery: checkpointEvery, checkpoint: { step in
                try trainer.saveCheckpoint(to: checkpointPath, splitPath: splitPath)
                let grid = (output as NSString).appendingPathComponent("samples-step-\(step).png")
                try PNGImage.grid(trainer.sampleGridImages(), columns: 10).write(grid)
                try writeLossCurves(trainer)
                if !bar.isDrawing { console.info("step \(step): checkpoint and \(grid)") }
            }, progress: { step, losses in
                bar.update(step, status: String(format: "D %.3f G %.3f", losses.discriminator, losses.generator))
            })
        } catch let divergence as GANDivergence {
            bar.finish()
            throw ValidationError("\(divergence.description); the last good checkpoint is \(checkpointPath)")
        }
        bar.finish()
        print("trained \(c.variant.rawValue) for \(trainer.completedSteps) steps -> \(output)")
    }

    /// OUTPUT/losses.csv for pandas and spreadsheets (the checkpoint holds the same curves).
    private func writeLossCurves(_ trainer: GANTrainer) throws {
        var text = "step,loss_discriminator,loss_generator,gradient_penalty\n"
        for i in trainer.generatorLosses.indices {
            text += "\(i + 1),\(trainer.discriminatorLosses[i]),\(trainer.generatorLosses[i]),\(trainer.penalties[i])\n"
        }
        try text.write(toFile: (output as NSString).appendingPathComponent("losses.csv"), atomically: true, encoding: .utf8)
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

    @Option(name: .customLong("per-class"), help: "Samples to keep per class.")
    var perClass = 100

    @Option(help: "Candidates generated per kept sample.")
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
        Threads.configure(global.threads)
        let plan = SamplingPlan(perClass: perClass, oversample: oversample, filters: try filters.map(SampleFilter.init(parsing:)), seed: seed)
        let (trainer, splitPath) = try GANTrainer.resume(from: checkpoint)
        let data = try SplitFile.read(splitPath).loadTrainingImages()
        let extractor = try FeatureExtractor.bundledPath.map(FeatureExtractor.load)
        let fits = extractor.map { $0.imageShape == data.train.imageShape && $0.classNames.count == data.train.classCount } ?? false
        console.info("\(trainer.configuration.variant.rawValue) at step \(trainer.completedSteps), split \(splitPath)")
        let sampler = GANSampler(trainer: trainer, train: data.train, validation: data.validation, extractor: fits ? extractor : nil)
        let set = try sampler.run(plan, log: { console.info($0) })
        try GANSampler.write(set, to: output, checkpoint: checkpoint, step: trainer.completedSteps, variant: trainer.configuration.variant.rawValue)
        let grid = (output.hasSuffix(".h5") ? String(output.dropLast(3)) : output) + "-grid.png"
        let kept = try set.kept()
        let rows = (0..<kept.classCount).flatMap { c in kept.labels.indices.filter { kept.labels[$0] == c }.prefix(10) }
        try PNGImage.grid(kept.images.gathering(rows), columns: 10).write(grid)
        print(summary(set))
        print("\(kept.count) samples -> \(output), grid \(grid)")
    }

    /// A table of candidates, rejections per filter and kept samples, per class.
    private func summary(_ set: SampleSet) -> String {
        let names = set.filters.map(\.description) + ["surplus"]
        let width = max(12, 2 + (names.map(\.count).max() ?? 0))
        func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        var candidates = [Int](repeating: 0, count: set.classNames.count)
        for label in set.labels { candidates[label] += 1 }
        var lines = [pad("class") + set.classNames.indices.map { String(format: "%6d", $0) }.joined()]
        lines.append(pad("candidates") + candidates.map { String(format: "%6d", $0) }.joined())
        for (name, row) in zip(names, set.rejections) { lines.append(pad("- " + name) + row.map { String(format: "%6d", $0) }.joined()) }
        lines.append(pad("kept") + set.keptPerClass.map { String(format: "%6d", $0) }.joined())
        return lines.joined(separator: "\n")
    }
}
