import Tensors

/// Max pooling over k x k windows (stride defaults to k, no padding, floor mode), NCHW.
///
/// Forward records the position of each maximum (the first one on ties, as PyTorch does); backward routes each
/// output gradient to that position.
public final class MaxPool2D: Layer {
    public let kernelSize: Int
    public let stride: Int
    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true
    /// Flat input index of each output's maximum.
    private var argmax: [Int32] = []

    public init(kernelSize: Int, stride: Int? = nil) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    public func forward(_ input: Tensor, mode: Mode) {
        requireShape(input.rank == 4, "MaxPool2D", "expected [N, C, H, W], got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let oh = (h - kernelSize) / stride + 1, ow = (w - kernelSize) / stride + 1
        output.reuse(shape: [n, c, oh, ow])
        if argmax.count != output.count { argmax = [Int32](repeating: 0, count: output.count) }
        let (k, s) = (kernelSize, stride)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                argmax.withUnsafeMutableBufferPointer { arg in
                    let planes = Threads.ranges(n * c)
                    Threads.parallelFor(planes.count) { chunk in
                        for plane in planes[chunk] {
                            let inBase = plane * h * w, outBase = plane * oh * ow
                            if k == 2 && s == 2 {
                                maxPool2x2(x.baseAddress! + inBase, y.baseAddress! + outBase, arg.baseAddress! + outBase,
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
                                    arg[outBase + oy * ow + ox] = Int32(bestIndex)
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
        inputGradient.reuse(shape: input.shape)
        inputGradient.fill(0)
        outputGradient.withUnsafeBufferPointer { dy in
            argmax.withUnsafeBufferPointer { arg in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    for i in 0..<dy.count { dx[Int(arg[i])] += dy[i] }
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


/// The classifier's 2 x 2, stride 2 case on one plane. A plain function of raw pointers and integers, so
/// everything stays in registers, and selects instead of branches: after a ReLU, ties between zeros are common
/// and would make every branch unpredictable. First maximum wins ties; NaN propagates (as in PyTorch).
@inline(never)
private func maxPool2x2(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                        _ argmax: UnsafeMutablePointer<Int32>, inBase: Int, width: Int, outputHeight: Int, outputWidth: Int) {
    for oy in 0..<outputHeight {
        let top = input + 2 * oy * width, bottom = top + width
        let topIndex = Int32(truncatingIfNeeded: inBase + 2 * oy * width)
        let bottomIndex = topIndex &+ Int32(truncatingIfNeeded: width)
        let out = output + oy * outputWidth, arg = argmax + oy * outputWidth
        for ox in 0..<outputWidth {
            let column = 2 * ox
            let offset = Int32(truncatingIfNeeded: column)
            var best = top[column], bestIndex = topIndex &+ offset
            var v = top[column + 1]
            var take = v > best || v.isNaN
            best = take ? v : best
            bestIndex = take ? topIndex &+ offset &+ 1 : bestIndex
            v = bottom[column]
            take = v > best || v.isNaN
            best = take ? v : best
            bestIndex = take ? bottomIndex &+ offset : bestIndex
            v = bottom[column + 1]
            take = v > best || v.isNaN
            best = take ? v : best
            bestIndex = take ? bottomIndex &+ offset &+ 1 : bestIndex
            out[ox] = best
            arg[ox] = bestIndex
        }
    }
}
