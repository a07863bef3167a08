import Tensors

/// Applies given affine matrices to a batch: the fixed-parameter form of the geometric operations, equal to
/// `F.grid_sample(x, F.affine_grid(theta, x.shape, align_corners=False), align_corners=False)` for
/// `padding_mode` zeros (with fill 0), border or reflection.
public enum AffineWarp {
    /// `thetas` holds one row-major 2 x 3 matrix per sample (output normalised coordinates -> input ones), or a
    /// single matrix for every sample.
    public static func apply(_ thetas: [[Float]], to batch: inout Tensor, border: BorderMode = .constant, fill: Float = 0) {
        precondition(batch.rank == 4, "AffineWarp needs an NCHW batch")
        let (n, c, h, w) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        precondition(thetas.count == n || thetas.count == 1, "one theta per sample, or one for all")
        precondition(thetas.allSatisfy { $0.count == 6 }, "each theta has 6 entries (2 x 3, row-major)")
        var xs = [Float](repeating: 0, count: h * w), ys = xs, copy = [Float](repeating: 0, count: c * h * w)
        batch.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<n where thetas[thetas.count == 1 ? 0 : index] != [1, 0, 0, 0, 1, 0] {
                let image = buffer.baseAddress! + index * c * h * w
                xs.withUnsafeMutableBufferPointer { px in
                    ys.withUnsafeMutableBufferPointer { py in
                        copy.withUnsafeMutableBufferPointer { pc in
                            GridSampler.affineGrid(thetas[thetas.count == 1 ? 0 : index], height: h, width: w,
                                                   xs: px.baseAddress!, ys: py.baseAddress!)
                            pc.baseAddress!.update(from: image, count: c * h * w)
                            GridSampler.sample(pc.baseAddress!, into: image, channels: c, height: h, width: w,
                                               xs: px.baseAddress!, ys: py.baseAddress!, mode: border, fill: fill)
                        }
                    }
                }
            }
        }
    }
}
