import Tensors

/// Fully connected layer: y = x W^T + b, x of shape [N, in].
///
/// - Parameters: weight [out, in], bias [out] (optional).
/// References: PyTorch `nn.Linear`.
public final class Linear: Layer {
    public let inputFeatures: Int
    public let outputFeatures: Int
    public let weight: Parameter
    public let bias: Parameter?

    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true
    public var computesParameterGradients = true

    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true) {
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        weight = Parameter(name: "weight", shape: [outputFeatures, inputFeatures])
        self.bias = bias ? Parameter(name: "bias", shape: [outputFeatures]) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    public func forward(_ input: Tensor, mode: Mode) {
        requireShape(input.rank == 2 && input.shape[1] == inputFeatures, "Linear",
                     "expected input [N, \(inputFeatures)], got \(input.shape)")
        let n = input.shape[0]
        output.reuse(shape: [n, outputFeatures])
        output.withUnsafeMutableBufferPointer { y in
            if let bias {
                bias.value.withUnsafeBufferPointer { b in
                    for row in 0..<n { (y.baseAddress! + row * outputFeatures).update(from: b.baseAddress!, count: outputFeatures) }
                }
            }
            input.withUnsafeBufferPointer { x in
                weight.value.withUnsafeBufferPointer { w in
                    BLAS.parallelSgemm(.none, .transposed, m: n, n: outputFeatures, k: inputFeatures,
                               a: x.baseAddress!, lda: inputFeatures, b: w.baseAddress!, ldb: inputFeatures,
                               beta: bias == nil ? 0 : 1, c: y.baseAddress!, ldc: outputFeatures)
                }
            }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        let n = input.shape[0]
        requireShape(outputGradient.shape == [n, outputFeatures], "Linear", "output gradient \(outputGradient.shape)")
        outputGradient.withUnsafeBufferPointer { dy in
            // dW (out, in) += dY^T (out, N) x X (N, in)
            if computesParameterGradients { input.withUnsafeBufferPointer { x in
                weight.gradient.withUnsafeMutableBufferPointer { dw in
                    BLAS.parallelSgemm(.transposed, .none, m: outputFeatures, n: inputFeatures, k: n,
                               a: dy.baseAddress!, lda: outputFeatures, b: x.baseAddress!, ldb: inputFeatures,
                               beta: 1, c: dw.baseAddress!, ldc: inputFeatures)
                }
            } }
            if let bias, computesParameterGradients {
                bias.gradient.withUnsafeMutableBufferPointer { db in
                    for row in 0..<n {
                        let r = dy.baseAddress! + row * outputFeatures
                        for j in 0..<outputFeatures { db[j] += r[j] }
                    }
                }
            }
            guard computesInputGradient else { return }
            inputGradient.reuse(shape: input.shape)
            // dX (N, in) = dY (N, out) x W (out, in)
            weight.value.withUnsafeBufferPointer { w in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    BLAS.parallelSgemm(.none, .none, m: n, n: inputFeatures, k: outputFeatures,
                               a: dy.baseAddress!, lda: outputFeatures, b: w.baseAddress!, ldb: inputFeatures,
                               c: dx.baseAddress!, ldc: inputFeatures)
                }
            }
        }
    }
}
