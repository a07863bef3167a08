import Foundation
import ResultStore
import Yams

/// A pipeline description that could not be understood; one line saying what and where.
public struct AugmentationError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "augmentation: \(message)" }
}

/// The command-line and YAML forms of a pipeline.
///
/// Command line: comma-separated steps `name[=value[/value2]][@probability]`, preset names, `fill=V`, `border=MODE`:
/// `rotate=15,shift=3,noise=0.05` (= `traditional`), `hflip@0.5,erase@0.3,contrast=0.2`, `elastic=8/3`,
/// `randaugment=2/9`, `traditional,hflip`.
/// YAML: a list of steps (`- rotate: 15`, `- erase: {value: -1, p: 0.5}`, `- elastic: {alpha: 8, sigma: 3}`),
/// or a mapping with `operations`, `fill`, `border` and/or `preset`.
extension AugmentationPipeline {
    /// Default probability of each step when none is given: flips, erasing and elastic distortion apply to half
    /// the samples (as torchvision's defaults), the rest to every sample.
    static func defaultProbability(_ name: String) -> Float {
        ["hflip", "vflip", "erase", "elastic"].contains(name) ? 0.5 : 1
    }

    /// Parses the command-line form (or a preset name).
    public init(parsing text: String) throws {
        self = .none
        for raw in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !raw.isEmpty {
            if raw == "none" { continue }
            if let preset = Self.presets.first(where: { $0.name == raw }) {
                operations += preset.pipeline.operations
                continue
            }
            var body = Substring(raw)
            var probability: Float?
            if let at = body.firstIndex(of: "@") {
                probability = try Self.number(body[body.index(after: at)...], in: raw)
                body = body[..<at]
            }
            let parts = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let first = parts.first, !first.isEmpty else { throw AugmentationError("a step without a name in '\(raw)'") }
            let name = String(first)
            if name == "border" {
                guard parts.count == 2, let mode = BorderMode(rawValue: String(parts[1])) else {
                    throw AugmentationError("'border' must be one of \(BorderMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                border = mode
                continue
            }
            let values = try parts.count > 1 ? parts[1].split(separator: "/").map { try Self.number($0, in: raw) } : []
            switch name {
            case "fill":
                guard values.count == 1 else { throw AugmentationError("'fill' needs one value, e.g. fill=-1") }
                fill = values[0]
            default:
                operations.append(try Self.operation(name, values: values, probability: probability, source: raw))
            }
        }
    }

    private static func number(_ text: Substring, in step: String) throws -> Float {
        guard let value = Float(text), value.isFinite else { throw AugmentationError("'\(text)' in '\(step)' is not a number") }
        return value
    }

    /// Builds one operation from its name, positional values and probability, checking ranges.
    static func operation(_ name: String, values: [Float], probability given: Float?, source: String) throws -> Operation {
        let p = given ?? defaultProbability(name)
        guard (0...1).contains(p) else { throw AugmentationError("probability \(p) in '\(source)' is outside [0, 1]") }
        func one(_ what: String, default fallback: Float? = nil) throws -> Float {
            guard let value = values.first ?? fallback, values.count <= 1 else {
                throw AugmentationError("'\(name)' needs one value (\(what)), e.g. \(name)=\(fallback ?? 1)")
            }
            guard value >= 0 else { throw AugmentationError("'\(name)' needs a non-negative \(what), got \(value)") }
            return value
        }
        switch name {
        case "rotate": return .rotate(degrees: try one("degrees"), probability: p)
        case "shift": return .shift(pixels: try one("pixels"), probability: p)
        case "scale":
            let amount = try one("amount")
            guard amount < 1 else { throw AugmentationError("'scale' amount must be below 1, got \(amount)") }
            return .scale(amount: amount, probability: p)
        case "shear": return .shear(degrees: try one("degrees"), probability: p)
        case "hflip", "vflip":
            guard values.isEmpty else { throw AugmentationError("'\(name)' takes no value, only a probability: \(name)@0.5") }
            return name == "hflip" ? .horizontalFlip(probability: p) : .verticalFlip(probability: p)
        case "elastic":
            guard values.count <= 2 else { throw AugmentationError("'elastic' takes alpha/sigma, e.g. elastic=8/3") }
            let alpha = values.first ?? 8, sigma = values.count > 1 ? values[1] : 3
            guard alpha >= 0, sigma > 0 else { throw AugmentationError("'elastic' needs alpha >= 0 and sigma > 0") }
            return .elastic(alpha: alpha, sigma: sigma, probability: p)
        case "noise": return .noise(std: try one("standard deviation"), probability: p)
        case "erase":
            guard values.count <= 1 else { throw AugmentationError("'erase' takes one value (the fill), e.g. erase=-1@0.5") }
            return .erase(value: values.first ?? -1, probability: p)
        case "brightness": return .brightness(amount: try one("amount"), probability: p)
        case "contrast": return .contrast(amount: try one("amount"), probability: p)
        case "randaugment":
            guard values.count <= 2, given == nil else { throw AugmentationError("'randaugment' takes N/M, e.g. randaugment=2/9") }
            let count = values.first ?? 2, magnitude = values.count > 1 ? values[1] : 9
            // N above 100 (operations per image, each drawn from 14) is no augmentation anyone means, and a Float
            // past Int's range traps on conversion.
            guard (1...100).contains(count), count == count.rounded(), (0...10).contains(magnitude) else {
                throw AugmentationError("'randaugment' needs a whole N in 1...100 and M in [0, 10]")
            }
            return .randAugment(count: Int(count), magnitude: magnitude)
        default:
            let known = ["rotate", "shift", "scale", "shear", "hflip", "vflip", "elastic", "noise", "erase", "brightness",
                         "contrast", "randaugment"] + presets.map(\.name)
            throw AugmentationError("unknown step '\(name)' in '\(source)'; known: \(known.joined(separator: ", "))")
        }
    }

    /// Parses the YAML form.
    public init(yaml text: String) throws {
        let document: Any?
        do {
            _ = try YAMLInput.compose(text)
            document = try Yams.load(yaml: text)
        } catch let problem as YAMLInput.Problem {
            throw AugmentationError("\(problem)")
        } catch {
            throw AugmentationError("invalid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        self = .none
        var steps: [Any] = []
        if let list = document as? [Any] {
            steps = list
        } else if let mapping = document as? [String: Any] {
            let known: Set<String> = ["operations", "fill", "border", "preset"]
            if let unknown = mapping.keys.first(where: { !known.contains($0) }) {
                throw AugmentationError("unknown key '\(unknown)'; expected operations, fill, border or preset")
            }
            if let value = mapping["preset"] {
                guard let preset = value as? String else { throw AugmentationError("'preset' must be a preset name, got \(Self.yamlText(value))") }
                self = try AugmentationPipeline(parsing: preset)
            }
            if let value = mapping["fill"] { fill = try Self.float(value, "fill") }
            if let value = mapping["border"] {
                guard let name = value as? String, let mode = BorderMode(rawValue: name) else {
                    throw AugmentationError("'border' must be one of \(BorderMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                border = mode
            }
            if let value = mapping["operations"] {
                guard let list = value as? [Any] else {
                    throw AugmentationError("'operations' must be a list of steps (- rotate: 15), got \(Self.yamlText(value))")
                }
                steps = list
            }
        } else if document != nil {
            throw AugmentationError("expected a list of steps or a mapping with 'operations'")
        }
        for step in steps {
            if let name = step as? String {
                operations += try AugmentationPipeline(parsing: name).operations
                continue
            }
            guard let entry = step as? [String: Any], entry.count == 1, let (name, argument) = entry.first else {
                throw AugmentationError("each step is one 'name: value' or 'name: {…}' entry, got \(Self.yamlText(step))")
            }
            var values: [Float] = [], probability: Float?
            if let settings = argument as? [String: Any] {
                probability = try settings["p"].map { try Self.float($0, "p") }
                let order = ["degrees", "pixels", "amount", "std", "value", "alpha", "sigma", "n", "m"]
                if let unknown = settings.keys.first(where: { $0 != "p" && !order.contains($0) }) {
                    throw AugmentationError("unknown setting '\(unknown)' of '\(name)'")
                }
                values = try order.compactMap { key in try settings[key].map { try Self.float($0, key) } }
            } else if argument is NSNull || (argument as? String)?.isEmpty == true {
                values = []
            } else {
                values = [try Self.float(argument, name)]
            }
            operations.append(try Self.operation(name, values: values, probability: probability, source: name))
        }
    }

    /// A decoded YAML value as the user wrote it, in flow style (`{rotate: 15, shift: 3}`, `[a, b]`), for messages:
    /// never a Swift dump of the decoded collections. Mapping keys come sorted (the decoder does not keep their order).
    static func yamlText(_ value: Any) -> String {
        switch value {
        case let mapping as [String: Any]:
            return "{" + mapping.keys.sorted().map { "\($0): \(yamlText(mapping[$0]!))" }.joined(separator: ", ") + "}"
        case let mapping as [AnyHashable: Any]:
            return "{" + mapping.map { ("\($0.key.base)", yamlText($0.value)) }.sorted { $0.0 < $1.0 }
                .map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        case let list as [Any]:
            return "[" + list.map(yamlText).joined(separator: ", ") + "]"
        case is NSNull:
            return "null"
        default:
            return "\(value)"
        }
    }

    private static func float(_ value: Any, _ key: String) throws -> Float {
        let number: Float?
        if let double = value as? Double { number = Float(double) }
        else if let integer = value as? Int { number = Float(integer) }
        else if let text = value as? String { number = Float(text) }
        else { number = nil }
        guard let number else { throw AugmentationError("'\(key)' must be a number, got \(yamlText(value))") }
        guard number.isFinite else { throw AugmentationError("'\(key)' must be a finite number, got \(yamlText(value))") }
        return number
    }

    /// The canonical command-line form; parsing it gives this pipeline back. Stored with every result.
    public var description: String {
        func number(_ x: Float) -> String { x == x.rounded() && abs(x) < 1e6 ? String(Int(x)) : String(x) }
        func withProbability(_ text: String, _ p: Float, _ name: String) -> String {
            p == Self.defaultProbability(name) ? text : "\(text)@\(number(p))"
        }
        var parts = operations.map { operation -> String in
            switch operation {
            case let .rotate(v, p): return withProbability("rotate=\(number(v))", p, "rotate")
            case let .shift(v, p): return withProbability("shift=\(number(v))", p, "shift")
            case let .scale(v, p): return withProbability("scale=\(number(v))", p, "scale")
            case let .shear(v, p): return withProbability("shear=\(number(v))", p, "shear")
            case let .horizontalFlip(p): return withProbability("hflip", p, "hflip")
            case let .verticalFlip(p): return withProbability("vflip", p, "vflip")
            case let .elastic(a, s, p): return withProbability("elastic=\(number(a))/\(number(s))", p, "elastic")
            case let .noise(v, p): return withProbability("noise=\(number(v))", p, "noise")
            case let .erase(v, p): return withProbability("erase=\(number(v))", p, "erase")
            case let .brightness(v, p): return withProbability("brightness=\(number(v))", p, "brightness")
            case let .contrast(v, p): return withProbability("contrast=\(number(v))", p, "contrast")
            case let .randAugment(n, m): return "randaugment=\(n)/\(number(m))"
            }
        }
        if fill != -1 { parts.append("fill=\(number(fill))") }
        if border != .constant { parts.append("border=\(border.rawValue)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }
}

/// Settings files and result files hold a pipeline as its command-line text ("rotate=15,shift=3,noise=0.05").
extension AugmentationPipeline: TextSetting {}
