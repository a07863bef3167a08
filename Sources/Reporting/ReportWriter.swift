import Foundation
import ResultStore

/// Writes a report into a folder: `index.html` (one self-contained file: inline SVG, PNG as data URIs, no script,
/// no network), `README.md` (the same content for GitHub, the charts and images beside it) and a CSV per table.
public enum ReportWriter {
    /// Writes every file to a temporary folder first and moves it into place, so a failed write leaves the previous
    /// report untouched.
    public static func write(_ report: Report, to folder: String) throws {
        let fm = FileManager.default
        let parent = PathName.parent(of: folder)
        if !parent.isEmpty { try fm.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        let temporary = OutputPath.temporary(for: folder.hasSuffix("/") ? String(folder.dropLast()) : folder)
        try? fm.removeItem(atPath: temporary)
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        func put(_ name: String, _ data: Data) throws {
            try data.write(to: URL(fileURLWithPath: (temporary as NSString).appendingPathComponent(name)))
        }
        try put("index.html", Data(html(report).utf8))
        try put("README.md", Data(markdown(report).utf8))
        for block in report.sections.flatMap(\.blocks) {
            switch block {
            case let .table(table): try put("\(table.name).csv", Data(table.csv.utf8))
            case let .chart(name, svg): try put("\(name).svg", Data(svg.utf8))
            case let .image(name, png, _): try put("\(name).png", png)
            default: break
            }
        }
        if fm.fileExists(atPath: folder) {
            // Keep files a person put there (a screenshot, notes); replace what a report writes.
            for name in try fm.contentsOfDirectory(atPath: temporary) {
                let target = (folder as NSString).appendingPathComponent(name)
                try? fm.removeItem(atPath: target)
                try fm.moveItem(atPath: (temporary as NSString).appendingPathComponent(name), toPath: target)
            }
            try fm.removeItem(atPath: temporary)
        } else {
            try fm.moveItem(atPath: temporary, toPath: folder)
        }
    }

    public static func html(_ report: Report) -> String {
        var lines = [
            "<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>\(escape(report.title))</title>", "<style>", style, "</style>", "</head>", "<body>", "<main>",
            "<h1>\(escape(report.title))</h1>",
            "<nav><ol>" + report.sections.map { "<li><a href=\"#\($0.id)\">\(escape($0.title))</a></li>" }.joined() + "</ol></nav>",
        ]
        for section in report.sections {
            lines.append("<section id=\"\(section.id)\">")
            lines.append("<h2>\(escape(section.title))</h2>")
            for block in section.blocks {
                switch block {
                case let .paragraph(text): lines.append("<p>\(inline(text))</p>")
                case let .list(items): lines.append("<ul>" + items.map { "<li>\(inline($0))</li>" }.joined() + "</ul>")
                case let .table(table):
                    lines.append("<div class=\"table\"><table id=\"table-\(table.name)\">")
                    lines.append("<thead><tr>" + table.columns.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>")
                    lines.append("<tbody>")
                    for row in table.rows {
                        lines.append("<tr>" + row.map { value -> String in
                            if case .text = value { return "<td>\(escape(value.shown))</td>" }
                            return "<td class=\"number\">\(escape(value.shown))</td>"
                        }.joined() + "</tr>")
                    }
                    lines.append("</tbody></table></div>")
                    lines.append("<p class=\"source\">Table as CSV: <code>\(table.name).csv</code></p>")
                case let .chart(name, svg):
                    lines.append("<figure id=\"chart-\(name)\">" + svg.replacingOccurrences(of: "\n", with: "") + "</figure>")
                case let .image(name, png, caption):
                    lines.append("<figure id=\"image-\(name)\"><img src=\"data:image/png;base64,\(png.base64EncodedString())\" alt=\"\(escape(caption))\">"
                                 + "<figcaption>\(escape(caption))</figcaption></figure>")
                case let .code(text): lines.append("<pre>\(escape(text))</pre>")
                }
            }
            lines.append("</section>")
        }
        lines += ["</main>", "</body>", "</html>"]
        return lines.joined(separator: "\n") + "\n"
    }

    public static func markdown(_ report: Report) -> String {
        var lines = ["# \(report.title)", ""]
        for section in report.sections {
            lines += ["## \(section.title)", ""]
            for block in section.blocks {
                switch block {
                case let .paragraph(text): lines += [text, ""]
                case let .list(items): lines += items.map { "- \($0)" } + [""]
                case let .table(table):
                    lines.append("| " + table.columns.map(cellText).joined(separator: " | ") + " |")
                    lines.append("|" + table.columns.map { _ in " --- |" }.joined())
                    for row in table.rows { lines.append("| " + row.map { cellText($0.shown) }.joined(separator: " | ") + " |") }
                    lines += ["", "([\(table.name).csv](\(table.name).csv))", ""]
                case let .chart(name, _): lines += ["![\(name)](\(name).svg)", ""]
                case let .image(name, _, caption): lines += ["![\(caption)](\(name).png)", "", "*\(caption)*", ""]
                case let .code(text): lines += ["```", text, "```", ""]
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func cellText(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    static func escape(_ text: String) -> String { ChartStyle.escape(text) }

    /// Paragraph text: escaped, with `code` spans and **bold** as Markdown writes them.
    static func inline(_ text: String) -> String {
        var html = escape(text)
        for (marker, tag) in [("**", "strong"), ("`", "code")] {
            let parts = html.components(separatedBy: marker)
            guard parts.count >= 3, parts.count % 2 == 1 else { continue }
            html = parts.enumerated().map { $0.offset % 2 == 1 ? "<\(tag)>\($0.element)</\(tag)>" : $0.element }.joined()
        }
        return html
    }

    /// Print-friendly, no web fonts.
    static let style = """
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #111; background: white; margin: 0; }
        main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; line-height: 1.45; }
        h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 2em; }
        table { border-collapse: collapse; font-size: 0.9em; margin: 8px 0; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
        td { white-space: nowrap; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        div.table { overflow-x: auto; }
        figure { margin: 12px 0; } figure svg, figure img { max-width: 100%; height: auto; }
        img { image-rendering: pixelated; }
        pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 0.85em; }
        p.source { font-size: 0.8em; color: #555; margin-top: 0; }
        nav ol { columns: 2; font-size: 0.9em; }
        @media print { nav { display: none; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
        """
}
