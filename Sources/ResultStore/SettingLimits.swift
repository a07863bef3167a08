/// Upper bounds on the counts a user sets, in one place. Past them no run finishes on any machine, and the
/// arithmetic that plans a run (steps x batch, seeds x units, images x candidates) could overflow or allocate
/// terabytes before the first step; so every settings type refuses them in `validate()`, and `--help` states them.
public enum SettingLimits {
    /// Optimizer steps of a classifier, generator updates of a GAN, and the intervals between evaluations and
    /// checkpoints (about three years of classifier steps on this project's 2-core machine).
    public static let steps = 1_000_000_000
    /// Passes over a training set.
    public static let epochs = 1_000_000
    /// Seeds of one run (each trains a model).
    public static let seeds = 10_000
    /// Images in one mini-batch.
    public static let batchSize = 1 << 20
    /// Discriminator updates per generator update.
    public static let criticSteps = 1000
    /// Images per class a sample set keeps, and candidates drawn per kept image.
    public static let samplesPerClass = 10_000_000
    public static let oversample = 1000
    /// KID subsets (torch-fidelity's default is 100).
    public static let kidSubsets = 100_000
    /// Images a stage holds in memory at once (an offline-expanded training set, a sample set's candidates), in
    /// bytes of float32 pixels: refused past this rather than failing to allocate.
    public static let inMemoryBytes = 8 << 30

    /// The product of `factors`, or nil when it overflows (sizes from options and files can be anything).
    public static func checkedProduct(_ factors: [Int]) -> Int? {
        var product = 1
        for factor in factors {
            let (next, overflow) = product.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// "NAME must be in 1...LIMIT, got VALUE", or nil when `value` is in range.
    public static func violation(_ name: String, _ value: Int, _ range: ClosedRange<Int>) -> String? {
        range.contains(value) ? nil : "\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)"
    }

    /// The first violation among `checks`, for settings types that test several counts at once.
    public static func firstViolation(_ checks: [(String, Int, ClosedRange<Int>)]) -> String? {
        checks.lazy.compactMap { violation($0.0, $0.1, $0.2) }.first
    }
}
