import Tensors

/// Per-sample realism (Kynkaanniemi et al. 2019, section 5): R(g) = max_i r_i / |g - f_i| over real features f_i
/// whose k-NN radius r_i is at most the median radius (the half with the largest balls, outliers, is dropped, as
/// in the paper). R >= 1 means g lies inside at least one of the kept real balls; larger is more typical.
public enum RealismScore {
    /// Realism of each generated feature row against the real rows (both [N, D]); `k` sets the real balls' radii.
    public static func compute(real: Tensor, generated: Tensor, k: Int = 3) throws -> [Double] {
        let r = try doubleRows(real, "real"), g = try doubleRows(generated, "generated")
        guard r.dimension == g.dimension else { throw MetricError("feature dimensions differ: \(r.dimension) and \(g.dimension)") }
        guard r.count > k else { throw MetricError("realism needs more than k = \(k) real samples, got \(r.count)") }
        let radii = PairwiseDistances.kthNeighbourRadii(r.values, dimension: r.dimension, k: k)
        var sorted = radii
        let median = PairwiseDistances.kthSmallest(&sorted, (radii.count + 1) / 2)
        var scores = [Double](repeating: 0, count: g.count)
        PairwiseDistances.forEachBlock(g.values, r.values, dimension: r.dimension) { first, block in
            for row in 0..<(block.count / r.count) {
                var best = 0.0
                for i in 0..<r.count where radii[i] <= median {
                    let distance = block[row * r.count + i]
                    best = max(best, distance > 0 ? radii[i] / distance : .infinity)
                }
                scores[first + row] = best
            }
        }
        return scores
    }
}
