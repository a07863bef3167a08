import Tensors

/// Max pooling over k x k windows (stride defaults to k, no padding, floor mode), NCHW.
///
/// Forward in training mode records the position of each maximum (the first one on ties, as PyTorch does);
/// backward routes each output gradient to that position. Evaluation mode records none (feature extraction writes
/// a quarter of its activations' size less), so backward needs a training-mode forward.
public final class MaxPool2D: Layer {
    public let kernelSize: Int
    public let stride: Int
    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true
    /// Flat input index of each output's maximum (training mode).
    private var argmax: [Int32] = []
    private var argmaxIsCurrent = false

    public init(kernelSize: Int, stride: Int? = nil) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    public func forward(_ input: Tensor, mode: Mode) {
        requireShape(input.rank == 4, "MaxPool2D", "expected [N, C, H, W], got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let oh = (h - kernelSize) / stride + 1, ow = (w - kernelSize) / stride + 1
        output.reuse(shape: [n, c, oh, ow])
        let records = mode == .training
        if records && argmax.count != output.count { argmax = [Int32](repeating: 0, count: output.count) }
        argmaxIsCurrent = records
        let (k, s) = (kernelSize, stride)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                argmax.withUnsafeMutableBufferPointer { arg in
                    let planes = Threads.ranges(n * c)
                    Threads.parallelFor(planes.count) { chunk in
                        for plane in planes[chunk] {
                            let inBase = plane * h * w, outBase = plane * oh * ow
                            if k == 2 && s == 2 {
                                maxPool2x2(x.baseAddress! + inBase, y.baseAddress! + outBase,
                                           records ? arg.baseAddress! + outBase : nil,
                                           inBase: inBase, width: w, outputHeight: oh, outputWidth: ow)
                                continue
                            }
                            for oy in 0..<oh {
                                for ox in 0..<ow {
                                    var best = -Float.infinity
                                    var bestIndex = inBase + oy * s * w + ox * s
                                    for ky in 0..<k {
                                        let rowIndex = inBase + (oy * s + ky) * w + ox * s
                                        for kx in 0..<k {
                                            let v = x[rowIndex + kx]
                                            if v > best || v.isNaN {
                                                best = v
                                                bestIndex = rowIndex + kx
                                            }
                                        }
                                    }
                                    y[outBase + oy * ow + ox] = best
                                    if records { arg[outBase + oy * ow + ox] = Int32(bestIndex) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        guard computesInputGradient else { return }
        requireShape(argmaxIsCurrent, "MaxPool2D", "backward needs a forward in training mode (evaluation records no maxima)")
        inputGradient.reuse(shape: input.shape)
        let planeCount = input.shape[0] * input.shape[1]
        let (planeIn, planeOut) = (input.count / max(planeCount, 1), output.count / max(planeCount, 1))
        // A plane's maxima lie in that plane, so threads clear and fill disjoint ranges of planes; within a plane
        // the outputs add in order, so overlapping windows sum the same way at any thread count.
        let planes = Threads.ranges(planeCount, parts: input.count < Threads.elementwiseMinimum ? 1 : Threads.count)
        outputGradient.withUnsafeBufferPointer { dy in
            argmax.withUnsafeBufferPointer { arg in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    let (dys, args, dxs) = (dy.baseAddress!, arg.baseAddress!, dx.baseAddress!)
                    Threads.parallelFor(planes.count) { part in
                        let range = planes[part]
                        (dxs + range.lowerBound * planeIn).update(repeating: 0, count: range.count * planeIn)
                        for i in (range.lowerBound * planeOut)..<(range.upperBound * planeOut) { dxs[Int(args[i])] += dys[i] }
                    }
                }
            }
        }
    }
}

/// Average pooling over k x k windows (stride defaults to k, no padding, floor mode), NCHW.
public final class AvgPool2D: Layer {
    public let kernelSize: Int
    public let stride: Int
    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true

    public init(kernelSize: Int, stride: Int? = nil) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    public func forward(_ input: Tensor, mode: Mode) {
        requireShape(input.rank == 4, "AvgPool2D", "expected [N, C, H, W], got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let oh = (h - kernelSize) / stride + 1, ow = (w - kernelSize) / stride + 1
        output.reuse(shape: [n, c, oh, ow])
        let (k, s) = (kernelSize, stride)
        let scale = 1 / Float(k * k)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for plane in 0..<(n * c) {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var sum: Float = 0
                            for ky in 0..<k { for kx in 0..<k { sum += x[plane * h * w + (oy * s + ky) * w + ox * s + kx] } }
                            y[plane * oh * ow + oy * ow + ox] = sum * scale
                        }
                    }
                }
            }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        guard computesInputGradient else { return }
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (oh, ow) = (output.shape[2], output.shape[3])
        let (k, s) = (kernelSize, stride)
        let scale = 1 / Float(k * k)
        inputGradient.reuse(shape: input.shape)
        inputGradient.fill(0)
        outputGradient.withUnsafeBufferPointer { dy in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                for plane in 0..<(n * c) {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            let g = dy[plane * oh * ow + oy * ow + ox] * scale
                            for ky in 0..<k { for kx in 0..<k { dx[plane * h * w + (oy * s + ky) * w + ox * s + kx] += g } }
                        }
                    }
                }
            }
        }
    }
}


/// The classifier's 2 x 2, stride 2 case on one plane, with the position of each maximum when `argmax` is given.
/// Four outputs at a time: eight floats of the top and of the bottom row, split into even and odd columns, compared
/// in the scalar order (top left, top right, bottom left, bottom right) with selects, not branches (after a ReLU, ties
/// between zeros are common). A row's last four outputs are computed again when its width is not a multiple of 4
/// (the same values, stored twice). First maximum wins ties; NaN propagates (as in PyTorch).
@inline(never)
private func maxPool2x2(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                        _ argmax: UnsafeMutablePointer<Int32>?, inBase: Int, width: Int, outputHeight: Int, outputWidth: Int) {
    guard outputWidth >= 4 else {
        maxPool2x2Scalar(input, output, argmax, inBase: inBase, width: width, outputHeight: outputHeight, outputWidth: outputWidth)
        return
    }
    let rowOffset = SIMD4<Int32>(repeating: Int32(truncatingIfNeeded: width))
    let columnOffsets = SIMD4<Int32>(0, 2, 4, 6)
    for oy in 0..<outputHeight {
        let top = input + 2 * oy * width, bottom = top + width
        let topIndex = Int32(truncatingIfNeeded: inBase + 2 * oy * width)
        var ox = 0
        while ox < outputWidth {
            let first = min(ox, outputWidth - 4)
            let upper = UnsafeRawPointer(top + 2 * first).loadUnaligned(as: SIMD8<Float>.self)
            let lower = UnsafeRawPointer(bottom + 2 * first).loadUnaligned(as: SIMD8<Float>.self)
            var best = upper.evenHalf, offset = SIMD4<Int32>()
            func consider(_ candidate: SIMD4<Float>, _ candidateOffset: SIMD4<Int32>) {
                let take = (candidate .> best) .| (candidate .!= candidate)
                best.replace(with: candidate, where: take)
                offset.replace(with: candidateOffset, where: take)
            }
            consider(upper.oddHalf, SIMD4<Int32>(repeating: 1))
            consider(lower.evenHalf, rowOffset)
            consider(lower.oddHalf, rowOffset &+ 1)
            UnsafeMutableRawPointer(output + oy * outputWidth + first).storeBytes(of: best, as: SIMD4<Float>.self)
            if let argmax {
                let index = SIMD4<Int32>(repeating: topIndex &+ Int32(truncatingIfNeeded: 2 * first)) &+ columnOffsets &+ offset
                UnsafeMutableRawPointer(argmax + oy * outputWidth + first).storeBytes(of: index, as: SIMD4<Int32>.self)
            }
            ox = first + 4
        }
    }
}

/// `maxPool2x2` one output at a time, for rows of fewer than four outputs.
private func maxPool2x2Scalar(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                              _ argmax: UnsafeMutablePointer<Int32>?, inBase: Int, width: Int, outputHeight: Int, outputWidth: Int) {
    for oy in 0..<outputHeight {
        let top = input + 2 * oy * width, bottom = top + width
        let topIndex = Int32(truncatingIfNeeded: inBase + 2 * oy * width)
        for ox in 0..<outputWidth {
            let column = 2 * ox
            var best = top[column], offset: Int32 = 0
            func consider(_ candidate: Float, _ candidateOffset: Int) {
                guard candidate > best || candidate.isNaN else { return }
                best = candidate
                offset = Int32(truncatingIfNeeded: candidateOffset)
            }
            consider(top[column + 1], 1)
            consider(bottom[column], width)
            consider(bottom[column + 1], width + 1)
            output[oy * outputWidth + ox] = best
            argmax?[oy * outputWidth + ox] = topIndex &+ Int32(truncatingIfNeeded: column) &+ offset
        }
    }
}
