import Augmentations
import FuzzSupport
import Tensors

/// An input is an augmentation file (YAML); a pipeline that parses is applied to a small batch, so values that pass
/// the parser but break an operation are found too.
func fuzzAugmentationYAML(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let pipeline = try? AugmentationPipeline(yaml: FuzzInput.text(start, count)) else { return 0 }
    var batch = Tensor(shape: [2, 1, 8, 8], repeating: 0.25)
    var generator = RandomGenerator(seed: 1)
    pipeline.apply(to: &batch, generator: &generator)
    return 0
}

runFuzzer(fuzzAugmentationYAML)
