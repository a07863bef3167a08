import Foundation

/// Any key of a keyed container, to list what a settings mapping holds.
public struct AnySettingsKey: CodingKey {
    public let stringValue: String
    public let intValue: Int? = nil
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}

extension Decoder {
    /// Throws for a key in the current mapping that `Keys` does not name: a misspelt setting must be an error,
    /// not silently the default. Every settings type calls this first in `init(from:)`.
    public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ known: Keys.Type) throws {
        let names = Set(Keys.allCases.map(\.stringValue))
        let container = try container(keyedBy: AnySettingsKey.self)
        if let unknown = container.allKeys.first(where: { !names.contains($0.stringValue) }) {
            let expected = Keys.allCases.map(\.stringValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: codingPath + [unknown], debugDescription: "unknown key '\(unknown.stringValue)' (known: \(expected))"))
        }
    }
}

extension Decoder {
    /// Runs a settings type's `validate()` while decoding, so that its error carries this mapping's coding path
    /// (and a settings file can say on which line the impossible value stands).
    public func validating(_ check: () throws -> Void) throws {
        do {
            try check()
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: "\(error)"))
        }
    }
}

extension KeyedDecodingContainer {
    /// The value under `key`, or `fallback` when the key is absent (an explicit null is a type error).
    public func decode<T: Decodable>(_ key: Key, default fallback: T) throws -> T {
        contains(key) ? try decode(T.self, forKey: key) : fallback
    }
}

/// The canonical text of a settings value (JSON with sorted keys) and its SHA-256, as result files store them:
/// two runs with the same text were made with the same settings.
public enum CanonicalSettings {
    public static func text<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public static func checksum(_ text: String) -> String { SHA256.hex(of: Array(text.utf8)) }
}

/// A setting written as text in settings files and result files, the same text the command line takes
/// ("rotate=15,shift=3", "confidence=0.9"): it decodes by parsing and encodes as its canonical description.
public protocol TextSetting: Codable, CustomStringConvertible {
    init(parsing text: String) throws
}

extension TextSetting {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
