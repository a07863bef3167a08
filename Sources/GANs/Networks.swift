import Layers
import Tensors

/// How the discriminator learns about labels.
public enum DiscriminatorConditioning: String, Sendable, CaseIterable {
    /// Unconditional.
    case none
    /// A learned label map (an embedding of H*W values) as an extra input channel (Mirza & Osindero 2014 style).
    case labelChannel = "label-channel"
    /// A projection discriminator: score + <embed(y), features> (Miyato & Koyama 2018).
    case projection
    /// An auxiliary classifier head: the discriminator also predicts the class (ACGAN, Odena et al. 2017).
    case auxiliary
}

/// Normalisation inside the discriminator.
public enum DiscriminatorNormalization: String, Sendable, CaseIterable {
    case batch, none, spectral
}

/// The networks' shapes for images [C, H, W] (H, W divisible by 4; DCGAN's 28 x 28 by default).
public struct Architecture: Sendable, Equatable {
    public var imageShape = [1, 28, 28]
    public var classCount = 10
    public var latentDimension = 100
    /// Size of the generator's label embedding, concatenated to z when the generator is conditional.
    public var labelEmbeddingDimension = 50
    public var conditionalGenerator = false
    public var conditioning = DiscriminatorConditioning.none
    public var normalization = DiscriminatorNormalization.batch
    /// Residual upsampling blocks in the generator instead of transposed convolutions.
    public var residual = false
    /// A self-attention block at H/2 x W/2 in the generator and in the discriminator.
    public var attention = false

    public init() {}
}

/// Generator: z [N, latent, 1, 1] (and labels) -> images [N, C, H, W] in [-1, 1].
///
/// DCGAN body (the anchor's shapes for 28 x 28): ConvT(in, 128, H/4) BN ReLU -> ConvT(128, 64, 4, 2, 1) BN ReLU
/// [-> SelfAttention(64)] -> ConvT(64, C, 4, 2, 1) Tanh. Residual body: ConvT(in, 128, H/4) -> ResBlockUp(128, 64)
/// [-> SelfAttention(64)] -> ResBlockUp(64, 32) -> BN ReLU Conv3x3(32, C) Tanh. A conditional generator
/// concatenates a label embedding to z (in = latent + embedding size).
public final class Generator: NetworkModule {
    public let architecture: Architecture
    public let embedding: Embedding?
    public let body: Sequential
    private var concatenation = ChannelConcatenation()
    private var labelColumns = Tensor(shape: [0])

    public init(_ architecture: Architecture) {
        self.architecture = architecture
        let a = architecture
        let (channels, start) = (a.imageShape[0], a.imageShape[1] / 4)
        embedding = a.conditionalGenerator ? Embedding(count: a.classCount, dimension: a.labelEmbeddingDimension) : nil
        let input = a.latentDimension + (a.conditionalGenerator ? a.labelEmbeddingDimension : 0)
        var layers: [Layer] = [ConvTranspose2D(inputChannels: input, outputChannels: 128, kernelSize: start, bias: false)]
        if a.residual {
            layers += [Residual.upsampling(inputChannels: 128, outputChannels: 64)]
            if a.attention { layers.append(SelfAttention(channels: 64)) }
            layers += [Residual.upsampling(inputChannels: 64, outputChannels: 32), BatchNorm(channels: 32), ReLU(),
                       Conv2D(inputChannels: 32, outputChannels: channels, kernelSize: 3, padding: 1), Tanh()]
        } else {
            layers += [BatchNorm(channels: 128), ReLU(),
                       ConvTranspose2D(inputChannels: 128, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, bias: false),
                       BatchNorm(channels: 64), ReLU()]
            if a.attention { layers.append(SelfAttention(channels: 64)) }
            layers += [ConvTranspose2D(inputChannels: 64, outputChannels: channels, kernelSize: 4, stride: 2, padding: 1, bias: false),
                       Tanh()]
        }
        body = Sequential(layers)
        body.computesInputGradient = embedding != nil
    }

    public var modules: [(prefix: String, layer: Layer)] { (embedding.map { [("embedding", $0 as Layer)] } ?? []) + [("body", body)] }
    public var output: Tensor { body.output }

    public func forward(noise: Tensor, labels: Tensor?, mode: Mode) {
        guard let embedding else { return body.forward(noise, mode: mode) }
        guard let labels else { preconditionFailure("a conditional generator needs labels") }
        embedding.forward(labels, mode: mode)
        copy(embedding.output, into: &labelColumns, shape: [architecture.labelEmbeddingDimension, 1, 1])
        concatenation.forward(noise, labelColumns)
        body.forward(concatenation.output, mode: mode)
    }

    /// Adds parameter gradients for `outputGradient` (d loss / d images) after `forward` with the same inputs.
    public func backward(noise: Tensor, labels: Tensor?, outputGradient: Tensor) {
        guard let embedding, let labels else { return body.backward(input: noise, outputGradient: outputGradient) }
        body.backward(input: concatenation.output, outputGradient: outputGradient)
        concatenation.backward(body.inputGradient, firstShape: noise.shape, secondShape: labelColumns.shape)
        embedding.backward(input: labels, outputGradient: concatenation.secondGradient)
    }
}

/// Discriminator (or critic): images [N, C, H, W] (and labels) -> scores [N, 1], or [N, 1 + classes] with an
/// auxiliary classifier (column 0 is the real/fake score).
///
/// Body: Conv(in, 64, 4, 2, 1) LeakyReLU(0.2) [-> SelfAttention(64)] -> Conv(64, 128, 4, 2, 1) [BN] LeakyReLU(0.2)
/// -> Flatten (128 * H/4 * W/4 features); head: Linear(features, outputs), which is the anchor's final
/// Conv(128, 1, H/4) on the flattened map. Convolutions and the head are wrapped in spectral normalisation for
/// `.spectral`; with batch normalisation they have no bias, as in DCGAN.
public final class Discriminator: NetworkModule {
    public let architecture: Architecture
    public let labelMap: Embedding?
    public let body: Sequential
    public let head: Layer
    public let projection: Embedding?
    public let featureCount: Int
    public let outputCount: Int

    /// Scores with the projection term added (only with a projection discriminator).
    private var projected = Tensor(shape: [0])
    private var concatenation = ChannelConcatenation()
    private var labelPlanes = Tensor(shape: [0])
    private var featureGradient = Tensor(shape: [0])
    private var projectionGradient = Tensor(shape: [0])
    private var wantsInputGradient = false

    /// `generator` draws the spectral normalisation's initial vectors.
    public init(_ architecture: Architecture, generator: inout RandomGenerator) {
        self.architecture = architecture
        let a = architecture
        let (channels, height, width) = (a.imageShape[0], a.imageShape[1], a.imageShape[2])
        let spectral = a.normalization == .spectral, bias = a.normalization != .batch
        func normalized(_ layer: Layer) -> Layer { spectral ? SpectralNorm(layer, generator: &generator) : layer }
        labelMap = a.conditioning == .labelChannel ? Embedding(count: a.classCount, dimension: height * width) : nil
        let input = channels + (labelMap == nil ? 0 : 1)
        var layers: [Layer] = [normalized(Conv2D(inputChannels: input, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, bias: bias)),
                               LeakyReLU(slope: 0.2)]
        if a.attention { layers.append(SelfAttention(channels: 64)) }
        layers.append(normalized(Conv2D(inputChannels: 64, outputChannels: 128, kernelSize: 4, stride: 2, padding: 1, bias: bias)))
        if a.normalization == .batch { layers.append(BatchNorm(channels: 128)) }
        layers += [LeakyReLU(slope: 0.2), Flatten()]
        body = Sequential(layers)
        featureCount = 128 * (height / 4) * (width / 4)
        outputCount = 1 + (a.conditioning == .auxiliary ? a.classCount : 0)
        head = normalized(Linear(inputFeatures: featureCount, outputFeatures: outputCount, bias: bias))
        projection = a.conditioning == .projection ? Embedding(count: a.classCount, dimension: featureCount) : nil
    }

    public var modules: [(prefix: String, layer: Layer)] {
        (labelMap.map { [("label_map", $0 as Layer)] } ?? []) + [("body", body), ("head", head)]
            + (projection.map { [("projection", $0 as Layer)] } ?? [])
    }

    /// Whether `backward` computes `inputGradient` (the generator phase needs it; the discriminator phase not).
    public var computesInputGradient: Bool {
        get { wantsInputGradient }
        set { wantsInputGradient = newValue }
    }

    public var computesParameterGradients: Bool {
        get { body.computesParameterGradients }
        set { for (_, layer) in modules { layer.computesParameterGradients = newValue } }
    }

    /// d loss / d images after `backward` when `computesInputGradient`.
    public var inputGradient: Tensor { labelMap == nil ? body.inputGradient : concatenation.firstGradient }

    /// Scores [N, outputs] of the last forward pass.
    public var output: Tensor { projection == nil ? head.output : projected }

    /// Whether the discriminator reads labels.
    public var isConditional: Bool { labelMap != nil || projection != nil }

    public func forward(_ images: Tensor, labels: Tensor?, mode: Mode) {
        if let labelMap {
            guard let labels else { preconditionFailure("this discriminator needs labels") }
            labelMap.forward(labels, mode: mode)
            copy(labelMap.output, into: &labelPlanes, shape: [1, images.shape[2], images.shape[3]])
            concatenation.forward(images, labelPlanes)
            body.forward(concatenation.output, mode: mode)
        } else {
            body.forward(images, mode: mode)
        }
        head.forward(body.output, mode: mode)
        guard let projection, let labels else { return }
        projection.forward(labels, mode: mode)
        let (n, f) = (images.shape[0], featureCount)
        copy(head.output, into: &projected, shape: [outputCount])
        body.output.withUnsafeBufferPointer { phi in
            projection.output.withUnsafeBufferPointer { e in
                projected.withUnsafeMutableBufferPointer { y in
                    for row in 0..<n {
                        var dot: Float = 0
                        for j in 0..<f { dot += phi[row * f + j] * e[row * f + j] }
                        y[row * outputCount] += dot
                    }
                }
            }
        }
    }

    /// Backward for `outputGradient` [N, outputs] after `forward` with the same inputs.
    public func backward(_ images: Tensor, labels: Tensor?, outputGradient: Tensor) {
        let bodyInput = labelMap == nil ? images : concatenation.output
        body.computesInputGradient = wantsInputGradient || (labelMap != nil && computesParameterGradients)
        head.backward(input: body.output, outputGradient: outputGradient)
        var gradient = head.inputGradient
        if let projection, let labels {
            let (n, f) = (images.shape[0], featureCount)
            featureGradient.reuse(shape: gradient.shape)
            projectionGradient.reuse(shape: [n, f])
            gradient.withUnsafeBufferPointer { g in
                outputGradient.withUnsafeBufferPointer { dy in
                    body.output.withUnsafeBufferPointer { phi in
                        projection.output.withUnsafeBufferPointer { e in
                            featureGradient.withUnsafeMutableBufferPointer { dphi in
                                projectionGradient.withUnsafeMutableBufferPointer { de in
                                    for row in 0..<n {
                                        let score = dy[row * outputCount]
                                        for j in 0..<f {
                                            dphi[row * f + j] = g[row * f + j] + score * e[row * f + j]
                                            de[row * f + j] = score * phi[row * f + j]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            projection.backward(input: labels, outputGradient: projectionGradient)
            gradient = featureGradient
        }
        body.backward(input: bodyInput, outputGradient: gradient)
        if let labelMap, let labels, body.computesInputGradient {
            concatenation.backward(body.inputGradient, firstShape: images.shape, secondShape: labelPlanes.shape)
            labelMap.backward(input: labels, outputGradient: concatenation.secondGradient)
        }
    }
}

/// DCGAN initialisation (Radford et al. 2016) of every layer of a network: convolution, transposed convolution,
/// linear and attention weights ~ N(0, 0.02), biases 0, BatchNorm gamma ~ N(1, 0.02), attention gamma 0,
/// label embeddings ~ N(0, 1) (PyTorch's default for `nn.Embedding`).
public enum GANInitialization {
    public static func apply(to network: NetworkModule, generator: inout RandomGenerator) {
        for layer in network.allLayers {
            switch layer {
            case let norm as SpectralNorm: generator.fillNormal(&norm.weightOriginal.value, std: 0.02)
            case let conv as Conv2D: Initializer.dcgan(weight: conv.weight, bias: conv.bias, generator: &generator)
            case let conv as ConvTranspose2D: Initializer.dcgan(weight: conv.weight, bias: conv.bias, generator: &generator)
            case let linear as Linear: Initializer.dcgan(weight: linear.weight, bias: linear.bias, generator: &generator)
            case let norm as BatchNorm:
                generator.fillNormal(&norm.weight.value, mean: 1, std: 0.02)
                norm.bias.value.fill(0)
            case let attention as SelfAttention:
                for weight in [attention.queryWeight, attention.keyWeight, attention.valueWeight] {
                    generator.fillNormal(&weight.value, std: 0.02)
                }
                for bias in [attention.queryBias, attention.keyBias, attention.valueBias, attention.gamma] { bias.value.fill(0) }
            case let embedding as Embedding: generator.fillNormal(&embedding.weight.value)
            default: break
            }
        }
    }
}
