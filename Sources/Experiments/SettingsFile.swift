import Foundation
import ResultStore
import Yams

/// A settings file (YAML or JSON, which is YAML) that could not be used: one line naming the file, the line and
/// the key, and the problem.
public struct SettingsFileError: Error, CustomStringConvertible, Equatable {
    /// The settings file.
    public let path: String
    /// 1-based line of the offending key or value (nil when the file could not be parsed that far).
    public let line: Int?
    /// The key path, dotted ("arms.2.gan.steps"); empty for the whole file.
    public let key: String
    /// What is wrong.
    public let message: String

    public var description: String {
        "\(path)\(line.map { ":\($0)" } ?? ""): \(key.isEmpty ? "" : "\(key): ")\(message)"
    }
}

/// Decodes a settings type from a YAML file, reporting any error with its line and key: unknown keys, wrong types,
/// missing keys and impossible values (a settings type's `validate()` errors) alike.
public enum SettingsFile {
    /// Decodes `type` from the YAML or JSON file at `path`.
    public static func decode<T: Decodable>(_ type: T.Type, path: String) throws -> T {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SettingsFileError(path: path, line: nil, key: "", message: "cannot read the file")
        }
        return try decode(type, yaml: text, path: path)
    }

    /// Decodes `type` from YAML text; `path` names the file in errors.
    public static func decode<T: Decodable>(_ type: T.Type, yaml text: String, path: String) throws -> T {
        let root: Node?
        do {
            root = try YAMLInput.compose(text)
        } catch let problem as YAMLInput.Problem {
            throw SettingsFileError(path: path, line: problem.line, key: "", message: problem.message)
        } catch let error as YamlError {
            throw SettingsFileError(path: path, line: errorLine(error), key: "", message: "not valid YAML: \(firstLine(error))")
        }
        do {
            return try YAMLDecoder().decode(type, from: text)
        } catch let error as DecodingError {
            let (codingPath, message) = describe(error)
            let keys = codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            throw SettingsFileError(path: path, line: root.flatMap { line(of: codingPath, in: $0) }, key: keys.joined(separator: "."),
                                    message: message)
        } catch let error as SettingsFileError {
            throw error
        } catch {
            // A settings type's own validation error: it names the setting but not where it is.
            throw SettingsFileError(path: path, line: nil, key: "", message: "\(error)")
        }
    }

    /// The line of the deepest node on `codingPath` that exists (a mapping key's own line for keys).
    static func line(of codingPath: [CodingKey], in root: Node) -> Int? {
        var node = root, line = root.mark?.line
        for key in codingPath {
            if let index = key.intValue, case let .sequence(sequence) = node, index < sequence.count {
                node = sequence[index]
                line = node.mark?.line ?? line
            } else if case let .mapping(mapping) = node, let pair = mapping.first(where: { $0.key.string == key.stringValue }) {
                node = pair.value
                line = pair.key.mark?.line ?? line
            } else {
                break
            }
        }
        return line
    }

    private static func describe(_ error: DecodingError) -> ([CodingKey], String) {
        switch error {
        case let .typeMismatch(type, context):
            // The YAML reader names its node kinds ("Expected to decode Scalar but found Mapping instead."): say
            // what was found in the user's words, never the reader's type names.
            let found = [("found Mapping", "a mapping"), ("found Sequence", "a list"), ("found Scalar", "a single value")]
                .first { context.debugDescription.contains($0.0) }.map { ", found \($0.1)" }
            return (context.codingPath, "expected \(readable(type))" + (found ?? " (\(context.debugDescription))"))
        case let .valueNotFound(type, context):
            // Also thrown for a value that is there but is not one (`seeds: two`), so nothing is said of what was found.
            return (context.codingPath, "expected \(readable(type))")
        case let .keyNotFound(key, context):
            return (context.codingPath + [key], "required, missing")
        case let .dataCorrupted(context):
            return (context.codingPath, context.debugDescription)
        @unknown default:
            return ([], "\(error)")
        }
    }

    private static func readable(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.contains("Array") || name.contains("Sequence") { return "a list" }
            if name.contains("Scalar") { return "a single value" }
            return "a mapping"
        }
    }

    private static func errorLine(_ error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): return mark.line
        default: return nil
        }
    }

    private static func firstLine(_ error: YamlError) -> String {
        String("\(error)".split(separator: "\n").first ?? "")
    }
}
