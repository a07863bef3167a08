import Foundation
import Tensors

/// Weight initialisations, drawn from an explicit generator.
public enum Initializer {
    /// PyTorch's default for `nn.Conv2d` and `nn.Linear`: weight ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (Kaiming
    /// uniform with a = sqrt(5)), and the bias from the same range. fan_in is the product of the weight's
    /// dimensions after the first (for a transposed convolution, PyTorch takes dimension 1 times the kernel).
    public static func pytorchDefault(weight: Parameter, bias: Parameter?, fanIn: Int, generator: inout RandomGenerator) {
        let bound = 1 / Float(fanIn).squareRoot()
        generator.fillUniform(&weight.value, low: -bound, high: bound)
        if let bias { generator.fillUniform(&bias.value, low: -bound, high: bound) }
    }

    /// DCGAN (Radford et al. 2016): weights ~ N(0, 0.02), biases 0.
    public static func dcgan(weight: Parameter, bias: Parameter?, generator: inout RandomGenerator) {
        generator.fillNormal(&weight.value, mean: 0, std: 0.02)
        bias?.value.fill(0)
    }

    /// Initialises every Conv2D and Linear in `network` (recursively) with PyTorch's defaults.
    public static func pytorchDefault(_ network: Sequential, generator: inout RandomGenerator) {
        for layer in network.layers {
            switch layer {
            case let conv as Conv2D:
                pytorchDefault(weight: conv.weight, bias: conv.bias, fanIn: conv.inputChannels * conv.kernelSize * conv.kernelSize,
                               generator: &generator)
            case let transposed as ConvTranspose2D:
                pytorchDefault(weight: transposed.weight, bias: transposed.bias, fanIn: transposed.fanIn, generator: &generator)
            case let linear as Linear:
                pytorchDefault(weight: linear.weight, bias: linear.bias, fanIn: linear.inputFeatures, generator: &generator)
            case let nested as Sequential:
                pytorchDefault(nested, generator: &generator)
            default:
                break
            }
        }
    }
}
