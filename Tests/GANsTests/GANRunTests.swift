import Datasets
import Foundation
import GANs
import Layers
import Tensors
import TestSupport
import XCTest

/// GAN runs as a library call: new and resumed runs, their files, and loading a checkpoint for sampling.
final class GANRunTests: XCTestCase {
    private func makeSplit() throws -> (split: String, folder: String) {
        let folder = try makeTemporaryFolder()
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 45, side: 8)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 9, side: 8)
        let split = path(folder, "split.h5")
        try SplitFile.make(source: DatasetSource.resolve(folder), plan: .stratified(classCount: 3, perClass: 8, seed: 0)).write(to: split)
        return (split, folder)
    }

    private func settings(_ variant: GANVariant, steps: Int) -> GANRunSettings {
        var s = GANRunSettings(variant: variant)
        (s.steps, s.batchSize, s.checkpointEvery, s.seed, s.emaDecay) = (steps, 6, 2, 4, 0.9)
        return s
    }

    private func state(_ checkpoint: String) throws -> [Float] {
        let model = try GANTrainer.resume(from: checkpoint).trainer.model
        let networks: [NetworkModule] = [model.generator, model.discriminator, model.averagedGenerator!]
        return networks.flatMap { network -> [Float] in
            network.parameters.flatMap(\.value.storage) + network.buffers.flatMap(\.tensor.storage)
        }
    }

    func testAResumedRunEqualsAnUninterruptedOneAndWritesItsFiles() throws {
        let (split, folder) = try makeSplit()
        let whole = path(folder, "whole"), pieces = path(folder, "pieces")
        var events: [String] = []
        _ = try GANRun.start(settings(.cgan, steps: 6), split: split, output: whole, threads: 1) { event in
            if case .checkpoint(let step, _) = event { events.append("checkpoint \(step)") }
        }
        XCTAssertEqual(events, ["checkpoint 2", "checkpoint 4", "checkpoint 6"])
        _ = try GANRun.start(settings(.cgan, steps: 3), split: split, output: pieces, threads: 1)
        let resumed = try GANRun.resume(output: pieces, steps: 6, checkpointEvery: 2, threads: 1)
        XCTAssertEqual(resumed.trainer.completedSteps, 6)
        XCTAssertEqual(try state(GANRun.checkpointPath(whole)), try state(GANRun.checkpointPath(pieces)))
        for file in ["samples-step-2.png", "samples-step-6.png", "losses.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path(whole, file)), file)
        }
        XCTAssertEqual(try String(contentsOfFile: path(whole, "losses.csv"), encoding: .utf8),
                       try String(contentsOfFile: path(pieces, "losses.csv"), encoding: .utf8))
        XCTAssertThrowsError(try GANRun.start(settings(.cgan, steps: 6), split: split, output: whole, threads: 1)) {
            XCTAssertTrue("\($0)".contains("exists"), "\($0)")
        }
    }

    /// Sampling loads only what it needs, and draws exactly what the trainer would.
    func testALoadedCheckpointSamplesAndScoresLikeTheTrainer() throws {
        let (split, folder) = try makeSplit()
        let run = try GANRun.start(settings(.acgan, steps: 2), split: split, output: path(folder, "acgan"), threads: 1)
        let loaded = try TrainedGAN.load(run.checkpoint)
        XCTAssertEqual(loaded.step, 2)
        XCTAssertEqual(loaded.splitPath, URL(fileURLWithPath: split).standardizedFileURL.path, "the split's absolute path")
        XCTAssertEqual(loaded.configuration, run.trainer.configuration)
        let labels = [0, 1, 2, 2]
        let images = loaded.sample(count: 4, labels: labels, seed: 8)
        XCTAssertEqual(images, run.trainer.sample(count: 4, labels: labels, seed: 8))
        XCTAssertEqual(loaded.scores(images, labels: labels), TrainedGAN(trainer: run.trainer).scores(images, labels: labels))
    }

    func testADivergenceBeforeTheFirstCheckpointSaysNoneWasWritten() throws {
        let (split, folder) = try makeSplit()
        var s = settings(.dcgan, steps: 5)
        s.generatorLearningRate = 1e30
        s.discriminatorLearningRate = 1e30
        s.checkpointEvery = 100
        XCTAssertThrowsError(try GANRun.start(s, split: split, output: path(folder, "diverged"), threads: 1)) {
            XCTAssertTrue("\($0)".contains("diverged at step"), "\($0)")
            XCTAssertTrue("\($0)".contains("no checkpoint was written"), "\($0)")
        }
    }

    func testSettingsDecodeOverridesAndRejectUnknownKeys() throws {
        let decoded = try JSONDecoder().decode(GANRunSettings.self, from: Data(#"{"variant": "wgan-gp", "steps": 10, "lr_d": 0.0004}"#.utf8))
        XCTAssertEqual(decoded.variant, .wganGP)
        let configuration = try decoded.configuration(imageShape: [1, 8, 8], classCount: 3)
        XCTAssertEqual(configuration.steps, 10)
        XCTAssertEqual(configuration.discriminatorLearningRate, 4e-4)
        XCTAssertEqual(configuration.gradientPenalty, 10, "the variant's preset stays where nothing overrides it")
        XCTAssertThrowsError(try JSONDecoder().decode(GANRunSettings.self, from: Data(#"{"variant": "dcgan", "stpes": 10}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("unknown key 'stpes'"), "\($0)")
        }
        XCTAssertThrowsError(try JSONDecoder().decode(GANRunSettings.self, from: Data(#"{"variant": "stylegan"}"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(GANRunSettings.self, from: Data(#"{"variant": "dcgan", "projection": true}"#.utf8)))
    }
}
