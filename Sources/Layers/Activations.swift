import Foundation
import Tensors

/// Buffers and loops shared by the elementwise activations. Each activation passes its function as a literal
/// closure; the helpers are always inlined, so the closures are too and the loops run without calls.
struct ElementwiseBuffers {
    var output = Tensor(shape: [0])
    var inputGradient = Tensor(shape: [0])

    @inline(__always)
    mutating func forward(_ input: Tensor, _ f: (Float) -> Float) {
        output.reuse(shape: input.shape)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for i in 0..<x.count { y[i] = f(x[i]) }
            }
        }
    }

    /// dx = dy * derivative(x, y)
    @inline(__always)
    mutating func backward(_ input: Tensor, _ outputGradient: Tensor, _ derivative: (Float, Float) -> Float) {
        inputGradient.reuse(shape: input.shape)
        let output = self.output
        input.withUnsafeBufferPointer { x in
            output.withUnsafeBufferPointer { y in
                outputGradient.withUnsafeBufferPointer { dy in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        for i in 0..<x.count { dx[i] = dy[i] * derivative(x[i], y[i]) }
                    }
                }
            }
        }
    }
}

/// max(0, x). The gradient at 0 is 0, as in PyTorch.
public final class ReLU: Layer {
    private var buffers = ElementwiseBuffers()
    public var output: Tensor { buffers.output }
    public var inputGradient: Tensor { buffers.inputGradient }
    public var computesInputGradient = true
    public init() {}

    public func forward(_ input: Tensor, mode: Mode) { buffers.forward(input) { $0 > 0 ? $0 : 0 } }
    public func backward(input: Tensor, outputGradient: Tensor) {
        if computesInputGradient { buffers.backward(input, outputGradient) { x, _ in x > 0 ? 1 : 0 } }
    }
}

/// x for x > 0, slope * x otherwise (DCGAN's discriminator uses slope 0.2).
public final class LeakyReLU: Layer {
    public let slope: Float
    private var buffers = ElementwiseBuffers()
    public var output: Tensor { buffers.output }
    public var inputGradient: Tensor { buffers.inputGradient }
    public var computesInputGradient = true
    public init(slope: Float = 0.01) { self.slope = slope }

    public func forward(_ input: Tensor, mode: Mode) {
        let slope = slope
        buffers.forward(input) { $0 > 0 ? $0 : slope * $0 }
    }
    public func backward(input: Tensor, outputGradient: Tensor) {
        let slope = slope
        if computesInputGradient { buffers.backward(input, outputGradient) { x, _ in x > 0 ? 1 : slope } }
    }
}

/// tanh(x); derivative 1 - y^2.
public final class Tanh: Layer {
    private var buffers = ElementwiseBuffers()
    public var output: Tensor { buffers.output }
    public var inputGradient: Tensor { buffers.inputGradient }
    public var computesInputGradient = true
    public init() {}

    public func forward(_ input: Tensor, mode: Mode) { buffers.forward(input) { tanhf($0) } }
    public func backward(input: Tensor, outputGradient: Tensor) {
        if computesInputGradient { buffers.backward(input, outputGradient) { _, y in 1 - y * y } }
    }
}

/// 1 / (1 + e^-x), evaluated without overflow for large |x|; derivative y (1 - y).
public final class Sigmoid: Layer {
    private var buffers = ElementwiseBuffers()
    public var output: Tensor { buffers.output }
    public var inputGradient: Tensor { buffers.inputGradient }
    public var computesInputGradient = true
    public init() {}

    public func forward(_ input: Tensor, mode: Mode) {
        buffers.forward(input) { x in x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x)) }
    }
    public func backward(input: Tensor, outputGradient: Tensor) {
        if computesInputGradient { buffers.backward(input, outputGradient) { _, y in y * (1 - y) } }
    }
}
