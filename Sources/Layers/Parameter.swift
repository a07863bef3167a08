import Tensors

/// A trainable tensor and the gradient that backward passes add into.
///
/// Layers own their parameters; optimizers receive a flat list of them (`Layer.parameters`) and never see layers.
public final class Parameter {
    /// Name within its layer ("weight", "bias"); networks prefix it with the layer's path ("0.weight").
    public let name: String
    public var value: Tensor
    /// Same shape as `value`; backward passes *add* into it, `zeroGradient()` clears it.
    public var gradient: Tensor

    public init(name: String, shape: [Int]) {
        self.name = name
        self.value = Tensor(shape: shape)
        self.gradient = Tensor(shape: shape)
    }

    public var shape: [Int] { value.shape }
    public var count: Int { value.count }

    public func zeroGradient() { gradient.fill(0) }
}

/// A parameter and its path inside a network, for checkpoints and fixtures ("3.weight").
public struct NamedParameter {
    public let path: String
    public let parameter: Parameter

    public init(path: String, parameter: Parameter) {
        self.path = path
        self.parameter = parameter
    }
}
