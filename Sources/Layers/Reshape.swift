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

/// Gives each sample a new shape with the same element count: [N, ...] -> [N] + shape
/// (e.g. a latent vector [N, 100] -> [N, 100, 1, 1] for a DCGAN generator).
public final class Reshape: Layer {
    public let shape: [Int]
    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true

    public init(_ shape: [Int]) { self.shape = shape }

    public func forward(_ input: Tensor, mode: Mode) {
        requireShape(input.shape.dropFirst().reduce(1, *) == shape.reduce(1, *), "Reshape",
                     "cannot reshape \(input.shape) to [N] + \(shape)")
        output.reuse(shape: [input.shape[0]] + shape)
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

/// Concatenation of two NCHW (or [N, F]) tensors along axis 1, and the split of its gradient. Not a `Layer`:
/// it has two inputs (a conditional GAN joins images and label maps with it).
public struct ChannelConcatenation {
    public private(set) var output = Tensor(shape: [0])
    public private(set) var firstGradient = Tensor(shape: [0])
    public private(set) var secondGradient = Tensor(shape: [0])

    public init() {}

    /// Elements per sample of a tensor.
    private static func sampleSize(_ t: Tensor) -> Int { t.shape.dropFirst().reduce(1, *) }

    public mutating func forward(_ first: Tensor, _ second: Tensor) {
        precondition(first.rank == second.rank && first.shape[0] == second.shape[0]
                     && Array(first.shape.dropFirst(2)) == Array(second.shape.dropFirst(2)),
                     "ChannelConcatenation: \(first.shape) and \(second.shape) differ outside axis 1")
        var shape = first.shape
        shape[1] += second.shape[1]
        output.reuse(shape: shape)
        let (a, b) = (Self.sampleSize(first), Self.sampleSize(second))
        output.withUnsafeMutableBufferPointer { y in
            first.withUnsafeBufferPointer { x1 in
                second.withUnsafeBufferPointer { x2 in
                    for n in 0..<shape[0] {
                        (y.baseAddress! + n * (a + b)).update(from: x1.baseAddress! + n * a, count: a)
                        (y.baseAddress! + n * (a + b) + a).update(from: x2.baseAddress! + n * b, count: b)
                    }
                }
            }
        }
    }

    /// Splits `outputGradient` into the gradients of the two inputs of the last forward pass.
    public mutating func backward(_ outputGradient: Tensor, firstShape: [Int], secondShape: [Int]) {
        firstGradient.reuse(shape: firstShape)
        secondGradient.reuse(shape: secondShape)
        let a = firstShape.dropFirst().reduce(1, *), b = secondShape.dropFirst().reduce(1, *)
        outputGradient.withUnsafeBufferPointer { dy in
            firstGradient.withUnsafeMutableBufferPointer { d1 in
                secondGradient.withUnsafeMutableBufferPointer { d2 in
                    for n in 0..<firstShape[0] {
                        (d1.baseAddress! + n * a).update(from: dy.baseAddress! + n * (a + b), count: a)
                        (d2.baseAddress! + n * b).update(from: dy.baseAddress! + n * (a + b) + a, count: b)
                    }
                }
            }
        }
    }
}
