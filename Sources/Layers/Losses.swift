import Foundation
import Tensors

/// Mean softmax cross-entropy over a batch of logits [N, C] with integer targets, optionally label-smoothed:
/// the target distribution is (1 - eps) one-hot + eps / C. Gradient: (softmax - target) / N.
///
/// References: PyTorch `F.cross_entropy(..., label_smoothing=eps)`.
public struct SoftmaxCrossEntropy: Sendable {
    public var labelSmoothing: Float

    public init(labelSmoothing: Float = 0) { self.labelSmoothing = labelSmoothing }

    /// Returns the mean loss and writes d loss / d logits into `gradient` (reshaped to the logits' shape).
    public func callAsFunction(_ logits: Tensor, labels: [Int], gradient: inout Tensor) -> Float {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count, "cross-entropy: logits \(logits.shape), \(labels.count) labels")
        let (n, c) = (logits.shape[0], logits.shape[1])
        gradient.reuse(shape: logits.shape)
        let eps = labelSmoothing
        var total = 0.0
        logits.withUnsafeBufferPointer { z in
            gradient.withUnsafeMutableBufferPointer { g in
                for row in 0..<n {
                    let zr = z.baseAddress! + row * c, gr = g.baseAddress! + row * c
                    var maximum = -Float.infinity
                    for j in 0..<c { maximum = max(maximum, zr[j]) }
                    var sum = 0.0
                    for j in 0..<c {
                        let e = expf(zr[j] - maximum)
                        gr[j] = e
                        sum += Double(e)
                    }
                    let logSum = Double(maximum) + log(sum)
                    let label = labels[row]
                    precondition(label >= 0 && label < c, "cross-entropy: label \(label) outside 0..<\(c)")
                    // loss = -sum_j target_j log p_j, with log p_j = z_j - logSum
                    var rowLoss = (1 - Double(eps)) * (logSum - Double(zr[label]))
                    if eps > 0 {
                        var sumLogP = 0.0
                        for j in 0..<c { sumLogP += Double(zr[j]) - logSum }
                        rowLoss -= Double(eps) / Double(c) * sumLogP
                    }
                    total += rowLoss
                    let invSum = Float(1 / sum), invN = 1 / Float(n)
                    for j in 0..<c {
                        let target = (j == label ? 1 - eps : 0) + eps / Float(c)
                        gr[j] = (gr[j] * invSum - target) * invN
                    }
                }
            }
        }
        return Float(total / Double(n))
    }
}

/// Mean binary cross-entropy on logits, computed stably: max(z, 0) - z t + log(1 + e^-|z|).
/// Gradient: (sigmoid(z) - t) / count.
///
/// References: PyTorch `nn.BCEWithLogitsLoss`.
public struct BinaryCrossEntropyWithLogits: Sendable {
    public init() {}

    /// `targets` has one value per logit (or one value for all, e.g. 1 for "real").
    public func callAsFunction(_ logits: Tensor, targets: [Float], gradient: inout Tensor) -> Float {
        precondition(targets.count == logits.count || targets.count == 1, "BCE: \(targets.count) targets for \(logits.count) logits")
        gradient.reuse(shape: logits.shape)
        let count = logits.count
        let invCount = 1 / Float(count)
        var total = 0.0
        logits.withUnsafeBufferPointer { z in
            gradient.withUnsafeMutableBufferPointer { g in
                for i in 0..<count {
                    let t = targets.count == 1 ? targets[0] : targets[i]
                    let x = z[i]
                    total += Double(max(x, 0) - x * t + log1pf(expf(-abs(x))))
                    let s = x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x))
                    g[i] = (s - t) * invCount
                }
            }
        }
        return Float(total / Double(count))
    }
}

/// Mean squared error: mean((y - t)^2); gradient 2 (y - t) / count.
public struct MeanSquaredError: Sendable {
    public init() {}

    public func callAsFunction(_ predictions: Tensor, targets: Tensor, gradient: inout Tensor) -> Float {
        precondition(predictions.shape == targets.shape, "MSE: predictions \(predictions.shape) vs targets \(targets.shape)")
        gradient.reuse(shape: predictions.shape)
        let scale = 2 / Float(predictions.count)
        var total = 0.0
        predictions.withUnsafeBufferPointer { y in
            targets.withUnsafeBufferPointer { t in
                gradient.withUnsafeMutableBufferPointer { g in
                    for i in 0..<y.count {
                        let d = y[i] - t[i]
                        total += Double(d) * Double(d)
                        g[i] = scale * d
                    }
                }
            }
        }
        return Float(total / Double(predictions.count))
    }
}
