import Foundation
import Tensors

/// Batch normalisation over the channel axis of [N, C] (1-D) or [N, C, H, W] (2-D) inputs:
/// y = gamma (x - mean) / sqrt(var + eps) + beta.
///
/// Training uses the batch's mean and biased variance and updates the running statistics as PyTorch does:
/// running = (1 - momentum) running + momentum * batch (the variance term unbiased, n / (n - 1)).
/// Evaluation uses the running statistics. Statistics are accumulated in Float64.
///
/// - Parameters: weight (gamma) [C], bias (beta) [C]; buffers running_mean, running_var [C],
///   num_batches_tracked.
/// References: Ioffe & Szegedy 2015; PyTorch `nn.BatchNorm1d` / `nn.BatchNorm2d` (momentum 0.1, eps 1e-5).
public final class BatchNorm: Layer {
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    public let weight: Parameter
    public let bias: Parameter
    public private(set) var runningMean: Tensor
    public private(set) var runningVariance: Tensor
    public private(set) var batchesTracked: Int = 0

    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true
    public var computesParameterGradients = true

    /// Per-channel mean and 1 / sqrt(var + eps) used by the last forward pass (batch or running).
    private var usedMean: [Float]
    private var usedInverseStd: [Float]
    private var lastMode = Mode.training

    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        weight = Parameter(name: "weight", shape: [channels])
        bias = Parameter(name: "bias", shape: [channels])
        weight.value.fill(1)
        runningMean = Tensor(shape: [channels])
        runningVariance = Tensor(shape: [channels], repeating: 1)
        usedMean = [Float](repeating: 0, count: channels)
        usedInverseStd = [Float](repeating: 1, count: channels)
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [(name: String, tensor: Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVariance)]
    }

    /// Restores running statistics (from a checkpoint).
    public func setRunningStatistics(mean: Tensor, variance: Tensor, batchesTracked: Int) {
        precondition(mean.count == channels && variance.count == channels, "BatchNorm: statistics of \(channels) channels expected")
        runningMean = mean
        runningVariance = variance
        self.batchesTracked = batchesTracked
    }

    /// (batch, plane) of an input: plane = H * W for 2-D inputs, 1 for 1-D.
    private func layout(_ shape: [Int]) -> (batch: Int, plane: Int) {
        requireShape((shape.count == 2 || shape.count == 4) && shape[1] == channels, "BatchNorm",
                     "expected [N, \(channels)] or [N, \(channels), H, W], got \(shape)")
        return (shape[0], shape.count == 4 ? shape[2] * shape[3] : 1)
    }

    public func forward(_ input: Tensor, mode: Mode) {
        let (n, plane) = layout(input.shape)
        lastMode = mode
        output.reuse(shape: input.shape)
        let count = n * plane
        let channels = channels, epsilon = epsilon, momentum = momentum
        if mode == .training {
            precondition(count > 1, "BatchNorm in training needs more than one value per channel")
            batchesTracked += 1
        }
        input.withUnsafeBufferPointer { xBuffer in
            weight.value.withUnsafeBufferPointer { gammaBuffer in
                bias.value.withUnsafeBufferPointer { betaBuffer in
                    output.withUnsafeMutableBufferPointer { yBuffer in
                        usedMean.withUnsafeMutableBufferPointer { meanBuffer in
                            usedInverseStd.withUnsafeMutableBufferPointer { inverseStdBuffer in
                                runningMean.withUnsafeMutableBufferPointer { runningMeanBuffer in
                                    runningVariance.withUnsafeMutableBufferPointer { runningVarianceBuffer in
        let (x, gamma, beta, y) = (xBuffer.baseAddress!, gammaBuffer.baseAddress!, betaBuffer.baseAddress!, yBuffer.baseAddress!)
        let (usedMean, usedInverseStd) = (meanBuffer.baseAddress!, inverseStdBuffer.baseAddress!)
        let (runningMean, runningVariance) = (runningMeanBuffer.baseAddress!, runningVarianceBuffer.baseAddress!)
        // Channels are independent: each thread owns a range of them.
        let parts = Threads.ranges(channels)
        Threads.parallelFor(parts.count) { part in
            for c in parts[part] {
                if mode == .training {
                    var sum = 0.0
                    for image in 0..<n {
                        let row = x + (image * channels + c) * plane
                        for i in 0..<plane { sum += Double(row[i]) }
                    }
                    let mean = sum / Double(count)
                    var squares = 0.0
                    for image in 0..<n {
                        let row = x + (image * channels + c) * plane
                        for i in 0..<plane { let d = Double(row[i]) - mean; squares += d * d }
                    }
                    let variance = squares / Double(count)
                    usedMean[c] = Float(mean)
                    usedInverseStd[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
                    let unbiased = variance * Double(count) / Double(count - 1)
                    runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(mean)
                    runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * Float(unbiased)
                } else {
                    usedMean[c] = runningMean[c]
                    usedInverseStd[c] = 1 / (runningVariance[c] + epsilon).squareRoot()
                }
                let scale = gamma[c] * usedInverseStd[c], shift = beta[c] - usedMean[c] * scale
                for image in 0..<n {
                    let offset = (image * channels + c) * plane
                    for i in 0..<plane { y[offset + i] = x[offset + i] * scale + shift }
                }
            }
        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        let (n, plane) = layout(input.shape)
        let count = Double(n * plane)
        let channels = channels, training = lastMode == .training
        let (wantsInput, wantsParameters) = (computesInputGradient, computesParameterGradients)
        if wantsInput { inputGradient.reuse(shape: input.shape) }
        input.withUnsafeBufferPointer { xBuffer in
            outputGradient.withUnsafeBufferPointer { dyBuffer in
                weight.value.withUnsafeBufferPointer { gammaBuffer in
                    weight.gradient.withUnsafeMutableBufferPointer { dgammaBuffer in
                        bias.gradient.withUnsafeMutableBufferPointer { dbetaBuffer in
                            inputGradient.withUnsafeMutableBufferPointer { dxBuffer in
                                usedMean.withUnsafeBufferPointer { meanBuffer in
                                    usedInverseStd.withUnsafeBufferPointer { inverseStdBuffer in
        let (x, dy, gamma) = (xBuffer.baseAddress!, dyBuffer.baseAddress!, gammaBuffer.baseAddress!)
        let (dgamma, dbeta, dx) = (dgammaBuffer.baseAddress!, dbetaBuffer.baseAddress!, dxBuffer.baseAddress)
        let (usedMean, usedInverseStd) = (meanBuffer.baseAddress!, inverseStdBuffer.baseAddress!)
        let parts = Threads.ranges(channels)
        Threads.parallelFor(parts.count) { part in
            for c in parts[part] {
                let mean = usedMean[c], inverseStd = usedInverseStd[c]
                // sum(dy) and sum(dy * xhat) over the channel's values, in Float64.
                var sumDy = 0.0, sumDyXhat = 0.0
                for image in 0..<n {
                    let offset = (image * channels + c) * plane
                    for i in 0..<plane {
                        let g = Double(dy[offset + i])
                        sumDy += g
                        sumDyXhat += g * Double((x[offset + i] - mean) * inverseStd)
                    }
                }
                if wantsParameters {
                    dgamma[c] += Float(sumDyXhat)
                    dbeta[c] += Float(sumDy)
                }
                guard wantsInput, let dx else { continue }
                let scale = gamma[c] * inverseStd
                let meanDy = Float(sumDy / count), meanDyXhat = Float(sumDyXhat / count)
                for image in 0..<n {
                    let offset = (image * channels + c) * plane
                    for i in 0..<plane {
                        if training {
                            // dx = gamma / sigma * (dy - mean(dy) - xhat * mean(dy * xhat))
                            let xhat = (x[offset + i] - mean) * inverseStd
                            dx[offset + i] = scale * (dy[offset + i] - meanDy - xhat * meanDyXhat)
                        } else {
                            dx[offset + i] = scale * dy[offset + i]
                        }
                    }
                }
            }
        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
