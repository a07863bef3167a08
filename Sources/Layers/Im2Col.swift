import Tensors

/// Geometry of a 2-D convolution or pooling window over an NCHW batch.
public struct ConvolutionGeometry: Sendable, Equatable {
    public let batch, channels, height, width: Int
    public let kernelHeight, kernelWidth, stride, padding: Int

    public var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Rows of the column matrix: one per (channel, kernel row, kernel column).
    public var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Columns of the column matrix: one per (image, output row, output column).
    public var patchCount: Int { batch * outputHeight * outputWidth }
}

/// Unfolds input patches into a column matrix: columns (patchSize, patchCount), where row (c, kh, kw) and column
/// (n, oh, ow) hold input[n, c, oh * stride - padding + kh, ow * stride - padding + kw] (zero outside the image).
///
/// A convolution is then one sgemm: weight (O, patchSize) x columns. Rows are split across threads.
func im2col(_ input: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
    let parts = Threads.ranges(g.patchSize, parts: min(g.patchSize, Threads.count * 4))
    Threads.parallelFor(parts.count) { chunk in im2colRows(input, columns, g, rows: parts[chunk]) }
}

/// The rows `rows` of the column matrix, on the calling thread.
func im2colRows(_ input: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry, rows: Range<Int>) {
    let (oh, ow) = (g.outputHeight, g.outputWidth)
    let planeOut = oh * ow
    for row in rows {
        let kw = row % g.kernelWidth
        let kh = (row / g.kernelWidth) % g.kernelHeight
        let c = row / (g.kernelWidth * g.kernelHeight)
        let rowBase = columns + row * g.patchCount
        // Output columns whose input column lies inside the image: 0 <= x * stride - padding + kw < width.
        let firstX = max(0, (g.padding - kw + g.stride - 1) / g.stride)
        let endX = min(ow, max(firstX, (g.width + g.padding - kw + g.stride - 1) / g.stride))
        for n in 0..<g.batch {
            let image = input + (n * g.channels + c) * g.height * g.width
            let outBase = rowBase + n * planeOut
            for y in 0..<oh {
                let iy = y * g.stride - g.padding + kh
                let target = outBase + y * ow
                if iy < 0 || iy >= g.height {
                    target.update(repeating: 0, count: ow)
                    continue
                }
                if firstX > 0 { target.update(repeating: 0, count: firstX) }
                let source = image + iy * g.width - g.padding + kw
                if g.stride == 1 {
                    (target + firstX).update(from: source + firstX, count: endX - firstX)
                } else if g.stride == 2 {
                    // A constant stride: the compiler vectorises the gather (the discriminators' 4 x 4 layers).
                    for x in firstX..<endX { target[x] = source[x &* 2] }
                } else {
                    for x in firstX..<endX { target[x] = source[x * g.stride] }
                }
                if endX < ow { (target + endX).update(repeating: 0, count: ow - endX) }
            }
        }
    }
}

/// Folds a column matrix back, adding every entry into the input position it came from (the adjoint of im2col).
/// Overwrites `input` (N, C, H, W). Images are split across threads, so each thread writes its own images only.
func col2im(_ columns: UnsafePointer<Float>, _ input: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
    let parts = Threads.ranges(g.batch)
    Threads.parallelFor(parts.count) { chunk in col2imImages(columns, input, g, images: parts[chunk]) }
}

/// col2im for the images `images` of the batch, on the calling thread.
func col2imImages(_ columns: UnsafePointer<Float>, _ input: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry,
                  images: Range<Int>) {
    let (oh, ow) = (g.outputHeight, g.outputWidth)
    let planeOut = oh * ow
    for n in images {
        let imageBase = input + n * g.channels * g.height * g.width
        imageBase.update(repeating: 0, count: g.channels * g.height * g.width)
        for row in 0..<g.patchSize {
            let kw = row % g.kernelWidth
            let kh = (row / g.kernelWidth) % g.kernelHeight
            let c = row / (g.kernelWidth * g.kernelHeight)
            let image = imageBase + c * g.height * g.width
            let source = columns + row * g.patchCount + n * planeOut
            let firstX = max(0, (g.padding - kw + g.stride - 1) / g.stride)
            let endX = min(ow, max(firstX, (g.width + g.padding - kw + g.stride - 1) / g.stride))
            for y in 0..<oh {
                let iy = y * g.stride - g.padding + kh
                if iy < 0 || iy >= g.height { continue }
                let target = image + iy * g.width - g.padding + kw
                let from = source + y * ow
                if g.stride == 1 {
                    addRow(from + firstX, into: target + firstX, count: endX - firstX)
                } else if g.stride == 2 {
                    for x in firstX..<endX { target[x &* 2] += from[x] }
                } else {
                    for x in firstX..<endX { target[x * g.stride] += from[x] }
                }
            }
        }
    }
}

/// target[i] += source[i]; the two never overlap here (columns and images are separate buffers), which a
/// rebound, restrict-free loop cannot tell the compiler, so this uses BLAS for long rows.
@inline(__always)
func addRow(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
    if count >= 64 {
        BLAS.saxpy(count: count, alpha: 1, x: source, y: target)
    } else {
        for i in 0..<count { target[i] += source[i] }
    }
}

/// (N, C, P) -> (C, N * P): the batch-major layout of activations to the channel-major layout sgemm works in.
func batchToChannelMajor(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int) {
    let parts = Threads.ranges(channels)
    Threads.parallelFor(parts.count) { chunk in
        batchToChannelMajorRows(source, target, batch: batch, channels: parts[chunk], channelCount: channels, plane: plane)
    }
}

/// The channels `channels` of `batchToChannelMajor`, on the calling thread; `channelCount` is the number of
/// channels of each source image (the stride between images), whatever part of them this call copies.
func batchToChannelMajorRows(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, batch: Int,
                             channels: Range<Int>, channelCount total: Int, plane: Int) {
    for c in channels {
        for n in 0..<batch {
            (target + (c * batch + n) * plane).update(from: source + (n * total + c) * plane, count: plane)
        }
    }
}

/// (C, N * P) -> (N, C, P), adding `bias[c]` when given.
func channelToBatchMajor(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int,
                         bias: UnsafePointer<Float>?) {
    let parts = Threads.ranges(batch)
    Threads.parallelFor(parts.count) { chunk in
        channelToBatchMajorImages(source, target, batch: batch, images: parts[chunk], channels: channels, plane: plane, bias: bias)
    }
}

/// The images `images` of `channelToBatchMajor`, on the calling thread.
func channelToBatchMajorImages(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, batch: Int, images: Range<Int>,
                               channels: Int, plane: Int, bias: UnsafePointer<Float>?) {
    for n in images {
        for c in 0..<channels {
            let from = source + (c * batch + n) * plane, to = target + (n * channels + c) * plane
            if let bias {
                let b = bias[c]
                for i in 0..<plane { to[i] = from[i] + b }
            } else {
                to.update(from: from, count: plane)
            }
        }
    }
}

/// Adds the row sums of a (rows, columns) matrix into `sums` (bias gradients).
func addRowSums(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
    for r in 0..<rows { sums[r] += laneSum(matrix + r * columns, count: columns) }
}

/// The sum of `count` floats in eight interleaved partial sums combined in a fixed order (one running sum would
/// be a chain of dependent additions, and not vectorised); the last `count % 8` values are added one by one.
@inline(__always)
func laneSum(_ values: UnsafePointer<Float>, count: Int) -> Float {
    var partial = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        partial += UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var total = partial.sum()
    while i < count { total += values[i]; i += 1 }
    return total
}
