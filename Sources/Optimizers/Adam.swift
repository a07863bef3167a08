import Foundation
import Layers
import Tensors

/// Adam with optional L2 weight decay, as PyTorch's `torch.optim.Adam`:
/// g += wd * p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
///
/// References: Kingma & Ba 2015.
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    /// Number of steps taken.
    public private(set) var step = 0
    /// First and second moment estimates, one buffer per parameter (saved in checkpoints).
    public private(set) var firstMoments: [[Float]]
    public private(set) var secondMoments: [[Float]]

    public init(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
        secondMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
    }

    /// Applies one update from the current gradients (which it leaves untouched).
    public func update() {
        step += 1
        let correction1 = 1 - pow(Double(beta1), Double(step))
        let correction2 = 1 - pow(Double(beta2), Double(step))
        let stepSize = Float(Double(learningRate) / correction1)
        let rootCorrection2 = Float(correction2.squareRoot())
        let (b1, b2, eps, wd) = (beta1, beta2, epsilon, weightDecay)
        for index in parameters.indices {
            let parameter = parameters[index]
            parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { p in
                    firstMoments[index].withUnsafeMutableBufferPointer { m in
                        secondMoments[index].withUnsafeMutableBufferPointer { v in
                            let count = p.count
                            guard let g = g.baseAddress, let p = p.baseAddress, let m = m.baseAddress, let v = v.baseAddress else { return }
                            // Each element is updated on its own, so the split across threads does not change the result.
                            Threads.elementwise(count) { range in
                                for i in range {
                                    let grad = wd == 0 ? g[i] : g[i] + wd * p[i]
                                    m[i] = b1 * m[i] + (1 - b1) * grad
                                    v[i] = b2 * v[i] + (1 - b2) * grad * grad
                                    p[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public var slots: [(name: String, buffers: [[Float]])] { [("m", firstMoments), ("v", secondMoments)] }

    public func restore(step: Int, slots: [String: [[Float]]]) throws {
        let (first, second) = (try restoredSlot("m", from: slots), try restoredSlot("v", from: slots))
        self.step = step
        firstMoments = first
        secondMoments = second
    }
}

/// Optimizer state that does not fit the parameters it is restored into.
public struct OptimizerStateError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// SGD with momentum (and optional dampening-free Nesterov off), as PyTorch's `torch.optim.SGD`:
/// g += wd * p; b = momentum * b + g (b = g on the first step); p -= lr * b.
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let momentum: Float, weightDecay: Float
    public private(set) var step = 0
    public private(set) var velocities: [[Float]]

    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        velocities = parameters.map { [Float](repeating: 0, count: $0.count) }
    }

    public func update() {
        step += 1
        let first = step == 1
        let (lr, mu, wd) = (learningRate, momentum, weightDecay)
        for index in parameters.indices {
            let parameter = parameters[index]
            parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { p in
                    velocities[index].withUnsafeMutableBufferPointer { b in
                        for i in 0..<p.count {
                            let grad = wd == 0 ? g[i] : g[i] + wd * p[i]
                            if mu == 0 {
                                p[i] -= lr * grad
                            } else {
                                b[i] = first ? grad : mu * b[i] + grad
                                p[i] -= lr * b[i]
                            }
                        }
                    }
                }
            }
        }
    }

    public var slots: [(name: String, buffers: [[Float]])] { [("momentum_buffer", velocities)] }

    public func restore(step: Int, slots: [String: [[Float]]]) throws {
        let buffers = try restoredSlot("momentum_buffer", from: slots)
        self.step = step
        velocities = buffers
    }
}
