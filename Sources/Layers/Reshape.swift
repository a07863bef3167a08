import Tensors

/// Flattens every dimension after the first: [N, C, H, W] -> [N, C*H*W].
public final class Flatten: Layer {
    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true

    public init() {}

    public func forward(_ input: Tensor, mode: Mode) {
        output.reuse(shape: [input.shape[0], input.shape.dropFirst().reduce(1, *)])
        output.withUnsafeMutableBufferPointer { y in
            input.withUnsafeBufferPointer { x in y.baseAddress!.update(from: x.baseAddress!, count: x.count) }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        guard computesInputGradient else { return }
        inputGradient.reuse(shape: input.shape)
        inputGradient.withUnsafeMutableBufferPointer { dx in
            outputGradient.withUnsafeBufferPointer { dy in dx.baseAddress!.update(from: dy.baseAddress!, count: dy.count) }
        }
    }
}
