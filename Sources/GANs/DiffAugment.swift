import Layers
import Tensors

/// Differentiable augmentation applied to every image the discriminator sees, real and fake, so that a GAN trained
/// on a few hundred images does not let its discriminator memorise them. The policy "color,translation,cutout":
/// - brightness: x + b, b ~ U(-0.5, 0.5) per image;
/// - saturation: (x - mean over channels) * s + mean, s ~ U(0, 2) (the identity on one channel);
/// - contrast: (x - mean over the image) * c + mean, c ~ U(0.5, 1.5);
/// - translation by up to 1/8 of the size in each direction (integer pixels, zeros shifted in);
/// - cutout: a zero square of half the size at a uniform centre (clipped at the border).
///
/// Draws are explicit: `resample(count:)` draws one set of parameters per image from the layer's own stream,
/// and forward and backward use the last draw. The generator's gradient flows through backward.
/// References: Zhao, Liu, Lin, Zhu & Han 2020, "Differentiable Augmentation for Data-Efficient GAN Training"
/// (DiffAugment_pytorch.py: rand_brightness, rand_saturation, rand_contrast, rand_translation, rand_cutout).
public final class DiffAugment: Layer {
    public static let translationRatio: Float = 0.125
    public static let cutoutRatio: Float = 0.5

    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true
    /// The stream the parameters are drawn from (saved with checkpoints).
    public var generator: RandomGenerator

    /// One image's parameters.
    struct Draw {
        var brightness: Float, saturation: Float, contrast: Float
        var shiftRows: Int, shiftColumns: Int
        var cutoutRow: Int, cutoutColumn: Int
    }
    private(set) var draws: [Draw] = []
    /// Pixels after the colour steps (before translation), kept for backward.
    private var colored = Tensor(shape: [0])

    public init(generator: RandomGenerator) { self.generator = generator }

    /// Draws new parameters for a batch of `count` images of `height` x `width`, as the reference code does.
    public func resample(count: Int, height: Int, width: Int) {
        let shiftH = Int(Float(height) * Self.translationRatio + 0.5), shiftW = Int(Float(width) * Self.translationRatio + 0.5)
        let cutH = Int(Float(height) * Self.cutoutRatio + 0.5), cutW = Int(Float(width) * Self.cutoutRatio + 0.5)
        draws = (0..<count).map { _ in
            Draw(brightness: generator.uniformFloat() - 0.5, saturation: generator.uniformFloat() * 2,
                 contrast: generator.uniformFloat() + 0.5,
                 shiftRows: generator.integer(below: 2 * shiftH + 1) - shiftH,
                 shiftColumns: generator.integer(below: 2 * shiftW + 1) - shiftW,
                 cutoutRow: generator.integer(below: height + (1 - cutH % 2)),
                 cutoutColumn: generator.integer(below: width + (1 - cutW % 2)))
        }
    }

    /// Whether pixel (i, j) of an image survives the cutout whose square starts half a size before the draw.
    @inline(__always)
    private static func kept(_ i: Int, _ j: Int, _ d: Draw, _ cutH: Int, _ cutW: Int) -> Bool {
        let top = d.cutoutRow - cutH / 2, left = d.cutoutColumn - cutW / 2
        return i < top || i >= top + cutH || j < left || j >= left + cutW
    }

    public func forward(_ input: Tensor, mode: Mode) {
        precondition(input.rank == 4, "DiffAugment: expected [N, C, H, W], got \(input.shape)")
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        precondition(draws.count == n, "DiffAugment: call resample(count: \(n), ...) before the forward pass")
        let (cutH, cutW, plane) = (Int(Float(h) * Self.cutoutRatio + 0.5), Int(Float(w) * Self.cutoutRatio + 0.5), h * w)
        colored.reuse(shape: input.shape)
        output.reuse(shape: input.shape)
        input.withUnsafeBufferPointer { xb in
            colored.withUnsafeMutableBufferPointer { zb in
                output.withUnsafeMutableBufferPointer { yb in
                    for s in 0..<n {
                        let d = draws[s], x = xb.baseAddress! + s * c * plane, z = zb.baseAddress! + s * c * plane
                        let y = yb.baseAddress! + s * c * plane
                        // Brightness, then saturation around the per-pixel channel mean.
                        for i in 0..<(c * plane) { z[i] = x[i] + d.brightness }
                        for p in 0..<plane {
                            var mean: Float = 0
                            for ch in 0..<c { mean += z[ch * plane + p] }
                            mean /= Float(c)
                            for ch in 0..<c { z[ch * plane + p] = (z[ch * plane + p] - mean) * d.saturation + mean }
                        }
                        // Contrast around the image mean.
                        var mean: Float = 0
                        for i in 0..<(c * plane) { mean += z[i] }
                        mean /= Float(c * plane)
                        for i in 0..<(c * plane) { z[i] = (z[i] - mean) * d.contrast + mean }
                        // Translation (out[i, j] = in[i + dy, j + dx], zero outside) and cutout.
                        for ch in 0..<c {
                            for i in 0..<h {
                                for j in 0..<w {
                                    let (si, sj) = (i + d.shiftRows, j + d.shiftColumns)
                                    let inside = si >= 0 && si < h && sj >= 0 && sj < w && Self.kept(i, j, d, cutH, cutW)
                                    y[ch * plane + i * w + j] = inside ? z[ch * plane + si * w + sj] : 0
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
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (cutH, cutW, plane) = (Int(Float(h) * Self.cutoutRatio + 0.5), Int(Float(w) * Self.cutoutRatio + 0.5), h * w)
        inputGradient.reuse(shape: input.shape)
        inputGradient.fill(0)
        outputGradient.withUnsafeBufferPointer { dyb in
            inputGradient.withUnsafeMutableBufferPointer { dxb in
                for s in 0..<n {
                    let d = draws[s], dy = dyb.baseAddress! + s * c * plane, dz = dxb.baseAddress! + s * c * plane
                    // Through cutout and translation: scatter back onto the coloured image (held in dz).
                    for ch in 0..<c {
                        for i in 0..<h {
                            for j in 0..<w {
                                let (si, sj) = (i + d.shiftRows, j + d.shiftColumns)
                                if si >= 0 && si < h && sj >= 0 && sj < w && Self.kept(i, j, d, cutH, cutW) {
                                    dz[ch * plane + si * w + sj] += dy[ch * plane + i * w + j]
                                }
                            }
                        }
                    }
                    // Contrast: dx = c dz + (1 - c) mean(dz); saturation likewise over channels; brightness passes.
                    var mean: Float = 0
                    for i in 0..<(c * plane) { mean += dz[i] }
                    mean /= Float(c * plane)
                    for i in 0..<(c * plane) { dz[i] = d.contrast * dz[i] + (1 - d.contrast) * mean }
                    for p in 0..<plane {
                        var channelMean: Float = 0
                        for ch in 0..<c { channelMean += dz[ch * plane + p] }
                        channelMean /= Float(c)
                        for ch in 0..<c { dz[ch * plane + p] = d.saturation * dz[ch * plane + p] + (1 - d.saturation) * channelMean }
                    }
                }
            }
        }
    }
}
