import Foundation

/// A settings mapping in which any setting may be given as a list: the sweep is every combination of the listed
/// values (`{variant: [dcgan, wgan-gp], steps: [500, 1000]}` is four points), each decoded into `Settings` with
/// the same checks as a single mapping. A mapping without lists is one point with no label.
///
/// Only the mapping's own keys sweep (a list nested deeper is the setting's own value), so a settings type whose
/// top-level setting takes a list cannot be swept; none of GAN or classifier settings does.
public struct Sweep<Settings: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// One combination: the swept keys with the values chosen, as written ("lr_g=0.0002"), and the settings.
    public struct Point: Sendable, Equatable {
        public let choices: [Choice]
        public let settings: Settings
        /// "lr_g=0.0002,variant=wgan-gp"; empty without a sweep.
        public var label: String { choices.map(\.description).joined(separator: ",") }
    }

    public struct Choice: Sendable, Equatable, CustomStringConvertible {
        public let key: String
        public let value: String
        public var description: String { "\(key)=\(value)" }
    }

    /// Keys sorted by name; the last key varies fastest.
    public let points: [Point]

    /// One point, no sweep.
    public init(_ settings: Settings) { points = [Point(choices: [], settings: settings)] }

    /// The settings of the only point (nil for a sweep).
    public var single: Settings? { points.count == 1 ? points[0].settings : nil }

    public init(from decoder: Decoder) throws {
        let mapping = try decoder.container(keyedBy: AnySettingsKey.self)
        var axes: [(key: String, count: Int)] = []
        for key in mapping.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            guard let list = try? mapping.nestedUnkeyedContainer(forKey: key) else { continue }
            guard let count = list.count, count > 0 else {
                throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath + [key],
                                                                       debugDescription: "an empty list (a list sweeps a setting over its values)"))
            }
            axes.append((key.stringValue, count))
        }
        var points: [Point] = []
        var index = [Int](repeating: 0, count: axes.count)
        repeat {
            let picks = Dictionary(uniqueKeysWithValues: axes.indices.map { (axes[$0].key, index[$0]) })
            let settings = try Settings(from: SweepPointDecoder(base: decoder, picks: picks))
            // Labels come from the decoded value (its canonical JSON), not the text as written, so that a protocol
            // and its canonical JSON give the same labels ("2e-4" and "0.0002" are one learning rate).
            let tree = axes.isEmpty ? nil : try SettingsTree(settings)
            points.append(Point(choices: try axes.map { axis in
                guard case let .mapping(values)? = tree, let value = values[axis.key]?.label else {
                    throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath + [AnySettingsKey(stringValue: axis.key)],
                                                                           debugDescription: "this setting cannot be swept (give one value)"))
                }
                return Choice(key: axis.key, value: value)
            }, settings: settings))
            var axis = axes.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < axes[axis].count { break }
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { break }
        } while true
        self.points = points
    }

    /// The mapping as written: each swept key as the list of its values (encoded from the points that vary only
    /// that key), so a protocol's canonical JSON decodes back into the same sweep.
    public func encode(to encoder: Encoder) throws {
        let first = try SettingsTree(points[0].settings)
        guard case var .mapping(merged) = first, let choices = points.first?.choices, !choices.isEmpty else {
            return try first.encode(to: encoder)
        }
        for (axis, choice) in choices.enumerated() {
            var values: [SettingsTree] = []
            for point in points where point.choices.indices.allSatisfy({ $0 == axis || point.choices[$0] == choices[$0] }) {
                guard case let .mapping(tree) = try SettingsTree(point.settings), let value = tree[choice.key] else {
                    throw EncodingError.invalidValue(point.settings, EncodingError.Context(
                        codingPath: encoder.codingPath, debugDescription: "swept setting '\(choice.key)' is not encoded by its type"))
                }
                values.append(value)
            }
            merged[choice.key] = .list(values)
        }
        try SettingsTree.mapping(merged).encode(to: encoder)
    }
}

/// A decoded settings value of any shape, to re-encode a sweep as it was written.
indirect enum SettingsTree: Codable, Equatable {
    case null, flag(Bool), integer(Int), number(Double), text(String), list([SettingsTree]), mapping([String: SettingsTree])

    /// A single value as a label: text as it is ("/" made "-", labels name files), numbers as JSON writes them.
    var label: String? {
        switch self {
        case let .text(text): return text.replacingOccurrences(of: "/", with: "-")
        case let .flag(flag): return String(flag)
        case let .integer(integer): return String(integer)
        case let .number(number): return String(number)
        default: return nil
        }
    }

    init<T: Encodable>(_ value: T) throws {
        self = try JSONDecoder().decode(SettingsTree.self, from: JSONEncoder().encode(value))
    }

    init(from decoder: Decoder) throws {
        if let mapping = try? decoder.container(keyedBy: AnySettingsKey.self) {
            self = .mapping(try Dictionary(uniqueKeysWithValues: mapping.allKeys.map { ($0.stringValue, try mapping.decode(SettingsTree.self, forKey: $0)) }))
        } else if var list = try? decoder.unkeyedContainer() {
            var items: [SettingsTree] = []
            while !list.isAtEnd { items.append(try list.decode(SettingsTree.self)) }
            self = .list(items)
        } else {
            let value = try decoder.singleValueContainer()
            if value.decodeNil() { self = .null }
            else if let flag = try? value.decode(Bool.self) { self = .flag(flag) }
            else if let integer = try? value.decode(Int.self) { self = .integer(integer) }
            else if let number = try? value.decode(Double.self) { self = .number(number) }
            else { self = .text(try value.decode(String.self)) }
        }
    }

    func encode(to encoder: Encoder) throws {
        switch self {
        case .null:
            var value = encoder.singleValueContainer()
            try value.encodeNil()
        case let .flag(flag): try flag.encode(to: encoder)
        case let .integer(integer): try integer.encode(to: encoder)
        case let .number(number): try number.encode(to: encoder)
        case let .text(text): try text.encode(to: encoder)
        case let .list(items): try items.encode(to: encoder)
        case let .mapping(mapping):
            var container = encoder.container(keyedBy: AnySettingsKey.self)
            for (key, value) in mapping { try container.encode(value, forKey: AnySettingsKey(stringValue: key)) }
        }
    }
}

/// The decoder of one sweep point: the base decoder, except that each swept key of its mapping reads the chosen
/// element of its list (with that element's coding path, so an error names the line of the bad value).
private struct SweepPointDecoder: Decoder {
    let base: Decoder
    let picks: [String: Int]

    var codingPath: [CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(PickingContainer(base: try base.container(keyedBy: type), picks: picks))
    }
    func unkeyedContainer() throws -> UnkeyedDecodingContainer { try base.unkeyedContainer() }
    func singleValueContainer() throws -> SingleValueDecodingContainer { try base.singleValueContainer() }
}

private struct PickingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let base: KeyedDecodingContainer<Key>
    let picks: [String: Int]

    var codingPath: [CodingKey] { base.codingPath }
    var allKeys: [Key] { base.allKeys }
    func contains(_ key: Key) -> Bool { base.contains(key) }

    /// The decoder of `key`'s value: the picked element for a swept key.
    private func element(_ key: Key) throws -> Decoder {
        guard let pick = picks[key.stringValue] else { return try base.superDecoder(forKey: key) }
        var list = try base.nestedUnkeyedContainer(forKey: key)
        for _ in 0..<pick { _ = try list.superDecoder() }
        return try list.superDecoder()
    }
    private func value<T: Decodable>(_ key: Key) throws -> T {
        picks[key.stringValue] == nil ? try base.decode(T.self, forKey: key) : try T(from: element(key))
    }

    func decodeNil(forKey key: Key) throws -> Bool { picks[key.stringValue] == nil ? try base.decodeNil(forKey: key) : false }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try value(key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try value(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try value(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try value(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try value(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try value(key) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try value(key) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try element(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { try element(key).unkeyedContainer() }
    func superDecoder() throws -> Decoder { try base.superDecoder() }
    func superDecoder(forKey key: Key) throws -> Decoder { try element(key) }
}
