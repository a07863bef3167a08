import Classifiers
import Foundation
import GANs
import Layers
import Optimizers
import ResultStore
import Tensors
import TestSupport
import XCTest

/// Whole networks against PyTorch: one classifier training step (+ three Adam steps) and two DCGAN steps, from
/// Tests/LayersTests/Fixtures/torch-layers.h5 (made by make_torch_fixtures.py beside it, PyTorch 2.15).
///
/// Tolerance: |ours - torch| <= 1e-4 * |torch| + 1e-4 * max|torch over the tensor|. The second term is needed
/// for elements near zero, where float32 sums in a different order differ by more than 1e-4 of themselves.
final class TorchFixtureTests: XCTestCase {
    private static let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/torch-layers.h5").path

    private var file: HDF5File!

    override func setUpWithError() throws {
        file = try HDF5File.open(Self.fixturePath)
    }

    override func tearDown() {
        file?.close()
    }

    /// Compares `actual` with the fixture's values (all elements, or the stored sample).
    private func assertMatches(_ actual: Tensor, _ name: String, relative: Float = 1e-4,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let group = self.file.root
        let expected = try group.read(name, as: Float.self).values
        let shape: [Int64] = try group.arrayAttribute("shape", on: name)
        XCTAssertEqual(actual.shape, shape.map { Int($0) }, "\(name) shape", file: file, line: line)
        let indices: [Int] = group.hasAttribute("indices", on: name)
            ? try group.arrayAttribute("indices", as: Int64.self, on: name).map { Int($0) } : Array(0..<actual.count)
        let values = indices.map { actual.storage[$0] }
        let scale = expected.map(abs).max() ?? 0
        assertClose(values, expected, relative: relative, absolute: relative * scale, name, file: file, line: line)
    }

    func testClassifierTrainingStepMatchesPyTorch() throws {
        let network = ReferenceClassifier.make(imageShape: [1, 28, 28], classCount: 10, seed: 0, dropout: 0)
        HashedFill.fill(network, salt0: 100)
        let x = HashedFill.tensor([8, 1, 28, 28], salt: 1, scale: 1)
        let labels = [3, 1, 4, 1, 5, 9, 2, 6]
        let adam = Adam(parameters: network.parameters, learningRate: 1e-3)
        var gradient = Tensor(shape: [0])
        for step in 0..<3 {
            network.forward(x, mode: .training)
            let loss = SoftmaxCrossEntropy()(network.output, labels: labels, gradient: &gradient)
            adam.zeroGradients()
            network.backward(input: x, outputGradient: gradient)
            if step == 0 {
                let expectedLoss = try file.root.group("classifier").attribute("loss", as: Double.self)
                XCTAssertEqual(Double(loss), expectedLoss, accuracy: 1e-4 * abs(expectedLoss))
                try assertMatches(network.output, "classifier/logits")
                for named in network.namedParameters {
                    try assertMatches(named.parameter.gradient, "classifier/grad/\(named.path)")
                }
            }
            adam.update()
        }
        for named in network.namedParameters {
            try assertMatches(named.parameter.value, "classifier/after/\(named.path)")
        }
    }

    func testDCGANStepsMatchPyTorch() throws {
        let generator = DCGAN.generator(), discriminator = DCGAN.discriminator()
        HashedFill.fill(generator, salt0: 200)
        HashedFill.fill(discriminator, salt0: 300)
        let step = GANStep(generator: generator, discriminator: discriminator)
        let real = HashedFill.tensor([8, 1, 28, 28], salt: 2, scale: 1)
        let group = try file.root.group("dcgan")
        for index in 0..<2 {
            let noise = HashedFill.tensor([8, 100, 1, 1], salt: UInt64(10 + index), scale: 1.7)
            if index == 0 {
                // The step's phases one by one, so each gradient is checked before an optimizer moves anything.
                generator.forward(noise, mode: .training)
                let fake = generator.output
                try assertMatches(fake, "dcgan/fake")
                let lossD = step.discriminatorGradients(real: real, fake: fake)
                XCTAssertEqual(Double(lossD), try group.attribute("loss_d", as: Double.self), accuracy: 1e-4)
                for named in discriminator.namedParameters {
                    try assertMatches(named.parameter.gradient, "dcgan/grad_d/\(named.path)")
                }
                step.discriminatorOptimizer.update()
                let discriminatorGradients = discriminator.parameters.map(\.gradient)
                let lossG = step.generatorGradients(noise: noise, fake: fake)
                XCTAssertEqual(discriminator.parameters.map(\.gradient), discriminatorGradients,
                               "the generator phase must not touch the discriminator's gradients")
                XCTAssertEqual(Double(lossG), try group.attribute("loss_g", as: Double.self), accuracy: 1e-4)
                for named in generator.namedParameters {
                    try assertMatches(named.parameter.gradient, "dcgan/grad_g/\(named.path)")
                }
                step.generatorOptimizer.update()
            } else {
                let losses = step(real: real, noise: noise)
                XCTAssertEqual(Double(losses.discriminator), try group.attribute("loss_d_step1", as: Double.self), accuracy: 1e-4)
                XCTAssertEqual(Double(losses.generator), try group.attribute("loss_g_step1", as: Double.self), accuracy: 1e-4)
            }
        }
        for named in generator.namedParameters { try assertMatches(named.parameter.value, "dcgan/after_g/\(named.path)") }
        for named in discriminator.namedParameters { try assertMatches(named.parameter.value, "dcgan/after_d/\(named.path)") }
        for (name, tensor) in generator.buffers { try assertMatches(tensor, "dcgan/buffers_g/\(name)") }
        for (name, tensor) in discriminator.buffers { try assertMatches(tensor, "dcgan/buffers_d/\(name)") }
    }
}
