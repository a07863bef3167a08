import ArgumentParser
import Datasets
import Foundation
import GANs
import ResultStore
import Tensors

struct GANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan",
        abstract: "Train GANs on a split's training images.",
        discussion: """
            Example:
              augbench gan train --split runs/s.h5 --variant dcgan --steps 2000 --output runs/dcgan-s0
            """,
        subcommands: [GANTrain.self]
    )
}

struct GANTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a GAN on the split's training images (the test set is never read).",
        discussion: """
            Writes OUTPUT/checkpoint.h5 (weights, optimizer and random-stream state, loss curves) every \
            --checkpoint-every steps and at the end, and a sample grid OUTPUT/samples-step-N.png each time. \
            --resume continues from the checkpoint and gives the same result as an uninterrupted run. If the \
            losses or weights become non-finite, or the discriminator's loss stays at 0, training stops with one \
            line naming the step, keeps the last good checkpoint and exits non-zero.
            Variants: dcgan (non-saturating BCE, the anchor's networks); the others arrive with the GAN issue.

            Examples:
              augbench gan train --split runs/s.h5 --steps 2000 --output runs/dcgan-s0
              augbench gan train --resume --steps 4000 --output runs/dcgan-s0
            """
    )

    @Option(help: "Split file (required unless --resume).")
    var split: String?

    @Option(help: "GAN variant.")
    var variant = "dcgan"

    @Option(help: "Total number of updates.")
    var steps = 2000

    @Option(name: .customLong("batch-size"), help: "Mini-batch size.")
    var batchSize = 64

    @Option(name: .customLong("checkpoint-every"), help: "Steps between checkpoints.")
    var checkpointEvery = 500

    @Option(help: "Seed (initialisation, batches, noise).")
    var seed: UInt64 = 0

    @Flag(help: "Continue from OUTPUT/checkpoint.h5.")
    var resume = false

    @Option(help: "Threads.")
    var threads = 2

    @Option(name: [.short, .long], help: "Output folder.")
    var output: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard steps > 0, batchSize > 1, checkpointEvery > 0 else {
            throw ValidationError("--steps and --checkpoint-every must be positive, --batch-size above 1")
        }
        guard resume || split != nil else { throw ValidationError("give --split (or --resume to continue a run)") }
    }

    func run() throws {
        let console = global.makeLogger()
        Threads.configure(threads)
        let checkpointPath = (output as NSString).appendingPathComponent("checkpoint.h5")
        let trainer: GANTrainer, splitPath: String
        if resume {
            (trainer, splitPath) = try GANTrainer.resume(from: checkpointPath, steps: steps)
            console.info("resuming \(checkpointPath) at step \(trainer.completedSteps) of \(steps)")
        } else {
            guard let split else { throw ValidationError("--split is required") }
            guard !FileManager.default.fileExists(atPath: checkpointPath) else {
                throw ValidationError("\(checkpointPath) exists: use --resume to continue it, or another --output")
            }
            trainer = try GANTrainer(configuration: GANConfiguration(variant: variant, steps: steps, batchSize: batchSize, seed: seed),
                                     imageShape: [1, 28, 28])
            splitPath = split
        }
        let train = try SplitFile.read(splitPath).load().train
        console.info("\(trainer.configuration.variant) on \(train.count) training images of \(splitPath)")
        let bar = ProgressBar(total: steps, label: trainer.configuration.variant, quiet: global.quiet)
        do {
            try trainer.train(train, checkpointEvery: checkpointEvery, checkpoint: { step in
                try trainer.saveCheckpoint(to: checkpointPath, splitPath: splitPath)
                let grid = (output as NSString).appendingPathComponent("samples-step-\(step).png")
                try PNGImage.grid(trainer.sample(count: 64, seed: 1), columns: 8).write(grid)
                if !bar.isDrawing { console.info("step \(step): checkpoint and \(grid)") }
            }, progress: { step, lossD, lossG in
                bar.update(step, status: String(format: "D %.3f G %.3f", lossD, lossG))
            })
        } catch let divergence as GANDivergence {
            bar.finish()
            throw ValidationError("\(divergence.description); the last good checkpoint is \(checkpointPath)")
        }
        bar.finish()
        print("trained \(trainer.configuration.variant) for \(trainer.completedSteps) steps -> \(output)")
    }
}
