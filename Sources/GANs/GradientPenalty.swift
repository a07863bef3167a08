import Layers
import Tensors

/// The WGAN-GP penalty P = lambda * mean_i (||grad_x D(x_i)|| - 1)^2 at interpolates x_i, and its exact gradient
/// with respect to the critic's weights, which needs second derivatives through the critic ("double backprop").
///
/// The critic is a chain of Conv2D, Linear, LeakyReLU and Flatten/Reshape layers without normalisation (each
/// sample's score depends on that sample alone, so the batch's input gradient holds every per-sample gradient).
/// Writing the first backward pass as d_(k-1) = J_k^T d_k, P depends on the weights through it. Its adjoint runs
/// forward through the chain with a tangent t (starting at dP/d grad_x):
/// - Conv2D/Linear (d_(k-1) = W^T d_k): dP/dW += d_k (x) t, computed as a weight gradient with input t and output
///   gradient d_k; then t = W t (the layer without its bias, which has no effect on the penalty);
/// - LeakyReLU (d_(k-1) = s(a) * d_k, s piecewise constant): t = s(a) * t;
/// - Flatten/Reshape: t reshaped.
/// Activations contribute no further terms because s is constant almost everywhere, and linear layers are linear
/// in their input. Each layer gets a "twin" that shares its weight `Parameter` for this pass.
/// References: Gulrajani et al. 2017 (lambda = 10); Drucker & LeCun 1992 (double backpropagation).
public final class GradientPenalty {
    public let weight: Float
    private let chain: [Layer]
    private let twins: [Layer]
    private var ones = Tensor(shape: [0])
    private var tangent = Tensor(shape: [0])

    /// Throws when a layer of `chain` is not one the second-derivative pass knows.
    public init(chain: [Layer], weight: Float = 10) throws {
        self.chain = chain
        self.weight = weight
        twins = try chain.map { layer -> Layer in
            switch layer {
            case let conv as Conv2D: return Conv2D(sharingWeightOf: conv)
            case let linear as Linear: return Linear(sharingWeightOf: linear)
            case let leaky as LeakyReLU: return LeakyReLU(slope: leaky.slope)
            case is Flatten: return Flatten()
            case let reshape as Reshape: return Reshape(reshape.shape)
            default:
                throw GANSetupError("the gradient penalty needs a critic of Conv2D, Linear, LeakyReLU and Flatten layers, not \(type(of: layer)) (no BatchNorm: use --variant wgan-gp's critic)")
            }
        }
        for twin in twins {
            twin.computesInputGradient = twin is LeakyReLU
            twin.computesParameterGradients = true
        }
    }

    /// Adds dP/d(weights) into the chain's parameter gradients; returns P and the mean gradient norm.
    /// The chain's forward and backward buffers are overwritten.
    @discardableResult
    public func accumulate(at interpolates: Tensor) -> (penalty: Float, meanNorm: Float) {
        let last = chain.count - 1
        let savedInputFlag = chain[0].computesInputGradient
        let savedParameterFlags = chain.map(\.computesParameterGradients)
        chain[0].computesInputGradient = true
        for layer in chain { layer.computesParameterGradients = false }
        defer {
            chain[0].computesInputGradient = savedInputFlag
            for (layer, flag) in zip(chain, savedParameterFlags) { layer.computesParameterGradients = flag }
        }
        func input(_ k: Int) -> Tensor { k == 0 ? interpolates : chain[k - 1].output }
        func outputGradient(_ k: Int) -> Tensor { k == last ? ones : chain[k + 1].inputGradient }

        // First-order pass: d D(x_i) / d x_i for every sample.
        for k in 0...last { chain[k].forward(input(k), mode: .training) }
        precondition(chain[last].output.rank == 2 && chain[last].output.shape[1] == 1, "critic must output [N, 1]")
        ones.reuse(shape: chain[last].output.shape)
        ones.fill(1)
        for k in stride(from: last, through: 0, by: -1) { chain[k].backward(input: input(k), outputGradient: outputGradient(k)) }

        // P and its gradient with respect to the input gradient, the tangent the adjoint pass starts from.
        let gradient = chain[0].inputGradient
        let n = gradient.shape[0], size = gradient.count / n
        tangent.reuse(shape: gradient.shape)
        var penalty = 0.0, normSum = 0.0
        gradient.withUnsafeBufferPointer { g in
            tangent.withUnsafeMutableBufferPointer { t in
                for i in 0..<n {
                    var squares = 0.0
                    for j in 0..<size { squares += Double(g[i * size + j]) * Double(g[i * size + j]) }
                    let norm = squares.squareRoot()
                    penalty += (norm - 1) * (norm - 1)
                    normSum += norm
                    let scale = norm > 0 ? Float(2 * Double(weight) * (norm - 1) / (norm * Double(n))) : 0
                    for j in 0..<size { t[i * size + j] = scale * g[i * size + j] }
                }
            }
        }

        // Adjoint pass, forward through the chain.
        var t = tangent
        for k in 0...last {
            let twin = twins[k]
            switch twin {
            case is Conv2D, is Linear:
                twin.forward(t, mode: .training)
                twin.backward(input: t, outputGradient: outputGradient(k))
                t = twin.output
            case is LeakyReLU:
                twin.forward(input(k), mode: .training)
                twin.backward(input: input(k), outputGradient: t)
                t = twin.inputGradient
            default:
                twin.forward(t, mode: .training)
                t = twin.output
            }
        }
        return (Float(Double(weight) * penalty / Double(n)), Float(normSum / Double(n)))
    }
}

/// A GAN that cannot be built as asked (an unknown variant, an option a variant does not support).
public struct GANSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
