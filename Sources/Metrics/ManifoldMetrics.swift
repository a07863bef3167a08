import Tensors

/// Improved precision and recall (Kynkaanniemi et al. 2019) and density and coverage (Naeem et al. 2020):
/// each set's manifold is the union of balls around its samples, of radius the distance to the k-th nearest
/// neighbour within the set.
///
/// - precision: fraction of generated samples inside the real manifold;
/// - recall: fraction of real samples inside the generated manifold;
/// - density: mean number of real balls containing a generated sample, divided by k;
/// - coverage: fraction of real balls that contain at least one generated sample.
/// Comparisons are strict (distance < radius), as in the authors' reference code.
public struct ManifoldMetrics: Sendable, Equatable {
    /// Fraction of generated samples inside the real manifold, 0...1: how realistic they are.
    public let precision: Double
    /// Fraction of real samples inside the generated manifold, 0...1: how much of the data is covered.
    public let recall: Double
    /// Real balls containing a generated sample, on average, over k: about 1 for matching sets, can exceed 1.
    public let density: Double
    /// Fraction of real balls containing at least one generated sample, 0...1.
    public let coverage: Double

    /// The four metrics of `generated` features against `real` ones (both [N, D]).
    ///
    /// - Parameters: `k` for precision/recall (paper: 3), `densityK` for density/coverage (paper: 5).
    public static func compute(real: Tensor, generated: Tensor, k: Int = 3, densityK: Int = 5) throws -> ManifoldMetrics {
        let r = try doubleRows(real, "real"), g = try doubleRows(generated, "generated")
        guard r.dimension == g.dimension else { throw MetricError("feature dimensions differ: \(r.dimension) and \(g.dimension)") }
        let neededReal = max(k, densityK) + 1
        guard r.count >= neededReal, g.count >= k + 1 else {
            throw MetricError("precision/recall needs more than k samples per set: \(r.count) real, \(g.count) generated, k = \(k), \(densityK)")
        }
        let d = r.dimension
        let realRadii = PairwiseDistances.kthNeighbourRadii(r.values, dimension: d, k: k)
        let realDensityRadii = densityK == k ? realRadii : PairwiseDistances.kthNeighbourRadii(r.values, dimension: d, k: densityK)
        let generatedRadii = PairwiseDistances.kthNeighbourRadii(g.values, dimension: d, k: k)

        var generatedInReal = [Bool](repeating: false, count: g.count)
        var realInGenerated = [Bool](repeating: false, count: r.count)
        var densityCount = 0
        var covered = [Bool](repeating: false, count: r.count)
        PairwiseDistances.forEachBlock(r.values, g.values, dimension: d) { first, block in
            for row in 0..<(block.count / g.count) {
                let i = first + row
                for j in 0..<g.count {
                    let distance = block[row * g.count + j]
                    if distance < realRadii[i] { generatedInReal[j] = true }
                    if distance < generatedRadii[j] { realInGenerated[i] = true }
                    if distance < realDensityRadii[i] { densityCount += 1; covered[i] = true }
                }
            }
        }
        func fraction(_ flags: [Bool]) -> Double { Double(flags.filter { $0 }.count) / Double(flags.count) }
        return ManifoldMetrics(precision: fraction(generatedInReal), recall: fraction(realInGenerated),
                               density: Double(densityCount) / Double(densityK * g.count), coverage: fraction(covered))
    }
}

/// Distance from each generated sample to its nearest real (training) sample: small values flag memorised
/// copies. Works on features or on flattened pixels.
public enum MemorisationDistances {
    /// For each generated row, the Euclidean distance to its nearest real row (both [N, D]).
    public static func nearest(generated: Tensor, real: Tensor) throws -> [Double] {
        let g = try doubleRows(generated, "generated"), r = try doubleRows(real, "real")
        guard g.dimension == r.dimension else { throw MetricError("dimensions differ: \(g.dimension) and \(r.dimension)") }
        var result = [Double](repeating: .infinity, count: g.count)
        PairwiseDistances.forEachBlock(g.values, r.values, dimension: g.dimension) { first, block in
            for row in 0..<(block.count / r.count) {
                result[first + row] = block[(row * r.count)..<((row + 1) * r.count)].min() ?? .infinity
            }
        }
        return result
    }
}
