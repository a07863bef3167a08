import Foundation
import Tensors

/// Batch normalisation over the channel axis of [N, C] (1-D) or [N, C, H, W] (2-D) inputs:
/// y = gamma (x - mean) / sqrt(var + eps) + beta.
///
/// Training uses the batch's mean and biased variance and updates the running statistics as PyTorch does:
/// running = (1 - momentum) running + momentum * batch (the variance term unbiased, n / (n - 1)).
/// Evaluation uses the running statistics. Each image's row of a channel (H * W values) is summed in eight Float
/// lanes and the rows are added in Float64 (two passes: mean, then squared deviations from it); channels are split
/// across threads (each channel's work is independent, so results do not depend on the thread count).
///
/// - Parameters: weight (gamma) [C], bias (beta) [C]; buffers running_mean, running_var [C].
/// References: Ioffe & Szegedy 2015; PyTorch `nn.BatchNorm1d` / `nn.BatchNorm2d` (momentum 0.1, eps 1e-5).
public final class BatchNorm: Layer {
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    public let weight: Parameter
    public let bias: Parameter
    public private(set) var batchesTracked: Int = 0

    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = true
    public var computesParameterGradients = true

    /// Per-channel state in one owned allocation: running mean, running variance, and the mean and
    /// 1 / sqrt(var + eps) the last forward pass used (batch or running), which backward needs.
    private let state: UnsafeMutablePointer<Float>
    private var runningMeanPointer: UnsafeMutablePointer<Float> { state }
    private var runningVariancePointer: UnsafeMutablePointer<Float> { state + channels }
    private var usedMean: UnsafeMutablePointer<Float> { state + 2 * channels }
    private var usedInverseStd: UnsafeMutablePointer<Float> { state + 3 * channels }
    private var lastMode = Mode.training

    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        weight = Parameter(name: "weight", shape: [channels])
        bias = Parameter(name: "bias", shape: [channels])
        weight.value.fill(1)
        state = .allocate(capacity: 4 * channels)
        state.initialize(repeating: 0, count: 4 * channels)
        runningVariancePointer.update(repeating: 1, count: channels)
    }

    deinit { state.deallocate() }

    public var parameters: [Parameter] { [weight, bias] }
    public var runningMean: Tensor { try! Tensor(shape: [channels], storage: Array(UnsafeBufferPointer(start: runningMeanPointer, count: channels))) }
    public var runningVariance: Tensor {
        try! Tensor(shape: [channels], storage: Array(UnsafeBufferPointer(start: runningVariancePointer, count: channels)))
    }
    public var buffers: [(name: String, tensor: Tensor)] { [("running_mean", runningMean), ("running_var", runningVariance)] }

    public func loadBuffer(_ name: String, _ value: Tensor) throws {
        guard value.count == channels else { throw LayerStateError("BatchNorm \(name): \(value.count) values for \(channels) channels") }
        switch name {
        case "running_mean": value.withUnsafeBufferPointer { runningMeanPointer.update(from: $0.baseAddress!, count: channels) }
        case "running_var": value.withUnsafeBufferPointer { runningVariancePointer.update(from: $0.baseAddress!, count: channels) }
        default: throw LayerStateError("BatchNorm has no buffer '\(name)'")
        }
    }

    /// Restores running statistics (from a checkpoint).
    public func setRunningStatistics(mean: Tensor, variance: Tensor, batchesTracked: Int) {
        precondition(mean.count == channels && variance.count == channels, "BatchNorm: statistics of \(channels) channels expected")
        mean.withUnsafeBufferPointer { runningMeanPointer.update(from: $0.baseAddress!, count: channels) }
        variance.withUnsafeBufferPointer { runningVariancePointer.update(from: $0.baseAddress!, count: channels) }
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
        if mode == .training {
            precondition(n * plane > 1, "BatchNorm in training needs more than one value per channel")
            batchesTracked += 1
        }
        let (channels, epsilon, momentum, count) = (channels, epsilon, momentum, n * plane)
        let (runningMean, runningVariance, usedMean, usedInverseStd) = (runningMeanPointer, runningVariancePointer, usedMean, usedInverseStd)
        input.withUnsafeBufferPointer { xBuffer in
            output.withUnsafeMutableBufferPointer { yBuffer in
                let (x, y) = (xBuffer.baseAddress!, yBuffer.baseAddress!)
                let (gamma, beta) = (weight.value.storage, bias.value.storage)
                let parts = Threads.ranges(channels)
                Threads.parallelFor(parts.count) { part in
                    for c in parts[part] {
                        if mode == .training {
                            var sum = 0.0
                            for image in 0..<n { sum += Double(laneSum(x + (image * channels + c) * plane, count: plane)) }
                            let mean = sum / Double(count)
                            var squares = 0.0
                            for image in 0..<n {
                                squares += Double(laneSquaredDeviations(x + (image * channels + c) * plane, count: plane, from: Float(mean)))
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

    public func backward(input: Tensor, outputGradient: Tensor) {
        let (n, plane) = layout(input.shape)
        let (channels, count, training) = (channels, Double(n * plane), lastMode == .training)
        let (wantsInput, wantsParameters) = (computesInputGradient, computesParameterGradients)
        let (usedMean, usedInverseStd) = (usedMean, usedInverseStd)
        if wantsInput { inputGradient.reuse(shape: input.shape) }
        // sum(dy) and sum(dy * xhat) per channel, in Float64: the parameter gradients and the input gradient's terms.
        var sums = [Double](repeating: 0, count: 2 * channels)
        let gamma = weight.value.storage
        input.withUnsafeBufferPointer { xBuffer in
            outputGradient.withUnsafeBufferPointer { dyBuffer in
                inputGradient.withUnsafeMutableBufferPointer { dxBuffer in
                    sums.withUnsafeMutableBufferPointer { sumsBuffer in
                        let (x, dy, dx, sums) = (xBuffer.baseAddress!, dyBuffer.baseAddress!, dxBuffer.baseAddress, sumsBuffer.baseAddress!)
                        let parts = Threads.ranges(channels)
                        Threads.parallelFor(parts.count) { part in
                            for c in parts[part] {
                                let mean = usedMean[c], inverseStd = usedInverseStd[c]
                                var sumDy = 0.0, sumDyXhat = 0.0
                                for image in 0..<n {
                                    let offset = (image * channels + c) * plane
                                    let (rowDy, rowDyXhat) = laneGradientSums(dy + offset, x + offset, count: plane, mean: mean,
                                                                              inverseStd: inverseStd)
                                    sumDy += Double(rowDy)
                                    sumDyXhat += Double(rowDyXhat)
                                }
                                sums[c] = sumDy
                                sums[channels + c] = sumDyXhat
                                guard wantsInput, let dx else { continue }
                                let scale = gamma[c] * inverseStd
                                let meanDy = Float(sumDy / count), meanDyXhat = Float(sumDyXhat / count)
                                for image in 0..<n {
                                    let offset = (image * channels + c) * plane
                                    for i in 0..<plane {
                                        // Training: dx = gamma / sigma * (dy - mean(dy) - xhat * mean(dy * xhat)).
                                        // Evaluation: the statistics are constants, dx = gamma / sigma * dy.
                                        dx[offset + i] = training
                                            ? scale * (dy[offset + i] - meanDy - (x[offset + i] - mean) * inverseStd * meanDyXhat)
                                            : scale * dy[offset + i]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard wantsParameters else { return }
        weight.gradient.withUnsafeMutableBufferPointer { dgamma in
            bias.gradient.withUnsafeMutableBufferPointer { dbeta in
                for c in 0..<channels {
                    dgamma[c] += Float(sums[channels + c])
                    dbeta[c] += Float(sums[c])
                }
            }
        }
    }
}

/// Sum of (x - mean)^2 over `count` floats, in eight lanes (see `laneSum`).
@inline(__always)
func laneSquaredDeviations(_ values: UnsafePointer<Float>, count: Int, from mean: Float) -> Float {
    var partial = SIMD8<Float>()
    let center = SIMD8<Float>(repeating: mean)
    var i = 0
    while i + 8 <= count {
        let d = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self) - center
        partial += d * d
        i += 8
    }
    var total = partial.sum()
    while i < count { let d = values[i] - mean; total += d * d; i += 1 }
    return total
}

/// sum(dy) and sum(dy * xhat) over `count` values, xhat = (x - mean) * inverseStd, in eight lanes (see `laneSum`).
@inline(__always)
func laneGradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, mean: Float,
                      inverseStd: Float) -> (Float, Float) {
    var sumDy = SIMD8<Float>(), sumDyXhat = SIMD8<Float>()
    let (center, scale) = (SIMD8<Float>(repeating: mean), SIMD8<Float>(repeating: inverseStd))
    var i = 0
    while i + 8 <= count {
        let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
        let xhat = (UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - center) * scale
        sumDy += g
        sumDyXhat += g * xhat
        i += 8
    }
    var (totalDy, totalDyXhat) = (sumDy.sum(), sumDyXhat.sum())
    while i < count {
        totalDy += dy[i]
        totalDyXhat += dy[i] * ((x[i] - mean) * inverseStd)
        i += 1
    }
    return (totalDy, totalDyXhat)
}
