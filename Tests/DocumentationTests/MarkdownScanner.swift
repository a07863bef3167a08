import Foundation

/// The parts of a Markdown page the documentation tests check: links, fenced code blocks, inline code spans and
/// heading anchors (as GitHub makes them).
struct MarkdownPage {
    struct CodeBlock { let info: String; let lines: [String]; let firstLine: Int }

    let text: String
    private(set) var codeBlocks: [CodeBlock] = []
    /// Lines outside fenced code blocks, with their line numbers.
    private(set) var proseLines: [(number: Int, text: String)] = []

    init(_ text: String) {
        self.text = text
        var block: (info: String, lines: [String], first: Int)?
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                if let open = block {
                    codeBlocks.append(CodeBlock(info: open.info, lines: open.lines, firstLine: open.first))
                    block = nil
                } else {
                    block = (String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces), [], index + 2)
                }
            } else if block != nil {
                block!.lines.append(line)
            } else {
                proseLines.append((index + 1, line))
            }
        }
    }

    /// Targets of inline links and images, `[text](target)`, outside code.
    var links: [(line: Int, target: String)] {
        var found: [(Int, String)] = []
        for (number, line) in proseLines {
            let prose = Self.removingCodeSpans(line)
            var rest = prose[...]
            while let open = rest.range(of: "](") {
                let after = rest[open.upperBound...]
                guard let close = after.firstIndex(of: ")") else { break }
                let target = after[..<close].split(separator: " ").first.map(String.init) ?? ""
                found.append((number, target))
                rest = after[close...]
            }
        }
        return found
    }

    /// Inline code spans outside fenced blocks.
    var codeSpans: [(line: Int, code: String)] {
        proseLines.flatMap { number, line in
            line.components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 1 }.map { (number, $0.element) }
        }
    }

    /// GitHub's anchors for the page's headings: lower case, punctuation other than `-` and `_` dropped, spaces
    /// to `-`, repeated headings numbered.
    var anchors: Set<String> {
        var seen: [String: Int] = [:]
        var result = Set<String>()
        for (_, line) in proseLines where line.hasPrefix("#") {
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
            var anchor = ""
            for character in Self.removingMarkup(title).lowercased() {
                if character.isLetter || character.isNumber || character == "-" || character == "_" { anchor.append(character) }
                else if character == " " { anchor.append("-") }
            }
            let count = seen[anchor, default: 0]
            seen[anchor] = count + 1
            result.insert(count == 0 ? anchor : "\(anchor)-\(count)")
        }
        return result
    }

    private static func removingCodeSpans(_ line: String) -> String {
        line.components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: " ")
    }

    /// A heading's text as GitHub reads it for the anchor: link targets and emphasis markers dropped.
    private static func removingMarkup(_ title: String) -> String {
        var text = title.replacingOccurrences(of: "`", with: "")
        while let open = text.range(of: "]("), let close = text[open.upperBound...].firstIndex(of: ")") {
            text.removeSubrange(open.lowerBound..<text.index(after: close))
            text.insert("]", at: open.lowerBound)
        }
        return text.replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "")
            .replacingOccurrences(of: "*", with: "")
    }
}
