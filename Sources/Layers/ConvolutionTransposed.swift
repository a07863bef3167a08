import Tensors

/// Transposed 2-D convolution (the adjoint of `Conv2D`), NCHW. Output size
/// OH = (H - 1) * stride - 2 * padding + K, as in PyTorch (output_padding = 0).
///
/// Forward: columns (O*K*K, N*H*W) = W^T (O*K*K, C) x input (C, N*H*W), then col2im onto the output image.
/// Backward: im2col of the output gradient; input gradient W (C, O*K*K) x columns; weight gradient
/// input (C, N*H*W) x columns^T. Like `Conv2D`, both run on chunks of images whose columns stay in cache
/// (`ConvolutionChunks`; the whole batch's columns are 12.8 MB for DCGAN's middle layer), threads taking contiguous
/// runs of chunks and adding their weight-gradient parts in thread order.
///
/// - Parameters: weight [C_in, C_out, K, K] (PyTorch's layout), bias [C_out] (optional).
/// References: PyTorch `nn.ConvTranspose2d`; DCGAN generators (Radford et al. 2016).
public final class ConvTranspose2D: Layer {
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
    private var geometry: ConvolutionGeometry?

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        weight = Parameter(name: "weight", shape: [inputChannels, outputChannels, kernelSize, kernelSize])
        self.bias = bias ? Parameter(name: "bias", shape: [outputChannels]) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// PyTorch's fan-in for this weight layout: dimension 1 times the kernel area.
    public var fanIn: Int { outputChannels * kernelSize * kernelSize }

    public func forward(_ input: Tensor, mode: Mode) {
        requireShape(input.rank == 4 && input.shape[1] == inputChannels, "ConvTranspose2D",
                     "expected input [N, \(inputChannels), H, W], got \(input.shape)")
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let outHeight = (h - 1) * stride - 2 * padding + kernelSize
        let outWidth = (w - 1) * stride - 2 * padding + kernelSize
        // The geometry of the equivalent forward convolution: from the output image back to the input grid.
        let g = ConvolutionGeometry(batch: n, channels: outputChannels, height: outHeight, width: outWidth,
                                    kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: padding)
        precondition(g.outputHeight == h && g.outputWidth == w, "ConvTranspose2D geometry mismatch")
        geometry = g
        if isFromSinglePixel(g) {
            // Each input vector spreads over the whole output: out (N, O*K*K) = x (N, C) x W (C, O*K*K), which is
            // already NCHW. No columns, no col2im.
            output.reuse(shape: [n, outputChannels, outHeight, outWidth])
            input.withUnsafeBufferPointer { x in
                weight.value.withUnsafeBufferPointer { wt in
                    output.withUnsafeMutableBufferPointer { y in
                        BLAS.parallelSgemm(.none, .none, m: n, n: g.patchSize, k: inputChannels, a: x.baseAddress!, lda: inputChannels,
                                           b: wt.baseAddress!, ldb: g.patchSize, c: y.baseAddress!, ldc: g.patchSize)
                    }
                }
            }
            addBias(n: n, plane: outHeight * outWidth)
            return
        }
        let plane = h * w, outPlane = outHeight * outWidth
        let (channelsIn, channelsOut, patchSize) = (inputChannels, outputChannels, g.patchSize)
        let chunking = ConvolutionChunks(batch: n, entriesPerImage: patchSize * plane)
        ConvolutionWorkspace.ensure(&workspaces, count: chunking.threads.count)
        output.reuse(shape: [n, outputChannels, outHeight, outWidth])
        let workspaces = workspaces
        input.withUnsafeBufferPointer { xBuffer in
            weight.value.withUnsafeBufferPointer { wBuffer in
                output.withUnsafeMutableBufferPointer { yBuffer in
                    let (x, wt, y) = (xBuffer.baseAddress!, wBuffer.baseAddress!, yBuffer.baseAddress!)
                    Threads.parallelFor(chunking.threads.count) { thread in
                        let space = workspaces[thread]
                        space.reserve(for: g.withBatch(chunking.largest), productRows: channelsIn)
                        for images in chunking.chunks[chunking.threads[thread]] {
                            let cg = g.withBatch(images.count)
                            space.product.withUnsafeMutableBufferPointer { xcBuffer in
                                space.columns.withUnsafeMutableBufferPointer { colsBuffer in
                                    let (xc, cols) = (xcBuffer.baseAddress!, colsBuffer.baseAddress!)
                                    // The chunk's input as (C, chunk * H * W); columns = W^T x that, folded onto the output.
                                    batchToChannelMajorRows(x + images.lowerBound * channelsIn * plane, xc, batch: images.count,
                                                            channels: 0..<channelsIn, channelCount: channelsIn, plane: plane)
                                    columnsFromProduct(wt, transposedTimes: xc, rows: channelsIn, cg, into: cols)
                                    fold(cols, into: y + images.lowerBound * channelsOut * outPlane, cg, padded: space.padded)
                                }
                            }
                        }
                    }
                }
            }
        }
        addBias(n: n, plane: outPlane)
    }

    /// A 1 x 1 input without padding and with stride 1 (a DCGAN generator's first layer, from the latent vector).
    private func isFromSinglePixel(_ g: ConvolutionGeometry) -> Bool {
        g.outputHeight == 1 && g.outputWidth == 1 && g.padding == 0 && g.kernelHeight == g.height && g.kernelWidth == g.width
    }

    private func addBias(n: Int, plane: Int) {
        guard let bias else { return }
        bias.value.withUnsafeBufferPointer { b in
            output.withUnsafeMutableBufferPointer { y in
                for image in 0..<n {
                    for c in 0..<outputChannels {
                        let row = y.baseAddress! + (image * outputChannels + c) * plane
                        for i in 0..<plane { row[i] += b[c] }
                    }
                }
            }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        guard let g = geometry else { preconditionFailure("ConvTranspose2D.backward before forward") }
        requireShape(outputGradient.shape == output.shape, "ConvTranspose2D", "output gradient \(outputGradient.shape) != output \(output.shape)")
        if let bias, computesParameterGradients {
            let outPlane = g.height * g.width
            outputGradient.withUnsafeBufferPointer { dy in
                bias.gradient.withUnsafeMutableBufferPointer { db in
                    for image in 0..<g.batch {
                        addRowSums(dy.baseAddress! + image * outputChannels * outPlane, rows: outputChannels, columns: outPlane,
                                   into: db.baseAddress!)
                    }
                }
            }
        }
        if isFromSinglePixel(g) {
            // dW (C, O*K*K) += x^T (C, N) x dY (N, O*K*K); dX (N, C) = dY (N, O*K*K) x W^T (O*K*K, C).
            input.withUnsafeBufferPointer { x in
                outputGradient.withUnsafeBufferPointer { dy in
                    if computesParameterGradients {
                        weight.gradient.withUnsafeMutableBufferPointer { dw in
                            BLAS.parallelSgemm(.transposed, .none, m: inputChannels, n: g.patchSize, k: g.batch,
                                               a: x.baseAddress!, lda: inputChannels, b: dy.baseAddress!, ldb: g.patchSize,
                                               beta: 1, c: dw.baseAddress!, ldc: g.patchSize)
                        }
                    }
                    guard computesInputGradient else { return }
                    inputGradient.reuse(shape: input.shape)
                    weight.value.withUnsafeBufferPointer { wt in
                        inputGradient.withUnsafeMutableBufferPointer { dx in
                            BLAS.parallelSgemm(.none, .transposed, m: g.batch, n: inputChannels, k: g.patchSize,
                                               a: dy.baseAddress!, lda: g.patchSize, b: wt.baseAddress!, ldb: g.patchSize,
                                               c: dx.baseAddress!, ldc: inputChannels)
                        }
                    }
                }
            }
            return
        }
        let plane = g.outputHeight * g.outputWidth, outPlane = g.height * g.width
        let (channelsIn, channelsOut, patchSize) = (inputChannels, outputChannels, g.patchSize)
        let (wantsInput, wantsParameters) = (computesInputGradient, computesParameterGradients)
        let chunking = ConvolutionChunks(batch: g.batch, entriesPerImage: patchSize * plane)
        ConvolutionWorkspace.ensure(&workspaces, count: chunking.threads.count)
        if wantsInput { inputGradient.reuse(shape: input.shape) }
        let workspaces = workspaces
        input.withUnsafeBufferPointer { xBuffer in
            outputGradient.withUnsafeBufferPointer { dyBuffer in
                weight.value.withUnsafeBufferPointer { wBuffer in
                    inputGradient.withUnsafeMutableBufferPointer { dxBuffer in
                        let (x, dy, wt, dx) = (xBuffer.baseAddress!, dyBuffer.baseAddress!, wBuffer.baseAddress!, dxBuffer.baseAddress)
                        Threads.parallelFor(chunking.threads.count) { thread in
                            let space = workspaces[thread]
                            space.reserve(for: g.withBatch(chunking.largest), productRows: channelsIn)
                            if wantsParameters { space.clearGradients(weightCount: channelsIn * patchSize, biasCount: 0) }
                            for images in chunking.chunks[chunking.threads[thread]] {
                                let cg = g.withBatch(images.count)
                                space.product.withUnsafeMutableBufferPointer { pBuffer in
                                    space.columns.withUnsafeMutableBufferPointer { colsBuffer in
                                        let (p, cols) = (pBuffer.baseAddress!, colsBuffer.baseAddress!)
                                        unfold(padded: space.imagesForColumns(dy + images.lowerBound * channelsOut * outPlane, cg), into: cols, cg)
                                        if wantsParameters {
                                            // dW (C, O*K*K) += X (C, chunk * H * W) x columns^T
                                            batchToChannelMajorRows(x + images.lowerBound * channelsIn * plane, p, batch: images.count,
                                                                    channels: 0..<channelsIn, channelCount: channelsIn, plane: plane)
                                            space.weightGradient.withUnsafeMutableBufferPointer { dw in
                                                addProduct(p, rows: channelsIn, timesTransposed: cols, cg, into: dw.baseAddress!)
                                            }
                                        }
                                        guard wantsInput, let dx else { return }
                                        // dX_n (C, H * W) = W (C, O*K*K) x columns of image n, straight into NCHW.
                                        productIntoImages(wt, columns: cols, cg, dx + images.lowerBound * channelsIn * plane,
                                                          rows: channelsIn, bias: nil, scratch: p)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if wantsParameters {
            ConvolutionWorkspace.addGradients(of: workspaces, count: chunking.threads.count, weight: weight, bias: nil)
        }
    }
}
