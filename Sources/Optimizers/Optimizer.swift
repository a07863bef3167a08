import Layers

/// What a training loop and a checkpoint need from an optimizer: a step over the parameters' gradients, and
/// its state as named per-parameter buffers ("m", "v" for Adam; "square_average" for RMSprop) to save and restore.
public protocol Optimizer: AnyObject {
    var parameters: [Parameter] { get }
    var learningRate: Float { get set }
    /// Updates taken so far.
    var step: Int { get }
    /// Per-parameter state, one array per parameter under each slot name, in a fixed slot order.
    var slots: [(name: String, buffers: [[Float]])] { get }
    func update()
    /// Restores the state saved from `step` and `slots`; throws when it does not fit the parameters.
    func restore(step: Int, slots: [String: [[Float]]]) throws
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGradients() { parameters.forEach { $0.zeroGradient() } }

    /// The slot's buffers, checked against the parameters' sizes.
    func restoredSlot(_ name: String, from slots: [String: [[Float]]]) throws -> [[Float]] {
        guard let buffers = slots[name] else { throw OptimizerStateError("optimizer state has no '\(name)' buffers") }
        guard buffers.map(\.count) == parameters.map(\.count) else {
            throw OptimizerStateError("optimizer state '\(name)' does not match the parameters' sizes")
        }
        return buffers
    }
}

/// RMSprop as PyTorch's `torch.optim.RMSprop` (no momentum, not centred):
/// s = alpha s + (1 - alpha) g^2; p -= lr g / (sqrt(s) + eps). WGAN's critic and generator use it (lr 5e-5).
///
/// References: Tieleman & Hinton 2012; Arjovsky, Chintala & Bottou 2017.
public final class RMSprop: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let alpha: Float, epsilon: Float
    public private(set) var step = 0
    public private(set) var squareAverages: [[Float]]

    public init(parameters: [Parameter], learningRate: Float = 1e-2, alpha: Float = 0.99, epsilon: Float = 1e-8) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        squareAverages = parameters.map { [Float](repeating: 0, count: $0.count) }
    }

    public var slots: [(name: String, buffers: [[Float]])] { [("square_average", squareAverages)] }

    public func update() {
        step += 1
        let (lr, a, eps) = (learningRate, alpha, epsilon)
        for index in parameters.indices {
            let parameter = parameters[index]
            parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { p in
                    squareAverages[index].withUnsafeMutableBufferPointer { s in
                        for i in 0..<p.count {
                            s[i] = a * s[i] + (1 - a) * g[i] * g[i]
                            p[i] -= lr * g[i] / (s[i].squareRoot() + eps)
                        }
                    }
                }
            }
        }
    }

    public func restore(step: Int, slots: [String: [[Float]]]) throws {
        let averages = try restoredSlot("square_average", from: slots)
        self.step = step
        squareAverages = averages
    }
}
