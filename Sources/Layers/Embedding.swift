import Tensors

/// A table of learned vectors indexed by class: input [N] holding integer values (as Float), output [N, dim].
/// Used to condition GANs on labels. The input has no gradient; backward adds each output row's gradient into
/// the row of the table it came from.
///
/// - Parameters: weight [count, dim], initialised N(0, 1) as in PyTorch.
/// References: PyTorch `nn.Embedding`.
public final class Embedding: Layer {
    public let count: Int
    public let dimension: Int
    public let weight: Parameter
    public private(set) var output = Tensor(shape: [0])
    public private(set) var inputGradient = Tensor(shape: [0])
    public var computesInputGradient = false
    public var computesParameterGradients = true

    public init(count: Int, dimension: Int) {
        self.count = count
        self.dimension = dimension
        weight = Parameter(name: "weight", shape: [count, dimension])
    }

    public var parameters: [Parameter] { [weight] }

    private func index(_ value: Float) -> Int {
        let index = Int(value)
        precondition(Float(index) == value && index >= 0 && index < count, "Embedding: index \(value) outside 0..<\(count)")
        return index
    }

    public func forward(_ input: Tensor, mode: Mode) {
        requireShape(input.rank == 1, "Embedding", "expected [N] indices, got \(input.shape)")
        output.reuse(shape: [input.count, dimension])
        weight.value.withUnsafeBufferPointer { table in
            output.withUnsafeMutableBufferPointer { y in
                for (row, value) in input.storage.enumerated() {
                    (y.baseAddress! + row * dimension).update(from: table.baseAddress! + index(value) * dimension, count: dimension)
                }
            }
        }
    }

    public func backward(input: Tensor, outputGradient: Tensor) {
        if computesParameterGradients { weight.gradient.withUnsafeMutableBufferPointer { table in
            outputGradient.withUnsafeBufferPointer { dy in
                for (row, value) in input.storage.enumerated() {
                    let target = table.baseAddress! + index(value) * dimension, source = dy.baseAddress! + row * dimension
                    for j in 0..<dimension { target[j] += source[j] }
                }
            }
        } }
        inputGradient.reuse(shape: input.shape)
        inputGradient.fill(0)
    }
}
