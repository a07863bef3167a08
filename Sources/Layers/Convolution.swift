import Tensors

/// 2-D convolution over NCHW batches: out[n, o] = bias[o] + sum_c weight[o, c] (*) input[n, c].
///
/// The batch is processed in chunks of images whose column matrix stays in cache (`ConvolutionChunks`): im2col
/// of the chunk (`unfold`, patch-major for strides above 1: `ColumnLayout`), one sgemm weight (O, C*KH*KW) x
/// columns, then the product laid out as NCHW. Threads take contiguous runs of chunks. Backward recomputes each
/// chunk's columns instead of keeping the whole batch's (29 MB for the classifier's second layer); each thread
/// accumulates its own weight gradient, and the threads' parts are added in a fixed order, so results are
/// bit-identical for a given thread count.
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

    private var workspaces: [ConvolutionWorkspace] = []

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

    /// A convolution with `other`'s geometry that shares its weight `Parameter` (values and gradient) and has
    /// no bias: the linear part of `other`. Second-derivative passes use it to apply W to a tangent and to add
    /// weight gradients without touching the bias.
    public init(sharingWeightOf other: Conv2D) {
        inputChannels = other.inputChannels
        outputChannels = other.outputChannels
        kernelSize = other.kernelSize
        stride = other.stride
        padding = other.padding
        weight = other.weight
        bias = nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    private func makeGeometry(_ shape: [Int], batch: Int? = nil) -> ConvolutionGeometry {
        requireShape(shape.count == 4 && shape[1] == inputChannels, "Conv2D",
                     "expected input [N, \(inputChannels), H, W], got \(shape)")
        return ConvolutionGeometry(batch: batch ?? shape[0], channels: shape[1], height: shape[2], width: shape[3],
                                   kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: padding)
    }

    private func plan(_ g: ConvolutionGeometry) -> ConvolutionChunks {
        let plan = ConvolutionChunks(batch: g.batch, entriesPerImage: g.patchSize * g.outputHeight * g.outputWidth)
        ConvolutionWorkspace.ensure(&workspaces, count: plan.threads.count)
        return plan
    }

    /// A kernel that covers the whole unpadded input (DCGAN's last discriminator layer) is a fully connected
    /// layer on the flattened image: columns would only be a transpose, so it runs as one product, no im2col.
    private func isFullyConnected(_ g: ConvolutionGeometry) -> Bool {
        g.padding == 0 && g.kernelHeight == g.height && g.kernelWidth == g.width
    }

    public func forward(_ input: Tensor, mode: Mode) {
        let g = makeGeometry(input.shape)
        if isFullyConnected(g) {
            output.reuse(shape: [g.batch, self.outputChannels, 1, 1])
            input.withUnsafeBufferPointer { x in
                weight.value.withUnsafeBufferPointer { w in
                    output.withUnsafeMutableBufferPointer { y in
                        FullyConnected.forward(x.baseAddress!, w.baseAddress!, bias?.value.storage, y.baseAddress!,
                                               batch: g.batch, inputs: g.patchSize, outputs: self.outputChannels)
                    }
                }
            }
            return
        }
        let chunking = plan(g)
        let (chunks, threads, largest) = (chunking.chunks, chunking.threads, chunking.largest)
        let plane = g.outputHeight * g.outputWidth, imageSize = g.channels * g.height * g.width
        let outputChannels = outputChannels
        output.reuse(shape: [g.batch, outputChannels, g.outputHeight, g.outputWidth])
        let workspaces = workspaces
        input.withUnsafeBufferPointer { xBuffer in
            output.withUnsafeMutableBufferPointer { yBuffer in
                weight.value.withUnsafeBufferPointer { wBuffer in
                    let biasValues = bias?.value.storage
                    biasValues.withUnsafeBufferPointerIfPresent { biasPointer in
                        let (x, y, w) = (xBuffer.baseAddress!, yBuffer.baseAddress!, wBuffer.baseAddress!)
                        Threads.parallelFor(threads.count) { thread in
                            let space = workspaces[thread]
                            space.reserve(for: g.withBatch(largest), productRows: outputChannels)
                            for images in chunks[threads[thread]] {
                                let cg = g.withBatch(images.count)
                                space.columns.withUnsafeMutableBufferPointer { cols in
                                    unfold(padded: space.imagesForColumns(x + images.lowerBound * imageSize, cg), into: cols.baseAddress!, cg)
                                    space.product.withUnsafeMutableBufferPointer { p in
                                        productIntoImages(w, columns: cols.baseAddress!, cg, y + images.lowerBound * outputChannels * plane,
                                                          rows: outputChannels, bias: biasPointer, scratch: p.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        let g = makeGeometry(input.shape)
        requireShape(outputGradient.shape == [g.batch, outputChannels, g.outputHeight, g.outputWidth], "Conv2D",
                     "output gradient \(outputGradient.shape) does not match the input \(input.shape)")
        if isFullyConnected(g) {
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
                                                        batch: g.batch, inputs: g.patchSize, outputs: self.outputChannels)
                            }
                        }
                    }
                }
            }
            return
        }
        let chunking = plan(g)
        let (chunks, threads, largest) = (chunking.chunks, chunking.threads, chunking.largest)
        let plane = g.outputHeight * g.outputWidth, imageSize = g.channels * g.height * g.width
        let (outputChannels, hasBias) = (outputChannels, bias != nil)
        let (wantsInput, wantsParameters) = (computesInputGradient, computesParameterGradients)
        if wantsInput { inputGradient.reuse(shape: input.shape) }
        let workspaces = workspaces
        input.withUnsafeBufferPointer { xBuffer in
            outputGradient.withUnsafeBufferPointer { dyBuffer in
                inputGradient.withUnsafeMutableBufferPointer { dxBuffer in
                    weight.value.withUnsafeBufferPointer { wBuffer in
                        let (x, dy, w, dx) = (xBuffer.baseAddress!, dyBuffer.baseAddress!, wBuffer.baseAddress!, dxBuffer.baseAddress)
                        Threads.parallelFor(threads.count) { thread in
                            let space = workspaces[thread]
                            if wantsParameters {
                                space.clearGradients(weightCount: outputChannels * g.patchSize, biasCount: hasBias ? outputChannels : 0)
                            }
                            space.reserve(for: g.withBatch(largest), productRows: outputChannels)
                            for images in chunks[threads[thread]] {
                                let cg = g.withBatch(images.count)
                                space.columns.withUnsafeMutableBufferPointer { colsBuffer in
                                    space.product.withUnsafeMutableBufferPointer { pBuffer in
                                        let (cols, p) = (colsBuffer.baseAddress!, pBuffer.baseAddress!)
                                        // dY of the chunk as (O, chunk * P).
                                        batchToChannelMajorRows(dy + images.lowerBound * outputChannels * plane, p,
                                                                batch: images.count, channels: 0..<outputChannels,
                                                                channelCount: outputChannels, plane: plane)
                                        if wantsParameters {
                                            unfold(padded: space.imagesForColumns(x + images.lowerBound * imageSize, cg), into: cols, cg)
                                            space.weightGradient.withUnsafeMutableBufferPointer { dw in
                                                // dW (O, CKK) += dY (O, NP) x columns^T (NP, CKK)
                                                addProduct(p, rows: outputChannels, timesTransposed: cols, cg, into: dw.baseAddress!)
                                            }
                                            if hasBias {
                                                space.biasGradient.withUnsafeMutableBufferPointer { db in
                                                    addRowSums(p, rows: outputChannels, columns: cg.patchCount, into: db.baseAddress!)
                                                }
                                            }
                                        }
                                        guard wantsInput, let dx else { return }
                                        // dColumns (CKK, NP) = W^T (CKK, O) x dY (O, NP), folded back onto the chunk's images.
                                        columnsFromProduct(w, transposedTimes: p, rows: outputChannels, cg, into: cols)
                                        fold(cols, into: dx + images.lowerBound * imageSize, cg, padded: space.padded)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard wantsParameters else { return }
        ConvolutionWorkspace.addGradients(of: workspaces, count: threads.count, weight: weight, bias: bias)
    }
}

extension Optional where Wrapped == [Float] {
    /// Calls `body` with a pointer to the array's elements, or with nil when there is no array.
    func withUnsafeBufferPointerIfPresent<R>(_ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
        guard let array = self else { return try body(nil) }
        return try array.withUnsafeBufferPointer { try body($0.baseAddress) }
    }
}
