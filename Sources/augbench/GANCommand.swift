import ArgumentParser
import Datasets
import Foundation
import GANs
import ResultStore
import Tensors

struct GANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan",
        abstract: "Train GANs on a split's training images and sample filtered, labelled images from them.",
        discussion: """
            Examples:
              augbench gan train --split runs/s.h5 --variant cgan --output runs/cgan-s0
              augbench gan sample runs/cgan-s0/checkpoint.h5 --per-class 100 --filter confidence=0.9 --output runs/cgan-s0/samples.h5
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
              dcgan    DCGAN pair, non-saturating loss (--loss minimax for the original), Adam 2e-4 (0.5, 0.999)
              cgan     conditional: label embedding joined to z; label map as an extra D channel (--projection for a
                       projection discriminator)
              acgan    conditional generator, discriminator with an auxiliary classifier head
              wgan     Wasserstein critic with weights clipped to 0.01, RMSprop 5e-5, 5 critic steps per G step
              wgan-gp  Wasserstein critic without normalisation, exact gradient penalty (lambda 10), Adam 1e-4 (0, 0.9),
                       5 critic steps
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
              augbench gan train --split runs/s.h5 --variant cgan --diffaugment --ema 0.999 --label-smoothing 0.1 --output runs/cgan-s0
              augbench gan train --split runs/s.h5 --variant sngan --residual --attention --lr-d 4e-4 --lr-g 1e-4 --output runs/sngan-s0
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

    @Option(help: "Threads.")
    var threads = 2

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
        Threads.configure(threads)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let checkpointPath = (output as NSString).appendingPathComponent("checkpoint.h5")
        let trainer: GANTrainer, splitPath: String
        if resume {
            (trainer, splitPath) = try GANTrainer.resume(from: checkpointPath, steps: steps)
            console.info("resuming \(checkpointPath) at step \(trainer.completedSteps) of \(trainer.configuration.steps)")
        } else {
            guard let split else { throw ValidationError("--split is required") }
            guard !FileManager.default.fileExists(atPath: checkpointPath) else {
                throw ValidationError("\(checkpointPath) exists: use --resume to continue it, or another --output")
            }
            splitPath = split
            let probe = try SplitFile.read(split).load().train
            trainer = try GANTrainer(configuration: makeConfiguration(imageShape: probe.imageShape, classCount: probe.classCount))
        }
        let train = try SplitFile.read(splitPath).load().train
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
    static let configuration = CommandConfiguration(commandName: "sample", abstract: "placeholder")
    func run() throws {}
}
