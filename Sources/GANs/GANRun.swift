import Datasets
import Foundation
import ResultStore
import Tensors

/// What a GAN run reports while it works (the run itself prints nothing).
public enum GANRunEvent {
    /// A line worth telling the user.
    case message(String)
    /// Training starts (or continues) with this configuration, towards `configuration.steps`.
    case started(GANConfiguration)
    /// A generator update finished.
    case step(Int, GANLosses)
    /// A checkpoint, its sample grid and the loss curves were written.
    case checkpoint(step: Int, grid: String)
}

/// A GAN run that stopped because training diverged; says where the last good checkpoint is, if any.
public struct GANRunDivergence: Error, CustomStringConvertible {
    public let divergence: GANDivergence
    /// The last checkpoint written before the divergence (nil: none was).
    public let lastCheckpoint: (path: String, step: Int)?
    public var description: String {
        guard let lastCheckpoint else { return "\(divergence.description); no checkpoint was written before it" }
        return "\(divergence.description); the last good checkpoint is \(lastCheckpoint.path) (step \(lastCheckpoint.step))"
    }
}

/// Trains a GAN on a split's training images (the test set is never opened) into an output folder:
/// `checkpoint.h5` (everything needed to resume bit-identically), `samples-step-N.png` and `losses.csv` at every
/// checkpoint (`augbench gan train` is this call).
///
/// ```swift
/// var settings = GANRunSettings(variant: .cgan)
/// settings.diffAugment = true
/// let gan = try GANRun.start(settings, split: "runs/split.h5", output: "runs/cgan", threads: 2)
/// let samples = try TrainedGAN.load(gan.checkpoint)
/// ```
public enum GANRun {
    /// The trainer and where its files are.
    public struct Result {
        public let trainer: GANTrainer
        public let checkpoint: String
        public let splitPath: String
    }

    public static func checkpointPath(_ output: String) -> String { (output as NSString).appendingPathComponent("checkpoint.h5") }

    /// A new run; refuses an output folder that already holds a checkpoint.
    public static func start(_ settings: GANRunSettings, split: String, output: String, threads: Int,
                             events: (GANRunEvent) -> Void = { _ in }) throws -> Result {
        Threads.configure(threads)
        let checkpoint = checkpointPath(output)
        guard !FileManager.default.fileExists(atPath: checkpoint) else {
            throw GANSetupError("\(checkpoint) exists: use --resume to continue it, or another output folder")
        }
        try OutputPath.prepare(checkpoint)
        let splitPath = URL(fileURLWithPath: split).standardizedFileURL.path
        let train = try SplitFile.read(splitPath).loadTrainingImages().train
        try settings.validate()
        let trainer = try GANTrainer(configuration: settings.configuration(imageShape: train.imageShape, classCount: train.classCount))
        return try run(trainer, train: train, splitPath: splitPath, output: output, checkpointEvery: settings.checkpointEvery, threads: threads,
                       events: events)
    }

    /// Continues the run in `output` from its checkpoint; `steps` sets a new total. The result equals an
    /// uninterrupted run's.
    public static func resume(output: String, steps: Int? = nil, checkpointEvery: Int = GANRunSettings().checkpointEvery, threads: Int,
                              events: (GANRunEvent) -> Void = { _ in }) throws -> Result {
        Threads.configure(threads)
        let checkpoint = checkpointPath(output)
        let (trainer, provenance) = try GANTrainer.resume(from: checkpoint, steps: steps)
        let splitPath = provenance.split
        // Resuming on other data, or with another thread count, would silently give another run than the one
        // that was started: refuse with what differs.
        if let recorded = provenance.threads, recorded != threads {
            throw GANSetupError("\(checkpoint) was trained with \(recorded) thread(s); resuming with \(threads) would not continue the same run "
                                + "(results are bit-identical only at a fixed thread count): resume with --threads \(recorded)")
        }
        if let recorded = provenance.splitChecksum {
            guard FileManager.default.fileExists(atPath: splitPath) else {
                throw GANSetupError("\(checkpoint) was trained on \(splitPath), which is gone")
            }
            guard try SHA256.hex(ofFile: splitPath) == recorded else {
                throw GANSetupError("\(checkpoint) was trained on another \(splitPath) (its SHA-256 changed since): start a new run")
            }
        }
        events(.message("resuming \(checkpoint) at step \(trainer.completedSteps) of \(trainer.configuration.steps)"))
        let train = try SplitFile.read(splitPath).loadTrainingImages().train
        return try run(trainer, train: train, splitPath: splitPath, output: output, checkpointEvery: checkpointEvery, threads: threads, events: events)
    }

    private static func run(_ trainer: GANTrainer, train: ImageSet, splitPath: String, output: String, checkpointEvery: Int, threads: Int,
                            events: (GANRunEvent) -> Void) throws -> Result {
        let splitChecksum = try SHA256.hex(ofFile: splitPath)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let checkpoint = checkpointPath(output)
        let c = trainer.configuration
        events(.message("\(c.variant.rawValue) on \(train.count) training images of \(splitPath): \(c.steps) steps"))
        events(.started(c))
        var lastCheckpoint: (String, Int)? = FileManager.default.fileExists(atPath: checkpoint) ? (checkpoint, trainer.completedSteps) : nil
        do {
            try trainer.train(train, checkpointEvery: checkpointEvery, checkpoint: { step in
                try trainer.saveCheckpoint(to: checkpoint, splitPath: splitPath, splitChecksum: splitChecksum, threads: threads)
                let grid = (output as NSString).appendingPathComponent("samples-step-\(step).png")
                try PNGImage.grid(trainer.sampleGridImages(), columns: 10).write(grid)
                try writeLossCurves(trainer, to: (output as NSString).appendingPathComponent("losses.csv"))
                lastCheckpoint = (checkpoint, step)
                events(.checkpoint(step: step, grid: grid))
            }, progress: { step, losses in
                events(.step(step, losses))
            })
        } catch let divergence as GANDivergence {
            throw GANRunDivergence(divergence: divergence, lastCheckpoint: lastCheckpoint)
        }
        return Result(trainer: trainer, checkpoint: checkpoint, splitPath: splitPath)
    }

    /// The loss curves as CSV, for pandas and spreadsheets (the checkpoint holds the same curves).
    static func writeLossCurves(_ trainer: GANTrainer, to path: String) throws {
        var text = "step,loss_discriminator,loss_generator,gradient_penalty\n"
        for i in trainer.generatorLosses.indices {
            text += "\(i + 1),\(trainer.discriminatorLosses[i]),\(trainer.generatorLosses[i]),\(trainer.penalties[i])\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
