import Tensors

/// Layers applied one after the other; backward runs them in reverse, feeding each layer's input gradient to
/// the layer before. The first layer does not compute an input gradient unless `computesInputGradient` is set
/// (a GAN's discriminator needs it to pass gradients to the generator).
public final class Sequential: Layer {
    public let layers: [Layer]
    private var inputGradientRequested = false

    public init(_ layers: [Layer]) {
        precondition(!layers.isEmpty, "Sequential needs at least one layer")
        self.layers = layers
        layers[0].computesInputGradient = false
    }

    public var computesInputGradient: Bool {
        get { inputGradientRequested }
        set {
            inputGradientRequested = newValue
            layers[0].computesInputGradient = newValue
        }
    }

    private var parameterGradientsRequested = true

    /// Applies to every layer.
    public var computesParameterGradients: Bool {
        get { parameterGradientsRequested }
        set {
            parameterGradientsRequested = newValue
            for index in layers.indices { layers[index].computesParameterGradients = newValue }
        }
    }

    public var output: Tensor { layers[layers.count - 1].output }
    public var inputGradient: Tensor { layers[0].inputGradient }
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public var buffers: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { index, layer in layer.buffers.map { ("\(index).\($0.name)", $0.tensor) } }
    }

    /// Parameters with their paths, PyTorch `state_dict` style: "0.weight", "3.bias", ...
    public var namedParameters: [NamedParameter] {
        layers.enumerated().flatMap { index, layer in
            layer.namedParameters.map { NamedParameter(path: "\(index).\($0.path)", parameter: $0.parameter) }
        }
    }

    public var children: [Layer] { layers }

    public func loadBuffer(_ name: String, _ value: Tensor) throws {
        try loadChildBuffer(name, value, children: layers.enumerated().map { ("\($0.offset)", $0.element) })
    }

    public func forward(_ input: Tensor, mode: Mode) {
        layers[0].forward(input, mode: mode)
        for index in 1..<layers.count { layers[index].forward(layers[index - 1].output, mode: mode) }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        let last = layers.count - 1
        if last == 0 {
            layers[0].backward(input: input, outputGradient: outputGradient)
            return
        }
        layers[last].backward(input: layers[last - 1].output, outputGradient: outputGradient)
        for index in stride(from: last - 1, through: 1, by: -1) {
            layers[index].backward(input: layers[index - 1].output, outputGradient: layers[index + 1].inputGradient)
        }
        layers[0].backward(input: input, outputGradient: layers[1].inputGradient)
    }

    /// Clears every parameter gradient (before accumulating a new step's).
    public func zeroGradients() { parameters.forEach { $0.zeroGradient() } }
}
