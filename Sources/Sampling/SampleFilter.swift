import Foundation
import ResultStore

/// A rule that rejects generated samples, applied per class to the survivors of the rules before it.
///
/// | text | keeps |
/// | --- | --- |
/// | `discriminator=F` | the top fraction F of each class by discriminator score |
/// | `confidence=T` | samples the real-data classifier puts in their class with probability >= T |
/// | `realism=T` | realism score >= T in the feature space of the metrics' extractor (1 = inside the real manifold) |
/// | `memorisation=D` | samples whose nearest real training image is at RMS pixel distance >= D (copies are rejected) |
/// | `memorisation-features=D` | the same in feature space (Euclidean distance) |
/// | `dedupe=D` | samples at RMS pixel distance >= D from every earlier kept sample of their class |
public enum SampleFilter: Equatable, Sendable, CustomStringConvertible {
    case discriminator(keepFraction: Double)
    case confidence(threshold: Double)
    case realism(threshold: Double)
    case memorisation(distance: Double)
    case featureMemorisation(distance: Double)
    case duplicates(distance: Double)

    public static let syntax = "discriminator=F, confidence=T, realism=T, memorisation=D, memorisation-features=D, dedupe=D"

    public init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let value = Double(parts[1]), value.isFinite, value >= 0 else {
            throw SamplingError("filter '\(text)' is not NAME=NUMBER (\(Self.syntax))")
        }
        switch parts[0] {
        case "discriminator":
            guard value > 0 && value <= 1 else { throw SamplingError("discriminator=F keeps a fraction in (0, 1], got \(value)") }
            self = .discriminator(keepFraction: value)
        case "confidence":
            guard value <= 1 else { throw SamplingError("confidence=T is a probability, got \(value)") }
            self = .confidence(threshold: value)
        case "realism": self = .realism(threshold: value)
        case "memorisation": self = .memorisation(distance: value)
        case "memorisation-features": self = .featureMemorisation(distance: value)
        case "dedupe": self = .duplicates(distance: value)
        default: throw SamplingError("unknown filter '\(parts[0])' (\(Self.syntax))")
        }
    }

    public var description: String {
        switch self {
        case .discriminator(let f): return "discriminator=\(f)"
        case .confidence(let t): return "confidence=\(t)"
        case .realism(let t): return "realism=\(t)"
        case .memorisation(let d): return "memorisation=\(d)"
        case .featureMemorisation(let d): return "memorisation-features=\(d)"
        case .duplicates(let d): return "dedupe=\(d)"
        }
    }

    /// Whether the filter needs the feature extractor.
    var needsFeatures: Bool {
        switch self {
        case .realism, .featureMemorisation: return true
        default: return false
        }
    }
}

/// Settings files hold a filter as its command-line text ("confidence=0.9").
extension SampleFilter: TextSetting {}

/// Sampling that cannot proceed as asked; the message says why.
public struct SamplingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
