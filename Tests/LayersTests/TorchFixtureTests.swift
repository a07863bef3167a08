import Classifiers
import Foundation
import GANs
import Layers
import Optimizers
import ResultStore
import Tensors
import TestSupport
import XCTest

/// Whole networks against PyTorch: one classifier training step (+ three Adam steps), two DCGAN steps and the
/// WGAN-GP penalty's second-derivative gradient, from
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

    /// The fixture's name for a parameter or buffer: the anchor's discriminator ends in Conv(128, 1, 7) at index 5,
    /// which AugBench runs as the linear head on the flattened map (same values, same order, shape [1, 6272]).
    private func torchName(_ path: String) -> String {
        path.replacingOccurrences(of: "body.", with: "").replacingOccurrences(of: "head.", with: "5.")
    }

    private func assertMatches(_ actual: Tensor, path: String, _ prefix: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let name = "\(prefix)/\(torchName(path))"
        let shape: [Int64] = try self.file.root.arrayAttribute("shape", on: name)
        try assertMatches(actual.reshaped(shape.map { Int($0) }), name, file: file, line: line)
    }

    func testDCGANStepsMatchPyTorch() throws {
        let model = try GANModel(configuration: GANConfiguration(variant: .dcgan))
        let (generator, discriminator) = (model.generator, model.discriminator)
        HashedFill.fill(generator.body, salt0: 200)
        HashedFill.fill(Sequential(discriminator.body.layers + [discriminator.head]), salt0: 300)
        let real = HashedFill.tensor([8, 1, 28, 28], salt: 2, scale: 1)
        let labels = Tensor(shape: [8])
        let group = try file.root.group("dcgan")
        for index in 0..<2 {
            let noise = HashedFill.tensor([8, 100, 1, 1], salt: UInt64(10 + index), scale: 1.7)
            generator.forward(noise: noise, labels: nil, mode: .training)
            if index == 0 {
                // The step's phases one by one, so each gradient is checked before an optimizer moves anything.
                try assertMatches(generator.output, "dcgan/fake")
                let lossD = model.discriminatorGradients(real: real, realLabels: labels, fake: generator.output, fakeLabels: labels)
                XCTAssertEqual(Double(lossD.discriminator), try group.attribute("loss_d", as: Double.self), accuracy: 1e-4)
                for named in discriminator.namedParameters { try assertMatches(named.parameter.gradient, path: named.path, "dcgan/grad_d") }
                model.discriminatorOptimizer.update()
                let discriminatorGradients = discriminator.parameters.map(\.gradient)
                let lossG = model.generatorGradients(noise: noise, labels: labels)
                XCTAssertEqual(discriminator.parameters.map(\.gradient), discriminatorGradients,
                               "the generator phase must not touch the discriminator's gradients")
                XCTAssertEqual(Double(lossG), try group.attribute("loss_g", as: Double.self), accuracy: 1e-4)
                for named in generator.namedParameters { try assertMatches(named.parameter.gradient, path: named.path, "dcgan/grad_g") }
                model.generatorOptimizer.update()
            } else {
                let lossD = model.discriminatorStep(real: real, realLabels: labels, fake: generator.output, fakeLabels: labels)
                let lossG = model.generatorStep(noise: noise, labels: labels)
                XCTAssertEqual(Double(lossD.discriminator), try group.attribute("loss_d_step1", as: Double.self), accuracy: 1e-4)
                XCTAssertEqual(Double(lossG), try group.attribute("loss_g_step1", as: Double.self), accuracy: 1e-4)
            }
        }
        for named in generator.namedParameters { try assertMatches(named.parameter.value, path: named.path, "dcgan/after_g") }
        for named in discriminator.namedParameters { try assertMatches(named.parameter.value, path: named.path, "dcgan/after_d") }
        for (name, tensor) in generator.buffers { try assertMatches(tensor, path: name, "dcgan/buffers_g") }
        for (name, tensor) in discriminator.buffers { try assertMatches(tensor, path: name, "dcgan/buffers_d") }
    }

    /// The WGAN-GP penalty and its second-derivative gradient against torch.autograd.grad(create_graph=True).
    func testGradientPenaltyMatchesPyTorchDoubleBackward() throws {
        let model = try GANModel(configuration: GANConfiguration(variant: .wganGP))
        let critic = model.discriminator
        HashedFill.fill(Sequential(critic.body.layers + [critic.head]), salt0: 400)
        let points = HashedFill.tensor([4, 1, 28, 28], salt: 30, scale: 1)
        critic.zeroGradients()
        let result = try XCTUnwrap(model.penalty).accumulate(at: points)
        let expected = try file.root.group("wgan_gp").attribute("penalty", as: Double.self)
        XCTAssertEqual(Double(result.penalty), expected, accuracy: 1e-4 * expected)
        for named in critic.namedParameters { try assertMatches(named.parameter.gradient, path: named.path, "wgan_gp/grad") }
    }
}
