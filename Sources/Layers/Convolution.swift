import Tensors

/// 2-D convolution over NCHW batches: out[n, o] = bias[o] + sum_c weight[o, c] (*) input[n, c].
///
/// Forward is im2col followed by one sgemm over the whole batch, weight (O, C*KH*KW) x columns
/// (C*KH*KW, N*OH*OW); backward is two sgemms (weight gradient, column gradient) and col2im.
/// Output size: OH = (H + 2 * padding - KH) / stride + 1, as in PyTorch.
///
/// - Parameters: weight [O, C, KH, KW], bias [O] (optional).
/// References: PyTorch `nn.Conv2d` (groups = 1, dilation = 1).
public final class Conv2D: Layer {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter?

    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true
    public var computesParameterGradients = true

    /// Column matrix of the last forward pass (reused by backward for the weight gradient, then for the columns'
    /// gradient).
    private var columns = Tensor(shape: [0])
    /// (O, N*OH*OW) product before it is laid out as NCHW; reused for the transposed output gradient.
    private var product = Tensor(shape: [0])
    private var geometry: ConvolutionGeometry?

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        weight = Parameter(name: "weight", shape: [outputChannels, inputChannels, kernelSize, kernelSize])
        self.bias = bias ? Parameter(name: "bias", shape: [outputChannels]) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    private func makeGeometry(_ shape: [Int]) -> ConvolutionGeometry {
        requireShape(shape.count == 4 && shape[1] == inputChannels, "Conv2D",
                     "expected input [N, \(inputChannels), H, W], got \(shape)")
        return ConvolutionGeometry(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                                   kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: padding)
    }

    public func forward(_ input: Tensor, mode: Mode) {
        let g = makeGeometry(input.shape)
        geometry = g
        let plane = g.outputHeight * g.outputWidth
        columns.reuse(shape: [g.patchSize, g.patchCount])
        product.reuse(shape: [outputChannels, g.patchCount])
        output.reuse(shape: [g.batch, outputChannels, g.outputHeight, g.outputWidth])
        input.withUnsafeBufferPointer { x in
            columns.withUnsafeMutableBufferPointer { cols in
                im2col(x.baseAddress!, cols.baseAddress!, g)
            }
        }
        weight.value.withUnsafeBufferPointer { w in
            columns.withUnsafeBufferPointer { cols in
                product.withUnsafeMutableBufferPointer { p in
                    BLAS.parallelSgemm(.none, .none, m: outputChannels, n: g.patchCount, k: g.patchSize,
                               a: w.baseAddress!, lda: g.patchSize, b: cols.baseAddress!, ldb: g.patchCount,
                               c: p.baseAddress!, ldc: g.patchCount)
                }
            }
        }
        // (O, N, P) -> (N, O, P), adding the bias.
        product.withUnsafeBufferPointer { p in
            output.withUnsafeMutableBufferPointer { out in
                if let bias {
                    bias.value.withUnsafeBufferPointer { b in
                        channelToBatchMajor(p.baseAddress!, out.baseAddress!, batch: g.batch, channels: outputChannels,
                                            plane: plane, bias: b.baseAddress!)
                    }
                } else {
                    channelToBatchMajor(p.baseAddress!, out.baseAddress!, batch: g.batch, channels: outputChannels,
                                        plane: plane, bias: nil)
                }
            }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        guard let g = geometry else { preconditionFailure("Conv2D.backward before forward") }
        requireShape(outputGradient.shape == output.shape, "Conv2D", "output gradient \(outputGradient.shape) != output \(output.shape)")
        let plane = g.outputHeight * g.outputWidth
        // (N, O, P) -> (O, N, P) into the product buffer.
        outputGradient.withUnsafeBufferPointer { dy in
            product.withUnsafeMutableBufferPointer { p in
                batchToChannelMajor(dy.baseAddress!, p.baseAddress!, batch: g.batch, channels: outputChannels, plane: plane)
            }
        }
        if let bias, computesParameterGradients {
            product.withUnsafeBufferPointer { p in
                bias.gradient.withUnsafeMutableBufferPointer { db in
                    addRowSums(p.baseAddress!, rows: outputChannels, columns: g.patchCount, into: db.baseAddress!)
                }
            }
        }
        // dW (O, CKK) += dY (O, NP) x columns^T (NP, CKK)
        if computesParameterGradients { product.withUnsafeBufferPointer { p in
            columns.withUnsafeBufferPointer { cols in
                weight.gradient.withUnsafeMutableBufferPointer { dw in
                    BLAS.parallelSgemm(.none, .transposed, m: outputChannels, n: g.patchSize, k: g.patchCount,
                               a: p.baseAddress!, lda: g.patchCount, b: cols.baseAddress!, ldb: g.patchCount,
                               beta: 1, c: dw.baseAddress!, ldc: g.patchSize)
                }
            }
        } }
        guard computesInputGradient else { return }
        // dColumns (CKK, NP) = W^T (CKK, O) x dY (O, NP), written over the columns, then folded back.
        weight.value.withUnsafeBufferPointer { w in
            product.withUnsafeBufferPointer { p in
                columns.withUnsafeMutableBufferPointer { cols in
                    BLAS.parallelSgemm(.transposed, .none, m: g.patchSize, n: g.patchCount, k: outputChannels,
                               a: w.baseAddress!, lda: g.patchSize, b: p.baseAddress!, ldb: g.patchCount,
                               c: cols.baseAddress!, ldc: g.patchCount)
                }
            }
        }
        inputGradient.reuse(shape: input.shape)
        columns.withUnsafeBufferPointer { cols in
            inputGradient.withUnsafeMutableBufferPointer { dx in col2im(cols.baseAddress!, dx.baseAddress!, g) }
        }
    }
}
