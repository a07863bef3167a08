import Tensors

/// Inverted dropout: in training each element is zeroed with probability p and the rest scaled by 1 / (1 - p);
/// in evaluation the input passes unchanged.
///
/// The layer draws from its own seeded generator (part of the training state, see `generator`).
/// References: Srivastava et al. 2014; PyTorch `nn.Dropout`.
public final class Dropout: Layer {
    public let probability: Float
    /// Source of the masks; saved and restored with checkpoints.
    public var generator: RandomGenerator
    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true
    /// 0 or 1 / (1 - p) per element of the last training forward pass.
    private var mask = Tensor(shape: [0])
    private var lastMode = Mode.evaluation

    public init(probability: Float, generator: RandomGenerator) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.probability = probability
        self.generator = generator
    }

    public func forward(_ input: Tensor, mode: Mode) {
        lastMode = mode
        output.reuse(shape: input.shape)
        guard mode == .training, probability > 0 else {
            output.withUnsafeMutableBufferPointer { y in
                input.withUnsafeBufferPointer { x in y.baseAddress!.update(from: x.baseAddress!, count: x.count) }
            }
            return
        }
        mask.reuse(shape: input.shape)
        let keep = 1 / (1 - probability), p = probability
        mask.withUnsafeMutableBufferPointer { m in
            for i in 0..<m.count { m[i] = generator.uniformFloat() < p ? 0 : keep }
        }
        input.withUnsafeBufferPointer { x in
            mask.withUnsafeBufferPointer { m in
                output.withUnsafeMutableBufferPointer { y in
                    for i in 0..<x.count { y[i] = x[i] * m[i] }
                }
            }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        guard computesInputGradient else { return }
        inputGradient.reuse(shape: input.shape)
        outputGradient.withUnsafeBufferPointer { dy in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                if lastMode == .training && probability > 0 {
                    mask.withUnsafeBufferPointer { m in for i in 0..<dy.count { dx[i] = dy[i] * m[i] } }
                } else {
                    dx.baseAddress!.update(from: dy.baseAddress!, count: dy.count)
                }
            }
        }
    }
}
