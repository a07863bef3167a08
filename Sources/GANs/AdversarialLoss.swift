import Foundation
import Layers
import Tensors

/// The game the two networks play, as losses on the discriminator's scores z (column 0 of its output) and their
/// gradients d loss / d z, each a mean over the batch.
///
/// | loss | discriminator on real | on fake | generator |
/// | --- | --- | --- | --- |
/// | non-saturating | BCE(z, 1 - smoothing) | BCE(z, 0) | BCE(z, 1) |
/// | minimax | BCE(z, 1 - smoothing) | BCE(z, 0) | -BCE(z, 0) = mean log(1 - sigmoid(z)) |
/// | wasserstein | -mean z | mean z | -mean z |
/// | hinge | mean relu(1 - z) | mean relu(1 + z) | -mean z |
///
/// References: Goodfellow et al. 2014 (minimax and non-saturating); Salimans et al. 2016 (one-sided label
/// smoothing); Arjovsky et al. 2017 (Wasserstein); Lim & Ye 2017, Miyato et al. 2018 (hinge).
public enum AdversarialLoss: String, Codable, Sendable, CaseIterable {
    case nonSaturating = "non-saturating"
    case minimax
    case wasserstein
    case hinge

    /// Whether the losses are cross-entropies (label smoothing applies; a loss near 0 means D has won).
    public var isCrossEntropy: Bool { self == .nonSaturating || self == .minimax }

    /// The discriminator's loss on real scores; `smoothing` lowers the real target (cross-entropy losses only).
    public func discriminatorOnReal(_ scores: Tensor, smoothing: Float, gradient: inout Tensor) -> Float {
        switch self {
        case .nonSaturating, .minimax: return Self.crossEntropy(scores, target: 1 - smoothing, sign: 1, gradient: &gradient)
        case .wasserstein: return Self.linear(scores, sign: -1, gradient: &gradient)
        case .hinge: return Self.hinge(scores, sign: -1, gradient: &gradient)
        }
    }

    public func discriminatorOnFake(_ scores: Tensor, gradient: inout Tensor) -> Float {
        switch self {
        case .nonSaturating, .minimax: return Self.crossEntropy(scores, target: 0, sign: 1, gradient: &gradient)
        case .wasserstein: return Self.linear(scores, sign: 1, gradient: &gradient)
        case .hinge: return Self.hinge(scores, sign: 1, gradient: &gradient)
        }
    }

    public func generator(_ scores: Tensor, gradient: inout Tensor) -> Float {
        switch self {
        case .nonSaturating: return Self.crossEntropy(scores, target: 1, sign: 1, gradient: &gradient)
        case .minimax: return Self.crossEntropy(scores, target: 0, sign: -1, gradient: &gradient)
        case .wasserstein, .hinge: return Self.linear(scores, sign: -1, gradient: &gradient)
        }
    }

    /// Visits column 0 of [N, K] scores: body(row, z) returns (loss term, d term / d z); the gradient tensor gets
    /// the derivative of the mean in column 0 and zeros elsewhere.
    private static func columnZero(_ scores: Tensor, _ gradient: inout Tensor, _ body: (Float) -> (Double, Float)) -> Float {
        let (n, k) = (scores.shape[0], scores.count / scores.shape[0])
        gradient.reuse(shape: scores.shape)
        gradient.fill(0)
        var total = 0.0
        scores.withUnsafeBufferPointer { z in
            gradient.withUnsafeMutableBufferPointer { g in
                for row in 0..<n {
                    let (term, derivative) = body(z[row * k])
                    total += term
                    g[row * k] = derivative / Float(n)
                }
            }
        }
        return Float(total / Double(n))
    }

    /// sign * BCE(sigmoid(z), target), computed stably: max(z, 0) - z t + log(1 + e^-|z|).
    private static func crossEntropy(_ scores: Tensor, target t: Float, sign: Float, gradient: inout Tensor) -> Float {
        columnZero(scores, &gradient) { z in
            let loss = Double(max(z, 0) - z * t + log1pf(expf(-abs(z))))
            let sigmoid = z >= 0 ? 1 / (1 + expf(-z)) : expf(z) / (1 + expf(z))
            return (Double(sign) * loss, sign * (sigmoid - t))
        }
    }

    private static func linear(_ scores: Tensor, sign: Float, gradient: inout Tensor) -> Float {
        columnZero(scores, &gradient) { z in (Double(sign * z), sign) }
    }

    /// relu(1 + sign * z).
    private static func hinge(_ scores: Tensor, sign: Float, gradient: inout Tensor) -> Float {
        columnZero(scores, &gradient) { z in
            let margin = 1 + sign * z
            return margin > 0 ? (Double(margin), sign) : (0, 0)
        }
    }
}

/// The auxiliary classifier's loss (ACGAN): softmax cross-entropy of columns 1...K of the scores against labels,
/// added into `gradient`'s columns 1...K (column 0 is left as the adversarial loss wrote it).
struct AuxiliaryClassifierLoss {
    private var logits = Tensor(shape: [0])
    private var logitsGradient = Tensor(shape: [0])
    private var classes: [Int] = []

    /// `labels` holds class indices as Float ([N]), as the networks take them.
    mutating func callAsFunction(_ scores: Tensor, labels: Tensor, gradient: inout Tensor) -> Float {
        let (n, width) = (scores.shape[0], scores.shape[1])
        let classes = width - 1
        logits.reuse(shape: [n, classes])
        scores.withUnsafeBufferPointer { z in
            logits.withUnsafeMutableBufferPointer { l in
                for row in 0..<n { (l.baseAddress! + row * classes).update(from: z.baseAddress! + row * width + 1, count: classes) }
            }
        }
        self.classes.removeAll(keepingCapacity: true)
        for value in labels.storage { self.classes.append(Int(value)) }
        let loss = SoftmaxCrossEntropy()(logits, labels: self.classes, gradient: &logitsGradient)
        logitsGradient.withUnsafeBufferPointer { dl in
            gradient.withUnsafeMutableBufferPointer { g in
                for row in 0..<n {
                    for j in 0..<classes { g[row * width + 1 + j] += dl[row * classes + j] }
                }
            }
        }
        return loss
    }
}
