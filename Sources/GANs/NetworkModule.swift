import Layers
import Tensors

/// A network made of named layers that is not itself a `Layer` (it takes labels as a second input). Gives it
/// the parameter, buffer and visiting behaviour of a layer, with its parts' names as prefixes.
public protocol NetworkModule: NamedState {
    /// The parts, each with the prefix of its parameter and buffer names ("body", "embedding").
    var modules: [(prefix: String, layer: Layer)] { get }
}

extension NetworkModule {
    public var parameters: [Parameter] { modules.flatMap { $0.layer.parameters } }

    public var namedParameters: [NamedParameter] {
        modules.flatMap { prefix, layer in
            layer.namedParameters.map { NamedParameter(path: "\(prefix).\($0.path)", parameter: $0.parameter) }
        }
    }

    public var buffers: [(name: String, tensor: Tensor)] {
        modules.flatMap { prefix, layer in layer.buffers.map { ("\(prefix).\($0.name)", $0.tensor) } }
    }

    public func loadBuffer(_ name: String, _ value: Tensor) throws {
        for (prefix, layer) in modules where name.hasPrefix(prefix + ".") {
            return try layer.loadBuffer(String(name.dropFirst(prefix.count + 1)), value)
        }
        throw LayerStateError("no part of the network holds the buffer '\(name)'")
    }

    /// Every layer, depth first.
    public var allLayers: [Layer] { modules.flatMap { $0.layer.allLayers } }

    public func zeroGradients() { parameters.forEach { $0.zeroGradient() } }

    /// Copies another network's weights and buffers (same architecture): EMA copies, tests.
    public func copyState(from other: NetworkModule) throws {
        let (mine, theirs) = (namedParameters, other.namedParameters)
        guard mine.map(\.path) == theirs.map(\.path) else { throw LayerStateError("networks differ: cannot copy weights") }
        for (target, source) in zip(mine, theirs) { target.parameter.value = source.parameter.value }
        for (name, tensor) in other.buffers { try loadBuffer(name, tensor) }
    }
}

/// Copies the rows of a [N, F] tensor into `target` shaped [N] + `shape` (the same values, another view).
func copy(_ source: Tensor, into target: inout Tensor, shape: [Int]) {
    target.reuse(shape: [source.shape[0]] + shape)
    source.withUnsafeBufferPointer { s in target.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: s.baseAddress!, count: s.count) } }
}
