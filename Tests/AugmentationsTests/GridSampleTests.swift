import Augmentations
import Foundation
import ResultStore
import Tensors
import TestSupport
import XCTest

/// The geometric core against PyTorch and against exact integer operations.
final class GridSampleTests: XCTestCase {
    private static let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/grid-sample.h5").path

    func testAffineGridSampleMatchesPyTorchInEveryBorderMode() throws {
        let file = try HDF5File.open(Self.fixturePath)
        defer { file.close() }
        for (name, salt) in [("gray28", UInt64(5)), ("rgb_5x7", 6)] {
            let group = try file.root.group(name)
            let shape = try group.arrayAttribute("shape", as: Int64.self).map { Int($0) }
            let (thetas, thetaShape) = try group.read("theta", as: Float.self)
            let perSample = (0..<thetaShape[0]).map { Array(thetas[($0 * 6)..<($0 * 6 + 6)]) }
            for (mode, border) in [("zeros", BorderMode.constant), ("border", .border), ("reflection", .reflection)] {
                var batch = HashedFill.tensor(shape, salt: salt, scale: 1)
                AffineWarp.apply(perSample, to: &batch, border: border, fill: 0)
                let expected = try group.read(mode, as: Float.self).values
                assertClose(batch.storage, expected, relative: 0, absolute: 1e-5, "\(name) \(mode)")
            }
        }
    }

    /// An image whose pixels are all different, so misplaced pixels cannot hide.
    private func ramp(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        return try! Tensor(shape: shape, storage: (0..<count).map { Float($0) / Float(count) * 2 - 1 })
    }

    func testRotationBy90DegreesIsTransposeAndFlip() {
        let side = 9
        let input = ramp([1, 1, side, side])
        var rotated = input
        AffineWarp.apply([[0, -1, 0, 1, 0, 0]], to: &rotated)
        var expected = input
        for r in 0..<side { for q in 0..<side { expected[0, 0, r, q] = input[0, 0, q, side - 1 - r] } }
        assertClose(rotated.storage, expected.storage, relative: 0, absolute: 1e-5)
    }

    func testIntegerShiftIsARollWithFill() {
        let (h, w, k) = (6, 8, 3)
        let input = ramp([1, 1, h, w])
        var shifted = input
        AffineWarp.apply([[1, 0, 2 * Float(k) / Float(w), 0, 1, 0]], to: &shifted, fill: -1)
        var expected = Tensor(shape: [1, 1, h, w], repeating: -1)
        for r in 0..<h { for q in 0..<(w - k) { expected[0, 0, r, q] = input[0, 0, r, q + k] } }
        assertClose(shifted.storage, expected.storage, relative: 0, absolute: 1e-5)
    }

    func testIdentityParametersReturnTheInputExactly() throws {
        let input = ramp([3, 2, 7, 5])
        var warped = input
        AffineWarp.apply([[1, 0, 0, 0, 1, 0]], to: &warped)
        XCTAssertEqual(warped, input)
        var augmented = input
        var generator = RandomGenerator(seed: 1)
        try AugmentationPipeline(parsing: "rotate=0,shift=0,scale=0,shear=0").apply(to: &augmented, generator: &generator)
        XCTAssertEqual(augmented, input)
    }

    func testRotateThenInverseRotateRestoresTheInterior() {
        // A smooth blob: bilinear interpolation blurs edges, not smooth interiors.
        let side = 28
        var blob = Tensor(shape: [1, 1, side, side])
        for r in 0..<side { for q in 0..<side {
            let d = (Float(r) - 13.5) * (Float(r) - 13.5) + (Float(q) - 13.5) * (Float(q) - 13.5)
            blob[0, 0, r, q] = 2 * exp(-d / 60) - 1
        } }
        let angle: Float = 20 * .pi / 180
        var twice = blob
        AffineWarp.apply([[cos(angle), -sin(angle), 0, sin(angle), cos(angle), 0]], to: &twice, fill: -1)
        AffineWarp.apply([[cos(angle), sin(angle), 0, -sin(angle), cos(angle), 0]], to: &twice, fill: -1)
        var worst: Float = 0
        for r in 7..<21 { for q in 7..<21 { worst = max(worst, abs(twice[0, 0, r, q] - blob[0, 0, r, q])) } }
        XCTAssertLessThan(worst, 0.03)
    }
}
