import Foundation
import Tensors

/// An elementwise function and its derivative. Activations are generic over a conforming struct so that the
/// optimiser specialises each loop for its function and inlines it: no call per element.
protocol ElementwiseFunction {
    func value(_ x: Float) -> Float
    /// d value / dx, given x and y = value(x).
    func derivative(_ x: Float, _ y: Float) -> Float
}

/// Buffers and loops shared by the elementwise activations. Loops run on raw pointers split across threads in
/// disjoint ranges, so results do not depend on the thread count.
struct ElementwiseBuffers {
    var output = Tensor(shape: [0])
    var inputGradient = Tensor(shape: [0])

    mutating func forward<F: ElementwiseFunction>(_ input: Tensor, _ function: F) {
        output.reuse(shape: input.shape)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                let (source, target) = (x.baseAddress!, y.baseAddress!)
                Threads.elementwise(x.count) { range in
                    for i in range { target[i] = function.value(source[i]) }
                }
            }
        }
    }

    mutating func backward<F: ElementwiseFunction>(_ input: Tensor, _ outputGradient: Tensor, _ function: F) {
        inputGradient.reuse(shape: input.shape)
        let output = self.output
        input.withUnsafeBufferPointer { x in
            output.withUnsafeBufferPointer { y in
                outputGradient.withUnsafeBufferPointer { dy in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        let (xs, ys, dys, dxs) = (x.baseAddress!, y.baseAddress!, dy.baseAddress!, dx.baseAddress!)
                        Threads.elementwise(x.count) { range in
                            for i in range { dxs[i] = dys[i] * function.derivative(xs[i], ys[i]) }
                        }
                    }
                }
            }
        }
    }
}

/// An activation layer over an elementwise function.
public final class Activation<Function>: Layer {
    private let function: Function
    private var buffers = ElementwiseBuffers()
    public var output: Tensor { buffers.output }
    public var inputGradient: Tensor { buffers.inputGradient }
    public var computesInputGradient = true

    fileprivate init(_ function: Function) { self.function = function }

    public func forward(_ input: Tensor, mode: Mode) { dispatchForward(input) }
    public func backward(input: Tensor, outputGradient: Tensor) {
        if computesInputGradient { dispatchBackward(input, outputGradient) }
    }

    // Function is one of the file's private structs; each case calls the specialised loop for it.
    private func dispatchForward(_ input: Tensor) {
        switch function {
        case let f as ReLUFunction: buffers.forward(input, f)
        case let f as LeakyReLUFunction: buffers.forward(input, f)
        case let f as TanhFunction: buffers.forward(input, f)
        case let f as SigmoidFunction: buffers.forward(input, f)
        default: preconditionFailure("unknown activation function \(Function.self)")
        }
    }

    private func dispatchBackward(_ input: Tensor, _ outputGradient: Tensor) {
        switch function {
        case let f as ReLUFunction: buffers.backward(input, outputGradient, f)
        case let f as LeakyReLUFunction: buffers.backward(input, outputGradient, f)
        case let f as TanhFunction: buffers.backward(input, outputGradient, f)
        case let f as SigmoidFunction: buffers.backward(input, outputGradient, f)
        default: preconditionFailure("unknown activation function \(Function.self)")
        }
    }
}

/// max(0, x). The gradient at 0 is 0, as in PyTorch.
public typealias ReLU = Activation<ReLUFunction>
/// x for x > 0, slope * x otherwise (DCGAN's discriminator uses slope 0.2).
public typealias LeakyReLU = Activation<LeakyReLUFunction>
/// tanh(x); derivative 1 - y^2.
public typealias Tanh = Activation<TanhFunction>
/// 1 / (1 + e^-x), evaluated without overflow for large |x|; derivative y (1 - y).
public typealias Sigmoid = Activation<SigmoidFunction>

public struct ReLUFunction: ElementwiseFunction {
    @inline(__always) func value(_ x: Float) -> Float { max(x, 0) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : 0 }
}

public struct LeakyReLUFunction: ElementwiseFunction {
    let slope: Float
    @inline(__always) func value(_ x: Float) -> Float { x > 0 ? x : slope * x }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : slope }
}

public struct TanhFunction: ElementwiseFunction {
    @inline(__always) func value(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { 1 - y * y }
}

public struct SigmoidFunction: ElementwiseFunction {
    @inline(__always) func value(_ x: Float) -> Float { x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x)) }
    @inline(__always) func derivative(_ x: Float, _ y: Float) -> Float { y * (1 - y) }
}

extension Activation where Function == ReLUFunction {
    public convenience init() { self.init(ReLUFunction()) }
}

extension Activation where Function == LeakyReLUFunction {
    public convenience init(slope: Float = 0.01) { self.init(LeakyReLUFunction(slope: slope)) }
    public var slope: Float { function.slope }
}

extension Activation where Function == TanhFunction {
    public convenience init() { self.init(TanhFunction()) }
}

extension Activation where Function == SigmoidFunction {
    public convenience init() { self.init(SigmoidFunction()) }
}
