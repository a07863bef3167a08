/// One augmentation step with its strength and the probability that it is applied to a given sample.
///
/// Geometric steps (rotate, shift, scale, shear, flips, elastic) are composed into one sampling grid per sample,
/// so an image is interpolated once however many of them run. Pixel steps follow, in pipeline order.
public enum Operation: Sendable, Equatable {
    /// Rotation by an angle drawn uniformly from [-degrees, degrees].
    case rotate(degrees: Float, probability: Float)
    /// Translation by amounts drawn uniformly from [-pixels, pixels] along each axis.
    case shift(pixels: Float, probability: Float)
    /// Zoom by a factor drawn uniformly from [1 - amount, 1 + amount] (> 1 enlarges the content).
    case scale(amount: Float, probability: Float)
    /// Horizontal shear by an angle drawn uniformly from [-degrees, degrees].
    case shear(degrees: Float, probability: Float)
    /// Mirror left-right.
    case horizontalFlip(probability: Float)
    /// Mirror top-bottom.
    case verticalFlip(probability: Float)
    /// Elastic distortion (Simard et al. 2003): a random displacement field, uniform in [-1, 1] per pixel,
    /// smoothed by a Gaussian of width `sigma` pixels and scaled by `alpha` pixels.
    case elastic(alpha: Float, sigma: Float, probability: Float)
    /// Additive Gaussian noise of standard deviation `std` (in the [-1, 1] pixel scale), then clamping to [-1, 1].
    case noise(std: Float, probability: Float)
    /// Random erasing (Zhong et al. 2020, torchvision's `RandomErasing`): a rectangle of 2-33% of the image with
    /// aspect ratio in [0.3, 3.3] set to `value`.
    case erase(value: Float, probability: Float)
    /// Brightness factor f drawn from [1 - amount, 1 + amount] applied on the [0, 1] scale: x' = (x + 1) f - 1.
    case brightness(amount: Float, probability: Float)
    /// Contrast factor f drawn from [1 - amount, 1 + amount]: x' = f x + (1 - f) mean(x), per image.
    case contrast(amount: Float, probability: Float)
    /// RandAugment (Cubuk et al. 2020): per sample, `count` operations drawn uniformly from rotate, shift, shear,
    /// brightness, contrast and identity, each at strength `magnitude` out of 10.
    case randAugment(count: Int, magnitude: Float)

    /// The word used on the command line and in YAML.
    public var name: String {
        switch self {
        case .rotate: return "rotate"
        case .shift: return "shift"
        case .scale: return "scale"
        case .shear: return "shear"
        case .horizontalFlip: return "hflip"
        case .verticalFlip: return "vflip"
        case .elastic: return "elastic"
        case .noise: return "noise"
        case .erase: return "erase"
        case .brightness: return "brightness"
        case .contrast: return "contrast"
        case .randAugment: return "randaugment"
        }
    }

    var isGeometric: Bool {
        switch self {
        case .rotate, .shift, .scale, .shear, .horizontalFlip, .verticalFlip, .elastic, .randAugment: return true
        case .noise, .erase, .brightness, .contrast: return false
        }
    }
}
