import Tensors

/// A residual block: y = body(x) + shortcut(x), with the identity when there is no shortcut (then the body
/// must keep the shape). Backward sends the output gradient down both branches and adds their input gradients.
///
/// `Residual.upsampling` builds the generator block of the SNGAN/BigGAN family used by AugBench's residual
/// generators. References: He et al. 2016; Miyato et al. 2018 (appendix, ResBlock up).
public final class Residual: Layer {
    public let body: Sequential
    public let shortcut: Sequential?
    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    private var wantsInputGradient = true

    public init(body: Sequential, shortcut: Sequential? = nil) {
        self.body = body
        self.shortcut = shortcut
        body.computesInputGradient = true
        shortcut?.computesInputGradient = true
    }

    /// BN ReLU Upsample(2) Conv3x3(in, out) BN ReLU Conv3x3(out, out), plus Upsample(2) Conv1x1(in, out).
    public static func upsampling(inputChannels: Int, outputChannels: Int) -> Residual {
        Residual(body: Sequential([
            BatchNorm(channels: inputChannels), ReLU(), Upsample(factor: 2),
            Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3, padding: 1),
            BatchNorm(channels: outputChannels), ReLU(),
            Conv2D(inputChannels: outputChannels, outputChannels: outputChannels, kernelSize: 3, padding: 1),
        ]), shortcut: Sequential([
            Upsample(factor: 2), Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 1),
        ]))
    }

    public var computesInputGradient: Bool {
        get { wantsInputGradient }
        set { wantsInputGradient = newValue }
    }

    public var computesParameterGradients: Bool {
        get { body.computesParameterGradients }
        set {
            body.computesParameterGradients = newValue
            shortcut?.computesParameterGradients = newValue
        }
    }

    public var parameters: [Parameter] { body.parameters + (shortcut?.parameters ?? []) }
    public var children: [Layer] { [body] + (shortcut.map { [$0] } ?? []) }
    private var prefixed: [(prefix: String, layer: Layer)] { [("body", body)] + (shortcut.map { [("shortcut", $0)] } ?? []) }

    public var namedParameters: [NamedParameter] {
        prefixed.flatMap { prefix, layer in
            layer.namedParameters.map { NamedParameter(path: "\(prefix).\($0.path)", parameter: $0.parameter) }
        }
    }

    public var buffers: [(name: String, tensor: Tensor)] {
        prefixed.flatMap { prefix, layer in layer.buffers.map { ("\(prefix).\($0.name)", $0.tensor) } }
    }

    public func loadBuffer(_ name: String, _ value: Tensor) throws { try loadChildBuffer(name, value, children: prefixed) }

    public func forward(_ input: Tensor, mode: Mode) {
        body.forward(input, mode: mode)
        let skip: Tensor
        if let shortcut {
            shortcut.forward(input, mode: mode)
            skip = shortcut.output
        } else {
            skip = input
        }
        requireShape(body.output.shape == skip.shape, "Residual", "body gives \(body.output.shape), shortcut \(skip.shape)")
        output.reuse(shape: skip.shape)
        add(body.output, skip, into: &output)
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        // The body's and shortcut's first layers compute input gradients only when this block must.
        body.computesInputGradient = wantsInputGradient
        shortcut?.computesInputGradient = wantsInputGradient
        body.backward(input: input, outputGradient: outputGradient)
        shortcut?.backward(input: input, outputGradient: outputGradient)
        guard wantsInputGradient else { return }
        inputGradient.reuse(shape: input.shape)
        add(body.inputGradient, shortcut?.inputGradient ?? outputGradient, into: &inputGradient)
    }

    private func add(_ a: Tensor, _ b: Tensor, into result: inout Tensor) {
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                result.withUnsafeMutableBufferPointer { z in
                    for i in 0..<z.count { z[i] = x[i] + y[i] }
                }
            }
        }
    }
}
