import Foundation
import Tensors

/// What a sample outside the image reads.
public enum BorderMode: String, Sendable, Equatable, CaseIterable {
    /// The pipeline's fill value (PyTorch's `padding_mode="zeros"` on images shifted so the fill is 0).
    case constant
    /// The nearest edge pixel (`padding_mode="border"`).
    case border
    /// The image mirrored at its edges (`padding_mode="reflection"`, align_corners=False).
    case reflection
}

/// Bilinear sampling of one C x H x W image at arbitrary points, as PyTorch's `F.grid_sample` with
/// align_corners=False: a normalised coordinate u in [-1, 1] maps to the pixel coordinate ((u + 1) * W - 1) / 2,
/// pixel centres sit at integers, and each output pixel mixes the four surrounding pixels.
enum GridSampler {
    /// Maps a pixel coordinate into [0, size - 1] for the border and reflection modes.
    @inline(__always)
    static func fold(_ coordinate: Float, size: Int, mode: BorderMode) -> Float {
        switch mode {
        case .constant:
            return coordinate
        case .border:
            return min(max(coordinate, 0), Float(size - 1))
        case .reflection:
            // Reflect about the image's outer edges -0.5 and size - 0.5 (align_corners=False), then clip.
            let low: Float = -0.5, span = Float(size)
            var x = abs(coordinate - low)
            let flips = (x / span).rounded(.down)
            x = x - flips * span
            x = Int(flips) % 2 == 0 ? x + low : span - x + low
            return min(max(x, 0), Float(size - 1))
        }
    }

    /// Samples `image` (C x H x W) at pixel coordinates (xs[i], ys[i]) into output plane position i.
    static func sample(_ image: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, channels: Int, height: Int,
                       width: Int, xs: UnsafePointer<Float>, ys: UnsafePointer<Float>, mode: BorderMode, fill: Float) {
        let plane = height * width
        for i in 0..<plane {
            let x = fold(xs[i], size: width, mode: mode), y = fold(ys[i], size: height, mode: mode)
            let x0f = x.rounded(.down), y0f = y.rounded(.down)
            let wx1 = x - x0f, wy1 = y - y0f
            let wx0 = 1 - wx1, wy0 = 1 - wy1
            // Coordinates far outside (or NaN) cannot index anything: treat them as fully outside.
            guard x0f > -2, x0f < Float(width), y0f > -2, y0f < Float(height) else {
                for c in 0..<channels { output[c * plane + i] = fill }
                continue
            }
            let x0 = Int(x0f), y0 = Int(y0f), x1 = x0 + 1, y1 = y0 + 1
            let inX0 = x0 >= 0 && x0 < width, inX1 = x1 >= 0 && x1 < width
            let inY0 = y0 >= 0 && y0 < height, inY1 = y1 >= 0 && y1 < height
            for c in 0..<channels {
                let base = image + c * plane
                let v00 = inY0 && inX0 ? base[y0 * width + x0] : fill
                let v01 = inY0 && inX1 ? base[y0 * width + x1] : fill
                let v10 = inY1 && inX0 ? base[y1 * width + x0] : fill
                let v11 = inY1 && inX1 ? base[y1 * width + x1] : fill
                output[c * plane + i] = (v00 * wx0 + v01 * wx1) * wy0 + (v10 * wx0 + v11 * wx1) * wy1
            }
        }
    }

    /// Pixel coordinates of the affine grid: output pixel (row r, column q) reads the input at theta applied to its
    /// normalised centre ((2q + 1) / W - 1, (2r + 1) / H - 1), as `F.affine_grid(theta, size, align_corners=False)`.
    /// theta is row-major 2 x 3.
    static func affineGrid(_ theta: [Float], height: Int, width: Int, xs: UnsafeMutablePointer<Float>, ys: UnsafeMutablePointer<Float>) {
        for r in 0..<height {
            let v = (2 * Float(r) + 1) / Float(height) - 1
            for q in 0..<width {
                let u = (2 * Float(q) + 1) / Float(width) - 1
                let gx = theta[0] * u + theta[1] * v + theta[2]
                let gy = theta[3] * u + theta[4] * v + theta[5]
                xs[r * width + q] = ((gx + 1) * Float(width) - 1) / 2
                ys[r * width + q] = ((gy + 1) * Float(height) - 1) / 2
            }
        }
    }
}
