import Foundation
import Tensors

/// Buffers one thread reuses across the samples it augments.
struct SampleScratch {
    var xs: [Float], ys: [Float], image: [Float]

    init(channels: Int, height: Int, width: Int) {
        xs = [Float](repeating: 0, count: height * width)
        ys = xs
        image = [Float](repeating: 0, count: channels * height * width)
    }
}

/// Everything drawn for one sample: its affine matrix, displacement field and pixel operations, in order.
struct SamplePlan: Sendable {
    /// Output (normalised) -> input (normalised) coordinates, row-major 2 x 3; identity when nothing geometric ran.
    var theta: [Float] = [1, 0, 0, 0, 1, 0]
    var geometric = false
    /// Elastic displacement in pixels (x then y planes), or empty.
    var displacement: [Float] = []
    var pixelSteps: [PixelStep] = []

    enum PixelStep: Sendable {
        case noise(std: Float, seed: UInt64)
        case erase(top: Int, left: Int, height: Int, width: Int, value: Float)
        case brightness(factor: Float)
        case contrast(factor: Float)
    }

    /// Draws the plan; every random number for the sample is taken here, in operation order.
    static func draw(_ operations: [Operation], height: Int, width: Int, generator: inout RandomGenerator) -> SamplePlan {
        var plan = SamplePlan()
        // The linear part accumulates as A = A * M for each step, in pipeline order; the translation is separate
        // (in normalised units, 2 / size per pixel).
        var a: (Float, Float, Float, Float) = (1, 0, 0, 1)
        var translation: (Float, Float) = (0, 0)
        func compose(_ m: (Float, Float, Float, Float)) {
            a = (a.0 * m.0 + a.1 * m.2, a.0 * m.1 + a.1 * m.3, a.2 * m.0 + a.3 * m.2, a.2 * m.1 + a.3 * m.3)
            plan.geometric = true
        }
        func applies(_ probability: Float) -> Bool { probability >= 1 || generator.uniformFloat() < probability }
        func symmetric(_ bound: Float) -> Float { (generator.uniformFloat() * 2 - 1) * bound }
        func rotation(_ degrees: Float) -> (Float, Float, Float, Float) {
            let angle = degrees * .pi / 180
            return (cos(angle), -sin(angle), sin(angle), cos(angle))
        }

        var steps: [Operation] = []
        for operation in operations {
            if case let .randAugment(count, magnitude) = operation {
                // Strength m/10 of each operation's range: 30 degrees, 30% of the side, 0.9 brightness/contrast.
                let m = magnitude / 10
                let choices: [Operation] = [
                    .rotate(degrees: 30 * m, probability: 1), .shift(pixels: 0.3 * m * Float(min(height, width)), probability: 1),
                    .shear(degrees: 17 * m, probability: 1), .brightness(amount: 0.9 * m, probability: 1),
                    .contrast(amount: 0.9 * m, probability: 1), .noise(std: 0, probability: 0),
                ]
                for _ in 0..<count { steps.append(choices[generator.integer(below: choices.count)]) }
            } else {
                steps.append(operation)
            }
        }

        for step in steps {
            switch step {
            case let .rotate(degrees, p):
                if applies(p) { compose(rotation(symmetric(degrees))) }
            case let .shift(pixels, p):
                if applies(p) {
                    translation.0 += symmetric(pixels) * 2 / Float(width)
                    translation.1 += symmetric(pixels) * 2 / Float(height)
                    plan.geometric = true
                }
            case let .scale(amount, p):
                // Output samples the input at x / s: content grows when s > 1.
                if applies(p) { let s = 1 + symmetric(amount); compose((1 / s, 0, 0, 1 / s)) }
            case let .shear(degrees, p):
                if applies(p) { compose((1, tan(symmetric(degrees) * .pi / 180), 0, 1)) }
            case let .horizontalFlip(p):
                if applies(p) { compose((-1, 0, 0, 1)) }
            case let .verticalFlip(p):
                if applies(p) { compose((1, 0, 0, -1)) }
            case let .elastic(alpha, sigma, p):
                if applies(p) {
                    plan.displacement = elasticField(height: height, width: width, alpha: alpha, sigma: sigma, generator: &generator)
                    plan.geometric = true
                }
            case let .noise(std, p):
                if std > 0, applies(p) { plan.pixelSteps.append(.noise(std: std, seed: generator.next())) }
            case let .erase(value, p):
                if applies(p), let box = eraseBox(height: height, width: width, generator: &generator) {
                    plan.pixelSteps.append(.erase(top: box.top, left: box.left, height: box.height, width: box.width, value: value))
                }
            case let .brightness(amount, p):
                if applies(p) { plan.pixelSteps.append(.brightness(factor: 1 + symmetric(amount))) }
            case let .contrast(amount, p):
                if applies(p) { plan.pixelSteps.append(.contrast(factor: 1 + symmetric(amount))) }
            case .randAugment:
                break
            }
        }
        plan.theta = [a.0, a.1, translation.0, a.2, a.3, translation.1]
        return plan
    }

    /// torchvision's RandomErasing box: up to 10 tries for an area of 2-33% with aspect ratio in [0.3, 3.3]
    /// (log-uniform); nil when none fits.
    static func eraseBox(height: Int, width: Int, generator: inout RandomGenerator) -> (top: Int, left: Int, height: Int, width: Int)? {
        let area = Float(height * width)
        for _ in 0..<10 {
            let target = area * (0.02 + generator.uniformFloat() * (0.33 - 0.02))
            let logRatio = log(Float(0.3)) + generator.uniformFloat() * (log(Float(3.3)) - log(Float(0.3)))
            let ratio = exp(logRatio)
            let h = Int((target * ratio).squareRoot().rounded()), w = Int((target / ratio).squareRoot().rounded())
            guard h > 0, w > 0, h < height, w < width else { continue }
            return (generator.integer(below: height - h + 1), generator.integer(below: width - w + 1), h, w)
        }
        return nil
    }

    /// A smoothed random displacement field, x plane then y plane, in pixels.
    static func elasticField(height: Int, width: Int, alpha: Float, sigma: Float, generator: inout RandomGenerator) -> [Float] {
        let plane = height * width
        var field = (0..<(2 * plane)).map { _ in generator.uniformFloat() * 2 - 1 }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        let kernel = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        let weights = kernel.map { $0 / total }
        var temporary = [Float](repeating: 0, count: plane)
        for component in 0..<2 {
            let base = component * plane
            // Separable Gaussian with edge clamping: rows, then columns.
            for r in 0..<height {
                for q in 0..<width {
                    var sum: Float = 0
                    for (k, weight) in weights.enumerated() { sum += weight * field[base + r * width + min(width - 1, max(0, q + k - radius))] }
                    temporary[r * width + q] = sum
                }
            }
            for r in 0..<height {
                for q in 0..<width {
                    var sum: Float = 0
                    for (k, weight) in weights.enumerated() { sum += weight * temporary[min(height - 1, max(0, r + k - radius)) * width + q] }
                    field[base + r * width + q] = sum * alpha
                }
            }
        }
        return field
    }

    /// Applies the plan to one image (C x H x W) in place.
    func apply(to image: UnsafeMutablePointer<Float>, channels: Int, height: Int, width: Int, fill: Float, border: BorderMode,
               scratch: inout SampleScratch) {
        let plane = height * width
        // Identity parameters (rotate by 0, shift by 0, ...) must return the input exactly, not resampled.
        if geometric && !(theta == [1, 0, 0, 0, 1, 0] && displacement.isEmpty) {
            scratch.xs.withUnsafeMutableBufferPointer { xs in
                scratch.ys.withUnsafeMutableBufferPointer { ys in
                    GridSampler.affineGrid(theta, height: height, width: width, xs: xs.baseAddress!, ys: ys.baseAddress!)
                    if !displacement.isEmpty {
                        for i in 0..<plane {
                            xs[i] += displacement[i]
                            ys[i] += displacement[plane + i]
                        }
                    }
                    scratch.image.withUnsafeMutableBufferPointer { copy in
                        copy.baseAddress!.update(from: image, count: channels * plane)
                        GridSampler.sample(copy.baseAddress!, into: image, channels: channels, height: height, width: width,
                                           xs: xs.baseAddress!, ys: ys.baseAddress!, mode: border, fill: fill)
                    }
                }
            }
        }
        let count = channels * plane
        for step in pixelSteps {
            switch step {
            case let .noise(std, seed):
                // Each sample's noise comes from its own stream, drawn in `draw`: order-independent across threads.
                var noise = RandomGenerator(seed: seed)
                for i in 0..<count { image[i] = min(1, max(-1, image[i] + std * noise.normal())) }
            case let .erase(top, left, boxHeight, boxWidth, value):
                for c in 0..<channels {
                    for r in top..<(top + boxHeight) {
                        (image + c * plane + r * width + left).update(repeating: value, count: boxWidth)
                    }
                }
            case let .brightness(factor):
                for i in 0..<count { image[i] = min(1, max(-1, (image[i] + 1) * factor - 1)) }
            case let .contrast(factor):
                var mean: Float = 0
                for i in 0..<count { mean += image[i] }
                mean /= Float(count)
                for i in 0..<count { image[i] = min(1, max(-1, factor * image[i] + (1 - factor) * mean)) }
            }
        }
    }
}
