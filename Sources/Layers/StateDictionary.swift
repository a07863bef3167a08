import ResultStore
import Tensors

/// What a network saves and restores: named parameters and buffers (a layer, a `Sequential`, a GAN's generator).
public protocol NamedState: AnyObject {
    /// Parameters with their paths, PyTorch `state_dict` style ("weight", "body.3.bias").
    var namedParameters: [NamedParameter] { get }
    /// Non-trainable state saved with the weights (BatchNorm running statistics), in a fixed order. Composite
    /// layers prefix their children's names ("1.running_mean", "body.0.running_var").
    var buffers: [(name: String, tensor: Tensor)] { get }
    /// Restores the buffer called `name` (a name from `buffers`), e.g. from a checkpoint.
    func loadBuffer(_ name: String, _ value: Tensor) throws
}

/// The one way AugBench saves and loads network weights (the classifier's, the GANs', the feature extractor's):
/// one HDF5 group holding every parameter and buffer under its PyTorch `state_dict` name ("0.weight",
/// "1.running_mean"), float32 with the parameter's shape, so `torch.from_numpy(group[name][()])` loads it.
public enum StateDictionary {
    public static func write(_ network: NamedState, to group: HDF5Group, compression: HDF5Compression = .none) throws {
        for named in network.namedParameters { try group.write(named.path, named.parameter.value, compression: compression) }
        for (name, tensor) in network.buffers { try group.write(name, tensor, compression: compression) }
    }

    /// Restores every parameter and buffer; a missing name or a different shape throws, naming it.
    /// `buffers` reads the buffers from another group (checkpoints written before buffers joined the weights).
    public static func read(into network: NamedState, from group: HDF5Group, buffers: HDF5Group? = nil) throws {
        for named in network.namedParameters {
            named.parameter.value = try group.readTensor(named.path, shape: named.parameter.shape)
        }
        for (name, tensor) in network.buffers {
            try network.loadBuffer(name, try (buffers ?? group).readTensor(name, shape: tensor.shape))
        }
    }
}
