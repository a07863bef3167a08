import Foundation
import Tensors

/// Spectral normalisation of a Conv2D's or Linear's weight: the wrapped layer computes with W / sigma(W), where
/// sigma is the largest singular value of W viewed as a matrix [out, in * kernel] and is estimated by power
/// iteration. Each training-mode forward pass runs one iteration (v = norm(W^T u), u = norm(W v)) and
/// sigma = u^T W v; evaluation reuses the stored u and v. Gradients treat u and v as constants, as PyTorch does:
/// dL/dW = G / sigma - (<G, W> / sigma^2) u v^T, with G the gradient with respect to the normalised weight.
///
/// - Parameters: weight_orig (the unnormalised weight), and the wrapped layer's bias; buffers weight_u, weight_v.
/// References: Miyato, Kataoka, Koyama & Yoshida 2018; PyTorch `torch.nn.utils.spectral_norm`.
public final class SpectralNorm: Layer {
    /// The wrapped layer; its `weight` holds W / sigma, recomputed before each forward pass.
    public let layer: Layer
    public let weightOriginal: Parameter
    private let normalizedWeight: Parameter
    private let bias: Parameter?
    public let rows: Int, columns: Int
    public private(set) var u: [Float]
    public private(set) var v: [Float]
    /// sigma of the last forward pass.
    public private(set) var sigma: Float = 1
    private static let epsilon: Float = 1e-12

    /// Wraps `layer` (a Conv2D or Linear), taking its current weight as the unnormalised weight; u and v start as
    /// normalised Gaussian vectors drawn from `generator`.
    public init(_ layer: Layer, generator: inout RandomGenerator) {
        switch layer {
        case let conv as Conv2D: (normalizedWeight, bias) = (conv.weight, conv.bias)
        case let linear as Linear: (normalizedWeight, bias) = (linear.weight, linear.bias)
        default: preconditionFailure("SpectralNorm wraps Conv2D or Linear, not \(type(of: layer))")
        }
        self.layer = layer
        rows = normalizedWeight.shape[0]
        columns = normalizedWeight.count / rows
        weightOriginal = Parameter(name: "weight_orig", shape: normalizedWeight.shape)
        weightOriginal.value = normalizedWeight.value
        u = (0..<rows).map { _ in generator.normal() }
        v = (0..<columns).map { _ in generator.normal() }
        Self.normalize(&u)
        Self.normalize(&v)
    }

    public var output: Tensor { layer.output }
    public var inputGradient: Tensor { layer.inputGradient }
    public var computesInputGradient: Bool {
        get { layer.computesInputGradient }
        set { layer.computesInputGradient = newValue }
    }
    public var computesParameterGradients: Bool {
        get { layer.computesParameterGradients }
        set { layer.computesParameterGradients = newValue }
    }
    public var parameters: [Parameter] { [weightOriginal] + (bias.map { [$0] } ?? []) }
    public var children: [Layer] { [layer] }
    public var buffers: [(name: String, tensor: Tensor)] {
        [("weight_u", try! Tensor(shape: [rows], storage: u)), ("weight_v", try! Tensor(shape: [columns], storage: v))]
    }

    public func loadBuffer(_ name: String, _ value: Tensor) throws {
        switch (name, value.count) {
        case ("weight_u", rows): u = value.storage
        case ("weight_v", columns): v = value.storage
        default: throw LayerStateError("SpectralNorm: no buffer '\(name)' of \(value.count) values")
        }
    }

    private static func normalize(_ x: inout [Float]) {
        let norm = max(x.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot(), epsilon)
        for i in x.indices { x[i] /= norm }
    }

    public func forward(_ input: Tensor, mode: Mode) {
        let (m, n) = (rows, columns)
        var wv = [Float](repeating: 0, count: m)
        weightOriginal.value.withUnsafeBufferPointer { w in
            if mode == .training {
                BLAS.sgemv(.transposed, m: m, n: n, a: w.baseAddress!, lda: n, x: u, y: &v)
                Self.normalize(&v)
                BLAS.sgemv(.none, m: m, n: n, a: w.baseAddress!, lda: n, x: v, y: &u)
                Self.normalize(&u)
            }
            BLAS.sgemv(.none, m: m, n: n, a: w.baseAddress!, lda: n, x: v, y: &wv)
        }
        sigma = zip(u, wv).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        let inverse = 1 / sigma
        normalizedWeight.value.withUnsafeMutableBufferPointer { target in
            weightOriginal.value.withUnsafeBufferPointer { source in
                for i in 0..<target.count { target[i] = source[i] * inverse }
            }
        }
        layer.forward(input, mode: mode)
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        guard computesParameterGradients else {
            layer.backward(input: input, outputGradient: outputGradient)
            return
        }
        normalizedWeight.zeroGradient()
        layer.backward(input: input, outputGradient: outputGradient)
        // dL/dW = G / sigma - (<G, W_sn> / sigma) u v^T, since <G, W> / sigma^2 = <G, W_sn> / sigma.
        let (m, n, inverse) = (rows, columns, 1 / sigma)
        normalizedWeight.gradient.withUnsafeBufferPointer { g in
            normalizedWeight.value.withUnsafeBufferPointer { wsn in
                weightOriginal.gradient.withUnsafeMutableBufferPointer { dw in
                    var inner = 0.0
                    for i in 0..<g.count { inner += Double(g[i]) * Double(wsn[i]) }
                    let scale = Float(inner) * inverse
                    for r in 0..<m {
                        for c in 0..<n { dw[r * n + c] += g[r * n + c] * inverse - scale * u[r] * v[c] }
                    }
                }
            }
        }
    }
}
