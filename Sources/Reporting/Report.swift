import Foundation

/// A report as content, before any format: sections of paragraphs, lists, tables, charts and images. The HTML and
/// Markdown renderers turn the same value into a page and a README; every table is also written as CSV.
public struct Report {
    public var title: String
    public var sections: [Section]

    public init(title: String, sections: [Section]) { (self.title, self.sections) = (title, sections) }

    public struct Section {
        public var title: String
        /// Anchor and file-name stem ("verdict").
        public var id: String
        public var blocks: [Block]
        public init(title: String, id: String, blocks: [Block]) { (self.title, self.id, self.blocks) = (title, id, blocks) }
    }

    public enum Block {
        case paragraph(String)
        case list([String])
        case table(Table)
        /// An SVG chart, written beside the Markdown as NAME.svg and inline in the HTML.
        case chart(name: String, svg: String)
        /// A PNG image (a sample grid), written beside the Markdown as NAME.png and as a data URI in the HTML.
        case image(name: String, png: Data, caption: String)
        /// Preformatted text (the protocol).
        case code(String)
    }

    /// Every table of the report, in order.
    public var tables: [Table] {
        sections.flatMap(\.blocks).compactMap { if case let .table(t) = $0 { return t } else { return nil } }
    }
}

/// A table: shown with numbers at their stated precision, written to CSV (`NAME.csv`) at full precision.
public struct Table {
    public enum Value: Equatable {
        case text(String)
        /// A number and the decimals it is shown with; NaN shows as "-" and is empty in the CSV.
        case number(Double, decimals: Int)
        case integer(Int)

        public var shown: String {
            switch self {
            case let .text(text): return text
            case let .number(value, decimals): return value.isFinite ? String(format: "%.\(decimals)f", value) : "-"
            case let .integer(value): return String(value)
            }
        }

        /// CSV: numbers in Swift's shortest round-trip form (reads back to the same double).
        var csv: String {
            switch self {
            case let .text(text): return text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            case let .number(value, _): return value.isFinite ? "\(value)" : ""
            case let .integer(value): return String(value)
            }
        }
    }

    public var name: String
    public var columns: [String]
    public var rows: [[Value]]

    public init(name: String, columns: [String], rows: [[Value]]) { (self.name, self.columns, self.rows) = (name, columns, rows) }

    public var csv: String {
        ([columns.map { Value.text($0).csv }.joined(separator: ",")] + rows.map { $0.map(\.csv).joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }
}

/// JSON indented with sorted keys, for reading (the text itself when it is not JSON).
func prettyJSON(_ json: String) -> String {
    (try? JSONSerialization.jsonObject(with: Data(json.utf8)))
        .flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys]) }
        .map { String(decoding: $0, as: UTF8.self) } ?? json
}
