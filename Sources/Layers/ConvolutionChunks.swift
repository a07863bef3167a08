import Tensors

/// How a convolution splits its batch: into chunks of images whose column matrix stays in cache (at most
/// `columnEntries`, unless one image needs more), which threads take as contiguous runs. The chunk count is a
/// multiple of the thread count and the sizes are near-equal: 64 images of at most 20 become 4 chunks of 16, so
/// that 2 threads take 32 images each (fixed chunks of 20, 20, 20 and 4 gave them 40 and 24). The plan depends only
/// on the shapes and the thread count, so results stay bit-identical for a given thread count.
struct ConvolutionChunks {
    /// Image ranges of the chunks.
    let chunks: [Range<Int>]
    /// Which chunks each thread takes.
    let threads: [Range<Int>]
    /// Images in the largest chunk (workspaces are sized for it).
    let largest: Int

    /// Column-matrix entries of a chunk, at most: 256 K floats, 1 MB, about a core's L2 cache on the development
    /// machine (Zen 3: 512 KB). Chunks of 4 MB (1 M entries, before 2026-11-27) left the columns in L3 for the
    /// product and col2im: with 1 MB the DCGAN step ran 5.48 -> 5.97 steps/s at 1 thread and 8.42 -> 8.80 at 2, the
    /// classifier step 10.8 -> 11.5 at 1 thread (medians of 6-8 interleaved runs). Smaller chunks repack the
    /// weights more often and make skinnier products.
    static let columnEntries = 1 << 18

    /// `entriesPerImage`: the column-matrix entries one image needs (patch size times patches per image).
    init(batch: Int, entriesPerImage: Int) {
        let mostPerChunk = max(1, min(batch, Self.columnEntries / max(1, entriesPerImage)))
        let threadCount = max(1, min(Threads.count, batch))
        let needed = (batch + mostPerChunk - 1) / mostPerChunk
        chunks = Threads.ranges(batch, parts: min(batch, (needed + threadCount - 1) / threadCount * threadCount))
        threads = Threads.ranges(chunks.count)
        largest = chunks.map(\.count).max() ?? 0
    }
}

/// Scratch buffers of one thread of a chunked convolution, reused every step.
final class ConvolutionWorkspace {
    /// A chunk's column matrix.
    var columns = Tensor(shape: [0])
    /// A chunk's product in channel-major layout.
    var product = Tensor(shape: [0])
    /// This thread's part of the weight and bias gradients, added to the parameters' in thread order.
    var weightGradient = Tensor(shape: [0])
    var biasGradient = Tensor(shape: [0])
    /// A chunk's images with their zero border (`padImages`), or col2im's sums; grown, never shrunk.
    private(set) var padded = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var paddedCapacity = 1

    deinit { padded.deallocate() }

    /// Sizes the buffers for the largest chunk `g`: `columns` (patch size x patches), `product` (`productRows` x
    /// patches) and the padded images. Smaller chunks use the front of them; sizing per chunk would reallocate (and
    /// zero) megabytes twice per call whenever the last chunk is smaller.
    func reserve(for g: ConvolutionGeometry, productRows: Int) {
        columns.reuse(shape: [g.patchSize, g.patchCount])
        product.reuse(shape: [productRows, g.patchCount])
        if g.paddedCount > paddedCapacity {
            padded.deallocate()
            padded = .allocate(capacity: g.paddedCount)
            paddedCapacity = g.paddedCount
        }
    }

    /// A chunk's images as `unfold` reads them: copied with their zero border when `g` pads, else as they are.
    func imagesForColumns(_ images: UnsafePointer<Float>, _ g: ConvolutionGeometry) -> UnsafePointer<Float> {
        guard g.padding > 0 else { return images }
        padImages(images, padded, g)
        return UnsafePointer(padded)
    }

    /// Zeroed gradient parts of the given sizes (bias part only when `biasCount` > 0).
    func clearGradients(weightCount: Int, biasCount: Int) {
        weightGradient.reuse(shape: [weightCount])
        weightGradient.fill(0)
        biasGradient.reuse(shape: [biasCount])
        biasGradient.fill(0)
    }

    /// At least `count` workspaces in `list`.
    static func ensure(_ list: inout [ConvolutionWorkspace], count: Int) {
        while list.count < count { list.append(ConvolutionWorkspace()) }
    }

    /// Adds the first `count` workspaces' gradient parts to the parameters' gradients, in thread order.
    static func addGradients(of list: [ConvolutionWorkspace], count: Int, weight: Parameter, bias: Parameter?) {
        for space in list.prefix(count) {
            add(space.weightGradient, into: &weight.gradient)
            if let bias { add(space.biasGradient, into: &bias.gradient) }
        }
    }

    private static func add(_ part: Tensor, into total: inout Tensor) {
        total.withUnsafeMutableBufferPointer { total in
            part.withUnsafeBufferPointer { part in
                for i in 0..<total.count { total[i] += part[i] }
            }
        }
    }
}
