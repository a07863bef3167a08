import Yams

/// YAML that Yams (5.x) cannot take without trapping, refused before it is decoded: flow collections nested so deep
/// that its recursive parser overflows the stack, a mapping key that is itself a list or mapping (`Yams.load` unwraps
/// every key as a hashable value), and a YAML 1.1 base-60 integer (`1:30:00`) too large for Int (Yams multiplies
/// without overflow checks). Found by fuzzing (FuzzTesting/). Every YAML reader
/// of the project composes its text through `compose`.
public enum YAMLInput {
    public struct Problem: Error, CustomStringConvertible {
        public let line: Int?
        public let message: String
        public var description: String { line.map { "line \($0): \(message)" } ?? message }
    }

    /// The document's node tree, checked; nil for an empty document. Yams' own parse errors are rethrown as they are.
    public static func compose(_ text: String) throws -> Node? {
        if flowNestingDepth(text) > maximumFlowNesting {
            throw Problem(line: nil, message: "brackets nested more than \(maximumFlowNesting) levels deep")
        }
        guard let root = try Yams.compose(yaml: text) else { return nil }
        try check(root)
        return root
    }

    /// No settings file nests a dozen levels; thousands overflow the parser's stack.
    static let maximumFlowNesting = 64

    /// The deepest nesting of `{` and `[`, counting every bracket, quoted or not (a quote is one only where a scalar
    /// starts, which a simple scan cannot tell, and fuzzing found that a guess lets deep nesting through). The
    /// over-estimate only refuses files with more than 64 unclosed brackets.
    static func flowNestingDepth(_ text: String) -> Int {
        var depth = 0, deepest = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1; deepest = max(deepest, depth)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth = max(0, depth - 1)
            default: break
            }
        }
        return deepest
    }

    private static func check(_ node: Node) throws {
        switch node {
        case let .scalar(scalar):
            if scalar.style == .plain || scalar.style == .any, scalar.string.contains(":"), !fitsInt(sexagesimal: scalar.string) {
                throw Problem(line: node.mark?.line, message: "'\(scalar.string.prefix(40))' reads as a base-60 number too large for an integer")
            }
        case let .sequence(sequence):
            try sequence.forEach(check)
        case let .mapping(mapping):
            for (key, value) in mapping {
                guard case .scalar = key else { throw Problem(line: key.mark?.line, message: "a key that is a list or mapping") }
                try check(key)
                try check(value)
            }
        }
    }

    /// Whether Yams' base-60 reading of `text` (components of digits, the last one the units) stays within Int, with
    /// the base it also multiplies up for every component.
    static func fitsInt(sexagesimal text: String) -> Bool {
        var body = Substring(text.replacingOccurrences(of: "_", with: ""))
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        var base = 1, value = 0
        for component in body.split(separator: ":", omittingEmptySubsequences: false).reversed() {
            guard let digit = Int(component) else { continue }   // Yams skips what is not a number, and so do we
            let (term, o1) = digit.multipliedReportingOverflow(by: base)
            let (sum, o2) = value.addingReportingOverflow(term)
            let (next, o3) = base.multipliedReportingOverflow(by: 60)
            if o1 || o2 || o3 { return false }
            (value, base) = (sum, next)
        }
        return true
    }
}
