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

    /// A layer that shares `other`'s weight `Parameter` and has no bias (see `Conv2D.init(sharingWeightOf:)`).
    public init(sharingWeightOf other: Linear) {
        inputFeatures = other.inputFeatures
        outputFeatures = other.outputFeatures
        weight = other.weight
        bias = nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    public func forward(_ input: Tensor, mode: Mode) {
        requireShape(input.rank == 2 && input.shape[1] == inputFeatures, "Linear",
                     "expected input [N, \(inputFeatures)], got \(input.shape)")
        let n = input.shape[0]
        output.reuse(shape: [n, outputFeatures])
        input.withUnsafeBufferPointer { x in
            weight.value.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    FullyConnected.forward(x.baseAddress!, w.baseAddress!, bias?.value.storage, y.baseAddress!,
                                           batch: n, inputs: inputFeatures, outputs: outputFeatures)
                }
            }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        let n = input.shape[0]
        requireShape(outputGradient.shape == [n, outputFeatures], "Linear", "output gradient \(outputGradient.shape)")
        if computesInputGradient { inputGradient.reuse(shape: input.shape) }
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                weight.value.withUnsafeBufferPointer { w in
                    weight.gradient.withUnsafeMutableBufferPointer { dw in
                        inputGradient.withUnsafeMutableBufferPointer { dx in
                            FullyConnected.backward(x.baseAddress!, dy.baseAddress!, w.baseAddress!,
                                                    weightGradient: computesParameterGradients ? dw.baseAddress! : nil,
                                                    biasGradient: computesParameterGradients ? bias : nil,
                                                    inputGradient: computesInputGradient ? dx.baseAddress! : nil,
                                                    batch: n, inputs: inputFeatures, outputs: outputFeatures)
                        }
                    }
                }
            }
        }
    }
}

/// y = x W^T + b and its gradients, for `Linear` and for convolutions whose kernel covers the whole input.
/// x (N, in), W (out, in), y (N, out).
enum FullyConnected {
    static func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: [Float]?, _ y: UnsafeMutablePointer<Float>,
                        batch: Int, inputs: Int, outputs: Int) {
        if let bias {
            bias.withUnsafeBufferPointer { b in
                for row in 0..<batch { (y + row * outputs).update(from: b.baseAddress!, count: outputs) }
            }
        }
        BLAS.parallelSgemm(.none, .transposed, m: batch, n: outputs, k: inputs, a: x, lda: inputs, b: w, ldb: inputs,
                           beta: bias == nil ? 0 : 1, c: y, ldc: outputs)
    }

    /// Adds dW = dY^T x and db = sum dY (when given), writes dX = dY W (when given).
    static func backward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                         weightGradient dw: UnsafeMutablePointer<Float>?, biasGradient bias: Parameter?,
                         inputGradient dx: UnsafeMutablePointer<Float>?, batch: Int, inputs: Int, outputs: Int) {
        if let dw {
            BLAS.parallelSgemm(.transposed, .none, m: outputs, n: inputs, k: batch, a: dy, lda: outputs, b: x, ldb: inputs,
                               beta: 1, c: dw, ldc: inputs)
        }
        if let bias {
            bias.gradient.withUnsafeMutableBufferPointer { db in
                for row in 0..<batch {
                    let r = dy + row * outputs
                    for j in 0..<outputs { db[j] += r[j] }
                }
            }
        }
        if let dx {
            BLAS.parallelSgemm(.none, .none, m: batch, n: inputs, k: outputs, a: dy, lda: outputs, b: w, ldb: inputs,
                               c: dx, ldc: inputs)
        }
    }
}
