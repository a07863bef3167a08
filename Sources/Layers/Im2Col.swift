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

/// How a chunk's column matrix is laid out. Entry-major, (patchSize, patchCount): a row per (channel, kernel row,
/// kernel column), filled one output row at a time, a contiguous copy when the stride is 1. Patch-major,
/// (patchCount, patchSize): a row per output pixel, filled one kernel row at a time. With a stride above 1 an
/// entry-major row is a gather of single floats; a patch-major row is contiguous copies of KW floats (one four-float
/// load and store for the 4 x 4 kernels of DCGAN's layers), so strided convolutions take that layout. Both hold the
/// same entries; the products read them transposed or not.
enum ColumnLayout { case entryMajor, patchMajor }

extension ConvolutionGeometry {
    var columnLayout: ColumnLayout { stride > 1 ? .patchMajor : .entryMajor }
}

/// Unfolds input patches into `g`'s column matrix (im2col), in `g.columnLayout`: the entry of (channel c, kernel
/// row kh, kernel column kw) and (image n, output row oh, output column ow) holds
/// input[n, c, oh * stride - padding + kh, ow * stride - padding + kw] (zero outside the image). A convolution is
/// then one sgemm: weight (O, patchSize) x columns.
///
/// Reads `padded`: the batch laid out by `padImages` (or the images themselves when `g.padding` is 0).
func unfold(padded: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
    switch g.columnLayout {
    case .entryMajor: unfoldEntryMajor(padded: padded, columns, g)
    case .patchMajor: unfoldPatchMajor(padded: padded, columns, g)
    }
}

/// Folds `g`'s column matrix back, adding every entry into the input position it came from (col2im, the adjoint of
/// `unfold`), and overwrites `images` (N, C, H, W) with the result. With padding, the sums are formed in `padded`
/// (scratch of `g.paddedCount` floats) and the inside of each plane is copied out; without, they are formed in
/// `images`.
func fold(_ columns: UnsafePointer<Float>, into images: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry,
          padded: UnsafeMutablePointer<Float>) {
    let sums = g.padding == 0 ? images : padded
    sums.update(repeating: 0, count: g.paddedCount)
    switch g.columnLayout {
    case .entryMajor: foldEntryMajor(columns, into: sums, g)
    case .patchMajor: foldPatchMajor(columns, into: sums, g)
    }
    guard g.padding > 0 else { return }
    let (h, w, p, wp) = (g.height, g.width, g.padding, g.paddedWidth)
    for plane in 0..<(g.batch * g.channels) {
        for y in 0..<h {
            (images + (plane * h + y) * w).update(from: padded + (plane * g.paddedHeight + y + p) * wp + p, count: w)
        }
    }
}

/// Stride 1 only (`columnLayout` sends larger strides to the patch-major layout): each output row is one
/// contiguous window row.
private func unfoldEntryMajor(padded: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
    precondition(g.stride == 1, "entry-major columns are for stride 1")
    let (oh, ow, wp) = (g.outputHeight, g.outputWidth, g.paddedWidth)
    let (planeIn, planeOut) = (g.paddedHeight * wp, oh * ow)
    for row in 0..<g.patchSize {
        let kw = row % g.kernelWidth
        let kh = (row / g.kernelWidth) % g.kernelHeight
        let c = row / (g.kernelWidth * g.kernelHeight)
        for n in 0..<g.batch {
            let window = padded + (n * g.channels + c) * planeIn + kh * wp + kw
            let target = columns + row * g.patchCount + n * planeOut
            for y in 0..<oh { (target + y * ow).update(from: window + y * wp, count: ow) }
        }
    }
}

/// Stride 1 only, as `unfoldEntryMajor`.
private func foldEntryMajor(_ columns: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
    precondition(g.stride == 1, "entry-major columns are for stride 1")
    let (oh, ow, wp) = (g.outputHeight, g.outputWidth, g.paddedWidth)
    let (planeIn, planeOut) = (g.paddedHeight * wp, oh * ow)
    for n in 0..<g.batch {
        for row in 0..<g.patchSize {
            let kw = row % g.kernelWidth
            let kh = (row / g.kernelWidth) % g.kernelHeight
            let c = row / (g.kernelWidth * g.kernelHeight)
            let window = sums + (n * g.channels + c) * planeIn + kh * wp + kw
            let source = columns + row * g.patchCount + n * planeOut
            for y in 0..<oh { addRow(source + y * ow, into: window + y * wp, count: ow) }
        }
    }
}

/// Patch after patch (image, output row, output column), each the kernel rows of every channel in turn: writes in
/// order, and the reads of one output row (channels x kernel rows x a few cache lines) stay in L1.
private func unfoldPatchMajor(padded: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
    let (s, wp, kh, kw) = (g.stride, g.paddedWidth, g.kernelHeight, g.kernelWidth)
    let planeIn = g.paddedHeight * wp
    var to = columns
    for n in 0..<g.batch {
        for y in 0..<g.outputHeight {
            for x in 0..<g.outputWidth {
                let corner = padded + n * g.channels * planeIn + y * s * wp + x * s
                for c in 0..<g.channels {
                    var from = corner + c * planeIn
                    for _ in 0..<kh {
                        if kw == 4 {
                            UnsafeMutableRawPointer(to).storeBytes(of: UnsafeRawPointer(from).loadUnaligned(as: SIMD4<Float>.self),
                                                                   as: SIMD4<Float>.self)
                        } else {
                            for i in 0..<kw { to[i] = from[i] }
                        }
                        from += wp
                        to += kw
                    }
                }
            }
        }
    }
}

/// The adjoint of `unfoldPatchMajor`, in the same order (so overlapping windows add in a fixed order).
private func foldPatchMajor(_ columns: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
    let (s, wp, kh, kw) = (g.stride, g.paddedWidth, g.kernelHeight, g.kernelWidth)
    let planeIn = g.paddedHeight * wp
    var from = columns
    for n in 0..<g.batch {
        for y in 0..<g.outputHeight {
            for x in 0..<g.outputWidth {
                let corner = sums + n * g.channels * planeIn + y * s * wp + x * s
                for c in 0..<g.channels {
                    var to = corner + c * planeIn
                    for _ in 0..<kh {
                        if kw == 4 {
                            let sum = UnsafeRawPointer(to).loadUnaligned(as: SIMD4<Float>.self)
                                + UnsafeRawPointer(from).loadUnaligned(as: SIMD4<Float>.self)
                            UnsafeMutableRawPointer(to).storeBytes(of: sum, as: SIMD4<Float>.self)
                        } else {
                            for i in 0..<kw { to[i] += from[i] }
                        }
                        to += wp
                        from += kw
                    }
                }
            }
        }
    }
}

/// C (m, patchSize) += A (m, patchCount) x columns^T, for `g`'s column matrix in its layout: weight gradients.
func addProduct(_ a: UnsafePointer<Float>, rows m: Int, timesTransposed columns: UnsafePointer<Float>, _ g: ConvolutionGeometry,
                into c: UnsafeMutablePointer<Float>) {
    switch g.columnLayout {
    case .entryMajor:
        BLAS.sgemm(.none, .transposed, m: m, n: g.patchSize, k: g.patchCount, a: a, lda: g.patchCount, b: columns,
                   ldb: g.patchCount, beta: 1, c: c, ldc: g.patchSize)
    case .patchMajor:
        BLAS.sgemm(.none, .none, m: m, n: g.patchSize, k: g.patchCount, a: a, lda: g.patchCount, b: columns,
                   ldb: g.patchSize, beta: 1, c: c, ldc: g.patchSize)
    }
}

/// Columns = A^T x B in `g`'s layout, for A (r, patchSize) and B (r, patchCount): what a product spreads over the
/// images before `fold` (Conv2D's input gradient, ConvTranspose2D's output).
func columnsFromProduct(_ a: UnsafePointer<Float>, transposedTimes b: UnsafePointer<Float>, rows r: Int, _ g: ConvolutionGeometry,
                        into columns: UnsafeMutablePointer<Float>) {
    switch g.columnLayout {
    case .entryMajor:
        BLAS.sgemm(.transposed, .none, m: g.patchSize, n: g.patchCount, k: r, a: a, lda: g.patchSize, b: b, ldb: g.patchCount,
                   c: columns, ldc: g.patchCount)
    case .patchMajor:
        BLAS.sgemm(.transposed, .none, m: g.patchCount, n: g.patchSize, k: r, a: b, lda: g.patchCount, b: a, ldb: g.patchSize,
                   c: columns, ldc: g.patchSize)
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

/// Y_n (rows, P) = A (rows, K) x B_n (K, P) [+ bias per row] for each image n of the chunk `g`, in the images'
/// NCHW planes, where B_n is image n's block of `g`'s column matrix (K = patch size, P = output pixels per image;
/// in the patch-major layout the block is stored transposed).
///
/// With planes of at least `imageProductMinimumPlane` entries, one product per image writes straight into its
/// plane: no copy, and with a bias no clearing of C by OpenBLAS (the plane starts as the bias, beta is 1). Smaller
/// planes make skinny products that repack A for every image (DCGAN's 7 x 7 layers ran 15% slower so), so they
/// take one product for the chunk into `scratch` (rows x images * P) and a copy. Same shapes and arithmetic
/// either way: each entry a dot product over K.
func productIntoImages(_ a: UnsafePointer<Float>, columns b: UnsafePointer<Float>, _ g: ConvolutionGeometry,
                       _ images: UnsafeMutablePointer<Float>, rows: Int, bias: UnsafePointer<Float>?,
                       scratch: UnsafeMutablePointer<Float>) {
    let (k, plane, imageCount) = (g.patchSize, g.outputHeight * g.outputWidth, g.batch)
    let imageSize = rows * plane, columns = imageCount * plane
    // Where image n's block starts, and the matching sgemm arguments for B.
    let (transposeB, ldb, blockStride) = g.columnLayout == .entryMajor ? (BLAS.Transpose.none, columns, plane)
                                                                       : (BLAS.Transpose.transposed, k, plane * k)
    guard plane >= imageProductMinimumPlane else {
        BLAS.sgemm(.none, transposeB, m: rows, n: columns, k: k, a: a, lda: k, b: b, ldb: ldb, c: scratch, ldc: columns)
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
        BLAS.sgemm(.none, transposeB, m: rows, n: plane, k: k, a: a, lda: k, b: b + n * blockStride, ldb: ldb,
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
