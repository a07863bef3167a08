import Foundation
import Tensors

/// Self-attention over the positions of a feature map (SAGAN), NCHW with P = H * W positions:
/// Q = Wq x + bq, K = Wk x + bk (C/8 channels each), V = Wv x + bv (C channels) are 1x1 projections;
/// A = softmax_rows(Q^T K) (P x P: how much output position j attends to input position i);
/// y = gamma * V A^T + x, with gamma initialised to 0 so that the block starts as the identity.
///
/// Each sample is a handful of matrix products; activations of the whole batch (Q, K, V, A and the attention
/// output) are kept for backward.
///
/// - Parameters: query.weight [C/8, C], query.bias, key.weight [C/8, C], key.bias, value.weight [C, C],
///   value.bias, gamma [1].
/// References: Zhang, Goodfellow, Metaxas & Odena 2019 (SAGAN).
public final class SelfAttention: Layer {
    public let channels: Int
    public let reducedChannels: Int
    public let queryWeight: Parameter, queryBias: Parameter
    public let keyWeight: Parameter, keyBias: Parameter
    public let valueWeight: Parameter, valueBias: Parameter
    public let gamma: Parameter

    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true
    public var computesParameterGradients = true

    private var queries = Tensor(shape: [0]), keys = Tensor(shape: [0]), values = Tensor(shape: [0])
    private var attention = Tensor(shape: [0]), attended = Tensor(shape: [0])
    /// Per-sample scratch for backward: dO and dV [C, P], dA then dE [P, P], dQ and dK [C/8, P].
    private var scratch = Tensor(shape: [0])

    public init(channels: Int, reduction: Int = 8) {
        precondition(channels >= reduction && channels % reduction == 0, "SelfAttention: \(channels) channels, reduction \(reduction)")
        self.channels = channels
        reducedChannels = channels / reduction
        queryWeight = Parameter(name: "query.weight", shape: [reducedChannels, channels])
        queryBias = Parameter(name: "query.bias", shape: [reducedChannels])
        keyWeight = Parameter(name: "key.weight", shape: [reducedChannels, channels])
        keyBias = Parameter(name: "key.bias", shape: [reducedChannels])
        valueWeight = Parameter(name: "value.weight", shape: [channels, channels])
        valueBias = Parameter(name: "value.bias", shape: [channels])
        gamma = Parameter(name: "gamma", shape: [1])
    }

    public var parameters: [Parameter] { [queryWeight, queryBias, keyWeight, keyBias, valueWeight, valueBias, gamma] }

    /// out (rows, P) = W (rows, C) x (C, P) + b, for one sample.
    private static func project(_ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                                _ out: UnsafeMutablePointer<Float>, rows: Int, channels: Int, positions: Int) {
        for r in 0..<rows { (out + r * positions).update(repeating: b[r], count: positions) }
        BLAS.sgemm(.none, .none, m: rows, n: positions, k: channels, a: w, lda: channels, b: x, ldb: positions,
                   beta: 1, c: out, ldc: positions)
    }

    public func forward(_ input: Tensor, mode: Mode) {
        requireShape(input.rank == 4 && input.shape[1] == channels, "SelfAttention",
                     "expected [N, \(channels), H, W], got \(input.shape)")
        let (n, c, d, p) = (input.shape[0], channels, reducedChannels, input.shape[2] * input.shape[3])
        queries.reuse(shape: [n, d, p])
        keys.reuse(shape: [n, d, p])
        values.reuse(shape: [n, c, p])
        attention.reuse(shape: [n, p, p])
        attended.reuse(shape: [n, c, p])
        output.reuse(shape: input.shape)
        let g = gamma.value.storage[0]
        let (wq, bq, wk, bk, wv, bv) = (queryWeight.value.storage, queryBias.value.storage, keyWeight.value.storage,
                                        keyBias.value.storage, valueWeight.value.storage, valueBias.value.storage)
        input.withUnsafeBufferPointer { xb in
        queries.withUnsafeMutableBufferPointer { qb in
        keys.withUnsafeMutableBufferPointer { kb in
        values.withUnsafeMutableBufferPointer { vb in
        attention.withUnsafeMutableBufferPointer { ab in
        attended.withUnsafeMutableBufferPointer { ob in
        output.withUnsafeMutableBufferPointer { yb in
            let (x, q, k, v, a, o, y) = (xb.baseAddress!, qb.baseAddress!, kb.baseAddress!, vb.baseAddress!, ab.baseAddress!,
                                         ob.baseAddress!, yb.baseAddress!)
            Threads.parallelFor(n) { s in
                let (xs, qs, ks, vs) = (x + s * c * p, q + s * d * p, k + s * d * p, v + s * c * p)
                let (as_, os, ys) = (a + s * p * p, o + s * c * p, y + s * c * p)
                Self.project(wq, bq, xs, qs, rows: d, channels: c, positions: p)
                Self.project(wk, bk, xs, ks, rows: d, channels: c, positions: p)
                Self.project(wv, bv, xs, vs, rows: c, channels: c, positions: p)
                // E = Q^T K, then a softmax along each row.
                BLAS.sgemm(.transposed, .none, m: p, n: p, k: d, a: qs, lda: p, b: ks, ldb: p, c: as_, ldc: p)
                for j in 0..<p {
                    let row = as_ + j * p
                    var maximum = -Float.infinity
                    for i in 0..<p { maximum = max(maximum, row[i]) }
                    var sum: Float = 0
                    for i in 0..<p { row[i] = expf(row[i] - maximum); sum += row[i] }
                    let inverse = 1 / sum
                    for i in 0..<p { row[i] *= inverse }
                }
                // O = V A^T; y = gamma O + x.
                BLAS.sgemm(.none, .transposed, m: c, n: p, k: p, a: vs, lda: p, b: as_, ldb: p, c: os, ldc: p)
                for i in 0..<(c * p) { ys[i] = g * os[i] + xs[i] }
            }
        }}}}}}}
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        let (n, c, d, p) = (input.shape[0], channels, reducedChannels, input.shape[2] * input.shape[3])
        let (wantsInput, wantsParameters) = (computesInputGradient, computesParameterGradients)
        if wantsInput { inputGradient.reuse(shape: input.shape) }
        scratch.reuse(shape: [2 * c * p + p * p + 2 * d * p])
        let g = gamma.value.storage[0]
        var gammaGradient = 0.0
        input.withUnsafeBufferPointer { xb in
        outputGradient.withUnsafeBufferPointer { dyb in
        inputGradient.withUnsafeMutableBufferPointer { dxb in
        scratch.withUnsafeMutableBufferPointer { sb in
        queries.withUnsafeBufferPointer { qb in
        keys.withUnsafeBufferPointer { kb in
        values.withUnsafeBufferPointer { vb in
        attention.withUnsafeBufferPointer { ab in
        attended.withUnsafeBufferPointer { ob in
        queryWeight.gradient.withUnsafeMutableBufferPointer { dwq in
        keyWeight.gradient.withUnsafeMutableBufferPointer { dwk in
        valueWeight.gradient.withUnsafeMutableBufferPointer { dwv in
            let dO = sb.baseAddress!, dV = dO + c * p, dE = dV + c * p, dQ = dE + p * p, dK = dQ + d * p
            let (wq, wk, wv) = (queryWeight.value.storage, keyWeight.value.storage, valueWeight.value.storage)
            for s in 0..<n {
                let xs = xb.baseAddress! + s * c * p, dys = dyb.baseAddress! + s * c * p
                let (qs, ks, vs) = (qb.baseAddress! + s * d * p, kb.baseAddress! + s * d * p, vb.baseAddress! + s * c * p)
                let (as_, os) = (ab.baseAddress! + s * p * p, ob.baseAddress! + s * c * p)
                for i in 0..<(c * p) {
                    gammaGradient += Double(dys[i]) * Double(os[i])
                    dO[i] = g * dys[i]
                }
                // dV = dO A; dA = dO^T V; dE = A * (dA - rowsum(dA * A)).
                BLAS.sgemm(.none, .none, m: c, n: p, k: p, a: dO, lda: p, b: as_, ldb: p, c: dV, ldc: p)
                BLAS.sgemm(.transposed, .none, m: p, n: p, k: c, a: dO, lda: p, b: vs, ldb: p, c: dE, ldc: p)
                for j in 0..<p {
                    let (row, probabilities) = (dE + j * p, as_ + j * p)
                    var dot: Float = 0
                    for i in 0..<p { dot += row[i] * probabilities[i] }
                    for i in 0..<p { row[i] = probabilities[i] * (row[i] - dot) }
                }
                // dQ = K dE^T, dK = Q dE.
                BLAS.sgemm(.none, .transposed, m: d, n: p, k: p, a: ks, lda: p, b: dE, ldb: p, c: dQ, ldc: p)
                BLAS.sgemm(.none, .none, m: d, n: p, k: p, a: qs, lda: p, b: dE, ldb: p, c: dK, ldc: p)
                if wantsParameters {
                    for (dProjection, dWeight, bias, rows) in [(dQ, dwq.baseAddress!, queryBias, d), (dK, dwk.baseAddress!, keyBias, d),
                                                               (dV, dwv.baseAddress!, valueBias, c)] {
                        BLAS.sgemm(.none, .transposed, m: rows, n: c, k: p, a: dProjection, lda: p, b: xs, ldb: p,
                                   beta: 1, c: dWeight, ldc: c)
                        bias.gradient.withUnsafeMutableBufferPointer { db in
                            for r in 0..<rows {
                                var sum: Float = 0
                                for i in 0..<p { sum += dProjection[r * p + i] }
                                db[r] += sum
                            }
                        }
                    }
                }
                guard wantsInput else { continue }
                let dxs = dxb.baseAddress! + s * c * p
                dxs.update(from: dys, count: c * p)
                for (weights, dProjection, rows) in [(wq, dQ, d), (wk, dK, d), (wv, dV, c)] {
                    weights.withUnsafeBufferPointer { w in
                        BLAS.sgemm(.transposed, .none, m: c, n: p, k: rows, a: w.baseAddress!, lda: c, b: dProjection, ldb: p,
                                   beta: 1, c: dxs, ldc: p)
                    }
                }
            }
        }}}}}}}}}}}}
        if wantsParameters { gamma.gradient.withUnsafeMutableBufferPointer { $0[0] += Float(gammaGradient) } }
    }
}
