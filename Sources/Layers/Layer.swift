import Tensors

/// Whether a forward pass trains (dropout active, batch statistics) or evaluates.
public enum Mode: Sendable {
    case training, evaluation
}

/// A network layer with an explicit forward and backward pass (llm.c style).
///
/// A layer owns its output and input-gradient buffers and reuses them from step to step, so a training loop
/// allocates only on its first step. Contract:
/// - `forward(input, mode:)` writes `output`.
/// - `backward(input:outputGradient:)` must follow the forward pass over the same `input`; it *adds* parameter
///   gradients into `Parameter.gradient` and writes (overwrites) `inputGradient` when `computesInputGradient`.
public protocol Layer: NamedState {
    /// Result of the last forward pass.
    var output: Tensor { get }
    /// Gradient of the loss with respect to the last input, after `backward`.
    var inputGradient: Tensor { get }
    /// False for a network's first layer, whose input gradient nobody needs (skips work such as col2im).
    var computesInputGradient: Bool { get set }
    /// False when only the input gradient is wanted (a GAN's generator phase passes gradients through the
    /// discriminator without updating it): parameter gradients are then left untouched.
    var computesParameterGradients: Bool { get set }
    /// Trainable parameters, in a fixed order.
    var parameters: [Parameter] { get }
    /// The layers this one is built from, for visitors such as initialisers (empty for plain layers).
    var children: [Layer] { get }

    func forward(_ input: Tensor, mode: Mode)
    func backward(input: Tensor, outputGradient: Tensor)
}

extension Layer {
    public var parameters: [Parameter] { [] }
    /// Layers without parameters have nothing to skip.
    public var computesParameterGradients: Bool {
        get { true }
        set {}
    }
    public var buffers: [(name: String, tensor: Tensor)] { [] }
    public var namedParameters: [NamedParameter] { parameters.map { NamedParameter(path: $0.name, parameter: $0) } }
    public var children: [Layer] { [] }
    public func loadBuffer(_ name: String, _ value: Tensor) throws {
        throw LayerStateError("\(type(of: self)) has no buffer '\(name)'")
    }

    /// This layer and every layer inside it, depth first, parents before children.
    public var allLayers: [Layer] { [self] + children.flatMap { $0.allLayers } }

    /// Convenience for tests and evaluation: forward and return the output.
    @discardableResult
    public func callAsFunction(_ input: Tensor, mode: Mode = .evaluation) -> Tensor {
        forward(input, mode: mode)
        return output
    }
}

/// Saved state (a buffer or parameter) that does not fit the layer it is loaded into.
public struct LayerStateError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Routes a prefixed buffer name ("body.0.running_mean") to the child it belongs to.
func loadChildBuffer(_ name: String, _ value: Tensor, children: [(prefix: String, layer: Layer)]) throws {
    for (prefix, layer) in children where name.hasPrefix(prefix + ".") {
        return try layer.loadBuffer(String(name.dropFirst(prefix.count + 1)), value)
    }
    throw LayerStateError("no layer holds the buffer '\(name)'")
}

/// Shape check with a message that names the layer; a wrong shape here is a programming error, not bad data.
@inline(__always)
func requireShape(_ condition: Bool, _ layer: String, _ message: @autoclosure () -> String) {
    precondition(condition, "\(layer): \(message())")
}
