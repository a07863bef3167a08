import Tensors

/// Nearest-neighbour upsampling of NCHW images by an integer factor: out[n, c, f*i + a, f*j + b] = in[n, c, i, j].
/// Backward sums each output block's gradient into its source pixel. Residual generator blocks use it.
///
/// References: PyTorch `nn.Upsample(scale_factor=f, mode="nearest")`.
public final class Upsample: Layer {
    public let factor: Int
    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true

    public init(factor: Int = 2) {
        precondition(factor >= 1, "Upsample factor must be positive")
        self.factor = factor
    }

    public func forward(_ input: Tensor, mode: Mode) {
        requireShape(input.rank == 4, "Upsample", "expected [N, C, H, W], got \(input.shape)")
        let (planes, h, w, f) = (input.shape[0] * input.shape[1], input.shape[2], input.shape[3], factor)
        output.reuse(shape: [input.shape[0], input.shape[1], h * f, w * f])
        input.withUnsafeBufferPointer { xBuffer in
            output.withUnsafeMutableBufferPointer { yBuffer in
                let (x, y) = (xBuffer.baseAddress!, yBuffer.baseAddress!)
                for p in 0..<planes {
                    let source = x + p * h * w, target = y + p * h * w * f * f
                    for i in 0..<(h * f) {
                        let row = source + (i / f) * w, out = target + i * w * f
                        for j in 0..<(w * f) { out[j] = row[j / f] }
                    }
                }
            }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        guard computesInputGradient else { return }
        let (planes, h, w, f) = (input.shape[0] * input.shape[1], input.shape[2], input.shape[3], factor)
        inputGradient.reuse(shape: input.shape)
        inputGradient.fill(0)
        outputGradient.withUnsafeBufferPointer { dyBuffer in
            inputGradient.withUnsafeMutableBufferPointer { dxBuffer in
                let (dy, dx) = (dyBuffer.baseAddress!, dxBuffer.baseAddress!)
                for p in 0..<planes {
                    let target = dx + p * h * w, source = dy + p * h * w * f * f
                    for i in 0..<(h * f) {
                        let row = target + (i / f) * w, grad = source + i * w * f
                        for j in 0..<(w * f) { row[j / f] += grad[j] }
                    }
                }
            }
        }
    }
}
