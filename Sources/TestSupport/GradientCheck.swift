import Layers
import Tensors
import XCTest

/// Checks a layer's backward pass against central finite differences.
///
/// The scalar checked is L = sum(output * R) for a fixed random R, so d L / d output = R is what backward receives.
/// Each checked element x gets (L(x + h) - L(x - h)) / 2h, computed with L summed in Float64. At most
/// `maxChecksPerTensor` elements of each tensor are checked (spread evenly), which keeps large layers fast.
///
/// Networks with many ReLU-family units are piecewise linear: a step of h crosses kinks and the difference
/// quotient is then not the derivative. `kinks` lists such activation layers; an element whose +-h step changes
/// the sign pattern of any of their outputs is skipped, and at least 80% of the elements must remain.
public func assertGradientsMatchFiniteDifferences(
    _ layer: Layer, input: Tensor, mode: Mode = .training, step: Float = 1e-2,
    relative: Float = 1e-2, absolute: Float = 2e-3, checksInput: Bool = true, maxChecksPerTensor: Int = 60,
    kinks: [Layer] = [], seed: UInt64 = 99, file: StaticString = #filePath, line: UInt = #line
) {
    layer.computesInputGradient = checksInput
    layer.forward(input, mode: mode)
    var generator = RandomGenerator(seed: seed)
    var projection = Tensor(shape: layer.output.shape)
    generator.fillNormal(&projection)
    for parameter in layer.parameters { parameter.zeroGradient() }
    layer.backward(input: input, outputGradient: projection)

    func signs() -> [Bool] { kinks.flatMap { $0.output.storage.map { $0 > 0 } } }
    let reference = signs()
    var skipped = 0, checked = 0
    /// L at x, or nil when the step changed which side of a kink some unit is on.
    func loss(_ x: Tensor) -> Double? {
        layer.forward(x, mode: mode)
        guard kinks.isEmpty || signs() == reference else { return nil }
        var total = 0.0
        let output = layer.output
        for i in 0..<output.count { total += Double(output.storage[i]) * Double(projection.storage[i]) }
        return total
    }
    func quotient(_ plus: Double?, _ minus: Double?) -> Float? {
        guard let plus, let minus else { skipped += 1; return nil }
        checked += 1
        return Float((plus - minus) / (2 * Double(step)))
    }
    func indices(_ count: Int) -> [Int] {
        count <= maxChecksPerTensor ? Array(0..<count) : (0..<maxChecksPerTensor).map { $0 * count / maxChecksPerTensor }
    }

    if checksInput {
        let analytic = layer.inputGradient
        XCTAssertEqual(analytic.shape, input.shape, "input gradient shape", file: file, line: line)
        var numeric: [Float] = [], expected: [Float] = []
        for i in indices(input.count) {
            var plus = input, minus = input
            plus.withUnsafeMutableBufferPointer { $0[i] += step }
            minus.withUnsafeMutableBufferPointer { $0[i] -= step }
            guard let difference = quotient(loss(plus), loss(minus)) else { continue }
            numeric.append(difference)
            expected.append(analytic.storage[i])
        }
        assertClose(expected, numeric, relative: relative, absolute: absolute, "input gradient", file: file, line: line)
    }
    for parameter in layer.parameters {
        let analytic = parameter.gradient.storage
        var numeric: [Float] = [], expected: [Float] = []
        for i in indices(parameter.count) {
            let original = parameter.value.storage[i]
            parameter.value.withUnsafeMutableBufferPointer { $0[i] = original + step }
            let plus = loss(input)
            parameter.value.withUnsafeMutableBufferPointer { $0[i] = original - step }
            let minus = loss(input)
            parameter.value.withUnsafeMutableBufferPointer { $0[i] = original }
            guard let difference = quotient(plus, minus) else { continue }
            numeric.append(difference)
            expected.append(analytic[i])
        }
        assertClose(expected, numeric, relative: relative, absolute: absolute, "gradient of \(parameter.name)", file: file, line: line)
    }
    XCTAssertGreaterThanOrEqual(checked, 4 * skipped, "\(skipped) elements skipped at kinks, only \(checked) checked", file: file, line: line)
}

/// The ReLU-family layers inside `layers` (for `kinks:`).
public func piecewiseLinearUnits(_ layers: [Layer]) -> [Layer] {
    layers.flatMap(\.allLayers).filter { $0 is ReLU || $0 is LeakyReLU }
}

/// A tensor of normal values (seeded), for layer tests.
public func randomTensor(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    var tensor = Tensor(shape: shape)
    generator.fillNormal(&tensor, std: std)
    return tensor
}
