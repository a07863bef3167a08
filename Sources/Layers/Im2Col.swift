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

/// The padded plane size of `g`'s images: (H + 2 * padding) x (W + 2 * padding).
extension ConvolutionGeometry {
    var paddedHeight: Int { height + 2 * padding }
    var paddedWidth: Int { width + 2 * padding }
    /// Floats of a batch of padded images: batch * channels * padded plane.
    var paddedCount: Int { batch * channels * paddedHeight * paddedWidth }

    /// The same geometry for a batch of `images` images (a chunk of this batch).
    func withBatch(_ images: Int) -> ConvolutionGeometry {
        ConvolutionGeometry(batch: images, channels: channels, height: height, width: width, kernelHeight: kernelHeight,
                            kernelWidth: kernelWidth, stride: stride, padding: padding)
    }
}

/// Copies `g`'s batch of images into `padded` with `g.padding` zeros around every plane, so that every window
/// of the convolution lies inside a plane: im2col and col2im then copy whole rows of a window with no bounds tests
/// (the zeros come from the border). Without padding the images are used as they are and this is not called.
func padImages(_ images: UnsafePointer<Float>, _ padded: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
    let (h, w, p, wp) = (g.height, g.width, g.padding, g.paddedWidth)
    for plane in 0..<(g.batch * g.channels) {
        let from = images + plane * h * w, to = padded + plane * g.paddedHeight * wp
        to.update(repeating: 0, count: p * wp + p)   // top rows, and the left border of the first row
        for y in 0..<h {
            let row = to + (y + p) * wp + p
            row.update(from: from + y * w, count: w)
            // The right border, then the next row's left border or, after the last row, the bottom rows.
            (row + w).update(repeating: 0, count: y == h - 1 ? p + p * wp : 2 * p)
        }
    }
}

/// Unfolds input patches into a column matrix: columns (patchSize, patchCount), where row (c, kh, kw) and column
/// (n, oh, ow) hold input[n, c, oh * stride - padding + kh, ow * stride - padding + kw] (zero outside the image).
/// A convolution is then one sgemm: weight (O, patchSize) x columns.
///
/// Writes the rows `rows`, reading `padded`: the batch laid out by `padImages` (or the images themselves when
/// `g.padding` is 0).
func im2colRows(padded: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry, rows: Range<Int>) {
    let (oh, ow, s, wp) = (g.outputHeight, g.outputWidth, g.stride, g.paddedWidth)
    let (planeIn, planeOut) = (g.paddedHeight * wp, oh * ow)
    for row in rows {
        let kw = row % g.kernelWidth
        let kh = (row / g.kernelWidth) % g.kernelHeight
        let c = row / (g.kernelWidth * g.kernelHeight)
        for n in 0..<g.batch {
            let window = padded + (n * g.channels + c) * planeIn + kh * wp + kw
            let target = columns + row * g.patchCount + n * planeOut
            for y in 0..<oh {
                let from = window + y * s * wp, to = target + y * ow
                switch s {
                case 1: to.update(from: from, count: ow)
                // A constant stride: the compiler vectorises the gather (the discriminators' 4 x 4 layers).
                case 2: for x in 0..<ow { to[x] = from[x &* 2] }
                default: for x in 0..<ow { to[x] = from[x * s] }
                }
            }
        }
    }
}

/// Folds a column matrix back, adding every entry into the input position it came from (the adjoint of im2col),
/// and overwrites `images` (N, C, H, W) with the result. With padding, the sums are formed in `padded` (scratch of
/// `g.paddedCount` floats) and the inside of each plane is copied out; without, they are formed in `images`.
func col2imImages(_ columns: UnsafePointer<Float>, _ images: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry,
                  padded: UnsafeMutablePointer<Float>) {
    let (oh, ow, s, wp) = (g.outputHeight, g.outputWidth, g.stride, g.paddedWidth)
    let (planeIn, planeOut) = (g.paddedHeight * wp, oh * ow)
    let sums = g.padding == 0 ? images : padded
    sums.update(repeating: 0, count: g.paddedCount)
    for n in 0..<g.batch {
        for row in 0..<g.patchSize {
            let kw = row % g.kernelWidth
            let kh = (row / g.kernelWidth) % g.kernelHeight
            let c = row / (g.kernelWidth * g.kernelHeight)
            let window = sums + (n * g.channels + c) * planeIn + kh * wp + kw
            let source = columns + row * g.patchCount + n * planeOut
            for y in 0..<oh {
                let to = window + y * s * wp, from = source + y * ow
                switch s {
                case 1: addRow(from, into: to, count: ow)
                case 2: for x in 0..<ow { to[x &* 2] += from[x] }
                default: for x in 0..<ow { to[x * s] += from[x] }
                }
            }
        }
    }
    guard g.padding > 0 else { return }
    let (h, w, p) = (g.height, g.width, g.padding)
    for plane in 0..<(g.batch * g.channels) {
        for y in 0..<h {
            (images + (plane * h + y) * w).update(from: padded + plane * planeIn + (y + p) * wp + p, count: w)
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

/// (N, C, P) -> (C, N * P) for the channels `channels`: the batch-major layout of activations to the channel-major
/// layout sgemm works in; `channelCount` is the number of channels of each source image (the stride between
/// images), whatever part of them this call copies.
func batchToChannelMajorRows(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, batch: Int,
                             channels: Range<Int>, channelCount total: Int, plane: Int) {
    for c in channels {
        for n in 0..<batch {
            (target + (c * batch + n) * plane).update(from: source + (n * total + c) * plane, count: plane)
        }
    }
}

/// Y_n (rows, P) = A (rows, k) x B_n (k, P) [+ bias per row] for each image n of a chunk, in the images' NCHW
/// planes, where B_n is image n's block of columns in a (k, images * P) matrix.
///
/// With planes of at least `imageProductMinimumPlane` entries, one product per image writes straight into its
/// plane: no copy, and with a bias no clearing of C by OpenBLAS (the plane starts as the bias, beta is 1). Smaller
/// planes make skinny products that repack A for every image (DCGAN's 7 x 7 layers ran 15% slower so), so they
/// take one product for the chunk into `scratch` (rows x images * P) and a copy. Same shapes and arithmetic
/// either way: each entry a dot product over k.
func productIntoImages(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ images: UnsafeMutablePointer<Float>,
                       rows: Int, k: Int, plane: Int, imageCount: Int, bias: UnsafePointer<Float>?,
                       scratch: UnsafeMutablePointer<Float>) {
    let imageSize = rows * plane, columns = imageCount * plane
    guard plane >= imageProductMinimumPlane else {
        BLAS.sgemm(.none, .none, m: rows, n: columns, k: k, a: a, lda: k, b: b, ldb: columns, c: scratch, ldc: columns)
        for n in 0..<imageCount {
            for r in 0..<rows {
                let from = scratch + (r * imageCount + n) * plane, to = images + n * imageSize + r * plane
                if let bias {
                    let value = bias[r]
                    for i in 0..<plane { to[i] = from[i] + value }
                } else {
                    to.update(from: from, count: plane)
                }
            }
        }
        return
    }
    for n in 0..<imageCount {
        let target = images + n * imageSize
        if let bias { for r in 0..<rows { (target + r * plane).update(repeating: bias[r], count: plane) } }
        BLAS.sgemm(.none, .none, m: rows, n: plane, k: k, a: a, lda: k, b: b + n * plane, ldb: columns,
                   beta: bias == nil ? 0 : 1, c: target, ldc: plane)
    }
}

/// Planes (output pixels per channel) from which `productIntoImages` multiplies image by image.
let imageProductMinimumPlane = 128

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
