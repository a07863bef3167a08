import Layers
import Tensors

/// Deterministic weights and inputs shared with the PyTorch fixture script (`hashed` and `fill` in
/// Tests/LayersTests/Fixtures/make_torch_fixtures.py): exact integer arithmetic, then one Float64 -> Float32
/// rounding, so both sides start from bit-identical values.
public enum HashedFill {
    /// scale * (2u - 1), u = ((i * 2654435761 + 40503 * salt) mod 2^32) / 2^32.
    public static func values(_ count: Int, salt: UInt64, scale: Double) -> [Float] {
        (0..<count).map { i in
            let hashed = (UInt64(i) &* 2_654_435_761 &+ 40503 &* salt) % (1 << 32)
            let u = Double(hashed) / 4_294_967_296
            return Float(scale * (2 * u - 1))
        }
    }

    public static func tensor(_ shape: [Int], salt: UInt64, scale: Double) -> Tensor {
        try! Tensor(shape: shape, storage: values(shape.reduce(1, *), salt: salt, scale: scale))
    }

    /// Fills every parameter of `network` in order with the script's rules (parameter k uses salt salt0 + k).
    public static func fill(_ network: Sequential, salt0: UInt64) {
        var k: UInt64 = 0
        for layer in network.layers {
            for parameter in layer.parameters {
                var offset: Float = 0
                let scale: Double
                if layer is BatchNorm {
                    scale = 0.5
                    offset = parameter.name == "weight" ? 1 : 0
                } else if parameter.name == "bias" {
                    scale = 0.1
                } else if layer is ConvTranspose2D {
                    scale = 1 / Double(parameter.shape.dropFirst().reduce(1, *)).squareRoot()
                } else {
                    scale = 1 / Double(parameter.count / parameter.shape[0]).squareRoot()
                }
                parameter.value = try! Tensor(shape: parameter.shape,
                                              storage: values(parameter.count, salt: salt0 + k, scale: scale).map { $0 + offset })
                k += 1
            }
        }
    }
}
