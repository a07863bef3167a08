import Foundation

/// The charts of a report, written as SVG by hand: a few small types, no dependency, readable in black-and-white
/// print (every series has its own marker and dash pattern besides its colour) and by colour-blind readers (the
/// Okabe-Ito palette).
public enum ChartStyle {
    /// Okabe and Ito's colour-blind-safe palette, black first.
    static let colours = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]
    static let dashes = ["", "6 3", "2 2", "8 3 2 3", "4 4", "1 3", "10 4", "3 1"]
    static let font = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\""

    static func colour(_ index: Int) -> String { colours[index % colours.count] }
    static func dash(_ index: Int) -> String { dashes[index % dashes.count] }

    /// A marker at (x, y): circle, square, triangle, diamond, cross ... by series.
    static func marker(_ index: Int, x: Double, y: Double, size: Double = 4) -> String {
        let colour = colour(index)
        switch index % 5 {
        case 0: return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(size))\" fill=\"\(colour)\"/>"
        case 1: return "<rect x=\"\(f(x - size))\" y=\"\(f(y - size))\" width=\"\(f(2 * size))\" height=\"\(f(2 * size))\" fill=\"white\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>"
        case 2: return "<path d=\"M\(f(x)) \(f(y - size * 1.2)) L\(f(x + size)) \(f(y + size * 0.8)) L\(f(x - size)) \(f(y + size * 0.8)) Z\" fill=\"\(colour)\"/>"
        case 3: return "<path d=\"M\(f(x)) \(f(y - size * 1.3)) L\(f(x + size)) \(f(y)) L\(f(x)) \(f(y + size * 1.3)) L\(f(x - size)) \(f(y)) Z\" fill=\"white\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>"
        default: return "<path d=\"M\(f(x - size)) \(f(y - size)) L\(f(x + size)) \(f(y + size)) M\(f(x - size)) \(f(y + size)) L\(f(x + size)) \(f(y - size))\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
        }
    }

    /// Coordinates to two decimals: small files, no visible loss.
    static func f(_ value: Double) -> String { String(format: "%.2f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Rough text width in pixels at the chart font (for margins).
    static func width(of text: String) -> Double { Double(text.count) * 6.4 }
}

/// Axis ticks at round numbers (1, 2 or 5 x 10^k apart) covering a range, as a plotting library chooses them.
public struct NiceScale: Equatable {
    public let lower: Double, upper: Double, step: Double

    public init(covering low: Double, _ high: Double, ticks: Int = 5) {
        var (low, high) = (low, high)
        if !(low.isFinite && high.isFinite) { (low, high) = (0, 1) }
        if high - low < 1e-12 { (low, high) = (low - 0.5 * max(abs(low), 1e-3), high + 0.5 * max(abs(high), 1e-3)) }
        let raw = (high - low) / Double(max(1, ticks - 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        self.step = step
        lower = floor(low / step + 1e-9) * step
        upper = ceil(high / step - 1e-9) * step
    }

    public var ticks: [Double] {
        let first = (lower / step).rounded(), count = Int(((upper - lower) / step).rounded())
        // Multiples of the step, cleaned of the binary rounding of the product (0.6, not 0.6000000000000001).
        return (0...count).map { index in
            let value = (first + Double(index)) * step
            return Double(String(format: "%.12g", value)) ?? value
        }
    }

    /// Tick labels with as many decimals as the step needs.
    public func label(_ value: Double) -> String {
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)) + (step / pow(10, floor(log10(step))) == 2.5 ? 1 : 0))
        return String(format: "%.\(decimals)f", abs(value) < step * 1e-6 ? 0 : value)
    }
}

/// One row per item, a point with a horizontal whisker (an interval), optional dots (each seed's value), and an
/// optional vertical reference line (the `original` arm's mean, or zero for differences).
public struct ForestPlot {
    public struct Row {
        public let label: String
        public let value: Double
        public let interval: (lower: Double, upper: Double)?
        public let dots: [Double]
        public init(label: String, value: Double, interval: (lower: Double, upper: Double)?, dots: [Double] = []) {
            (self.label, self.value, self.interval, self.dots) = (label, value, interval, dots)
        }
    }

    public let title: String
    public let axisLabel: String
    public let rows: [Row]
    public let reference: (value: Double, label: String)?

    public init(title: String, axisLabel: String, rows: [Row], reference: (value: Double, label: String)?) {
        (self.title, self.axisLabel, self.rows, self.reference) = (title, axisLabel, rows, reference)
    }

    public var svg: String {
        let labelWidth = max(80, rows.map { ChartStyle.width(of: $0.label) }.max() ?? 0) + 12
        let (plotWidth, rowHeight, top) = (420.0, 24.0, 34.0)
        let width = labelWidth + plotWidth + 24, height = top + Double(rows.count) * rowHeight + 44
        var values = rows.flatMap { [$0.value] + $0.dots + [$0.interval?.lower, $0.interval?.upper].compactMap { $0 } }
        if let reference { values.append(reference.value) }
        let scale = NiceScale(covering: values.min() ?? 0, values.max() ?? 1)
        func x(_ v: Double) -> Double { labelWidth + (v - scale.lower) / (scale.upper - scale.lower) * plotWidth }
        var body: [String] = []
        body.append("<text x=\"\(ChartStyle.f(labelWidth))\" y=\"16\" font-weight=\"bold\">\(ChartStyle.escape(title))</text>")
        let bottom = top + Double(rows.count) * rowHeight
        for tick in scale.ticks {
            body.append("<line x1=\"\(ChartStyle.f(x(tick)))\" y1=\"\(ChartStyle.f(top - 6))\" x2=\"\(ChartStyle.f(x(tick)))\" y2=\"\(ChartStyle.f(bottom))\" stroke=\"#dddddd\"/>")
            body.append("<text x=\"\(ChartStyle.f(x(tick)))\" y=\"\(ChartStyle.f(bottom + 14))\" text-anchor=\"middle\">\(scale.label(tick))</text>")
        }
        body.append("<line x1=\"\(ChartStyle.f(labelWidth))\" y1=\"\(ChartStyle.f(bottom))\" x2=\"\(ChartStyle.f(labelWidth + plotWidth))\" y2=\"\(ChartStyle.f(bottom))\" stroke=\"black\"/>")
        body.append("<text x=\"\(ChartStyle.f(labelWidth + plotWidth / 2))\" y=\"\(ChartStyle.f(bottom + 32))\" text-anchor=\"middle\">\(ChartStyle.escape(axisLabel))</text>")
        if let reference {
            body.append("<line x1=\"\(ChartStyle.f(x(reference.value)))\" y1=\"\(ChartStyle.f(top - 6))\" x2=\"\(ChartStyle.f(x(reference.value)))\" y2=\"\(ChartStyle.f(bottom))\" stroke=\"black\" stroke-dasharray=\"4 3\"/>")
            body.append("<text x=\"\(ChartStyle.f(x(reference.value) + 3))\" y=\"\(ChartStyle.f(top - 8))\" font-size=\"10\">\(ChartStyle.escape(reference.label))</text>")
        }
        for (index, row) in rows.enumerated() {
            let y = top + (Double(index) + 0.5) * rowHeight
            body.append("<text x=\"\(ChartStyle.f(labelWidth - 8))\" y=\"\(ChartStyle.f(y + 4))\" text-anchor=\"end\">\(ChartStyle.escape(row.label))</text>")
            if let interval = row.interval {
                body.append("<line x1=\"\(ChartStyle.f(x(interval.lower)))\" y1=\"\(ChartStyle.f(y))\" x2=\"\(ChartStyle.f(x(interval.upper)))\" y2=\"\(ChartStyle.f(y))\" stroke=\"black\" stroke-width=\"1.5\"/>")
                for end in [interval.lower, interval.upper] {
                    body.append("<line x1=\"\(ChartStyle.f(x(end)))\" y1=\"\(ChartStyle.f(y - 5))\" x2=\"\(ChartStyle.f(x(end)))\" y2=\"\(ChartStyle.f(y + 5))\" stroke=\"black\" stroke-width=\"1.5\"/>")
                }
            }
            for dot in row.dots {
                body.append("<circle cx=\"\(ChartStyle.f(x(dot)))\" cy=\"\(ChartStyle.f(y - 7))\" r=\"2.5\" fill=\"none\" stroke=\"\(ChartStyle.colour(1))\"/>")
            }
            body.append(ChartStyle.marker(0, x: x(row.value), y: y))
        }
        return SVGDocument(width: width, height: height, title: title, body: body).text
    }
}

/// Lines through points with shaded interval bands, one series per arm; the x axis linear or logarithmic (K
/// values 10, 50, 100 read best on a log axis).
public struct LineChart {
    public struct Point {
        public let x: Double, y: Double
        public let lower: Double?, upper: Double?
        public init(x: Double, y: Double, lower: Double? = nil, upper: Double? = nil) {
            (self.x, self.y, self.lower, self.upper) = (x, y, lower, upper)
        }
    }
    public struct Series {
        public let name: String
        public let points: [Point]
        public init(name: String, points: [Point]) { (self.name, self.points) = (name, points.sorted { $0.x < $1.x }) }
    }

    public let title: String, xLabel: String, yLabel: String
    public let series: [Series]
    public let logarithmicX: Bool

    public init(title: String, xLabel: String, yLabel: String, series: [Series], logarithmicX: Bool = false) {
        (self.title, self.xLabel, self.yLabel, self.series, self.logarithmicX) = (title, xLabel, yLabel, series, logarithmicX)
    }

    public var svg: String {
        let (left, top, plotWidth, plotHeight) = (60.0, 30.0, 420.0, 240.0)
        let legendWidth = (series.map { ChartStyle.width(of: $0.name) }.max() ?? 0) + 40
        let width = left + plotWidth + 20 + legendWidth, height = top + plotHeight + 50
        let points = series.flatMap(\.points)
        let ys = points.flatMap { [$0.y, $0.lower, $0.upper].compactMap { $0 } }
        let yScale = NiceScale(covering: ys.min() ?? 0, ys.max() ?? 1)
        let xsRaw = points.map(\.x)
        let transform: (Double) -> Double = logarithmicX ? { log10(max($0, 1e-12)) } : { $0 }
        let xs = xsRaw.map(transform)
        let (xLow, xHigh) = (xs.min() ?? 0, xs.max() ?? 1)
        let xSpan = xHigh - xLow < 1e-12 ? 1 : xHigh - xLow
        func px(_ v: Double) -> Double { left + (transform(v) - xLow) / xSpan * plotWidth }
        func py(_ v: Double) -> Double { top + plotHeight - (v - yScale.lower) / (yScale.upper - yScale.lower) * plotHeight }
        var body: [String] = []
        body.append("<text x=\"\(ChartStyle.f(left))\" y=\"16\" font-weight=\"bold\">\(ChartStyle.escape(title))</text>")
        for tick in yScale.ticks {
            body.append("<line x1=\"\(ChartStyle.f(left))\" y1=\"\(ChartStyle.f(py(tick)))\" x2=\"\(ChartStyle.f(left + plotWidth))\" y2=\"\(ChartStyle.f(py(tick)))\" stroke=\"#dddddd\"/>")
            body.append("<text x=\"\(ChartStyle.f(left - 6))\" y=\"\(ChartStyle.f(py(tick) + 4))\" text-anchor=\"end\">\(yScale.label(tick))</text>")
        }
        // A few x values (K or r) are the ticks: the values a protocol chose; a long curve gets round ticks.
        let distinct = Array(Set(xsRaw)).sorted()
        let xTicks = distinct.count <= 12 || logarithmicX ? distinct
            : NiceScale(covering: distinct.first!, distinct.last!, ticks: 6).ticks.filter { $0 >= distinct.first! - 1e-9 && $0 <= distinct.last! + 1e-9 }
        for tick in xTicks {
            body.append("<line x1=\"\(ChartStyle.f(px(tick)))\" y1=\"\(ChartStyle.f(top + plotHeight))\" x2=\"\(ChartStyle.f(px(tick)))\" y2=\"\(ChartStyle.f(top + plotHeight + 4))\" stroke=\"black\"/>")
            body.append("<text x=\"\(ChartStyle.f(px(tick)))\" y=\"\(ChartStyle.f(top + plotHeight + 16))\" text-anchor=\"middle\">\(Self.format(tick))</text>")
        }
        body.append("<path d=\"M\(ChartStyle.f(left)) \(ChartStyle.f(top)) L\(ChartStyle.f(left)) \(ChartStyle.f(top + plotHeight)) L\(ChartStyle.f(left + plotWidth)) \(ChartStyle.f(top + plotHeight))\" fill=\"none\" stroke=\"black\"/>")
        body.append("<text x=\"\(ChartStyle.f(left + plotWidth / 2))\" y=\"\(ChartStyle.f(top + plotHeight + 36))\" text-anchor=\"middle\">\(ChartStyle.escape(xLabel))</text>")
        body.append("<text transform=\"translate(14 \(ChartStyle.f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(ChartStyle.escape(yLabel))</text>")
        for (index, s) in series.enumerated() {
            let colour = ChartStyle.colour(index)
            let banded = s.points.filter { $0.lower != nil && $0.upper != nil }
            if banded.count >= 2 {
                let upper = banded.map { "\(ChartStyle.f(px($0.x))) \(ChartStyle.f(py($0.upper!)))" }
                let lower = banded.reversed().map { "\(ChartStyle.f(px($0.x))) \(ChartStyle.f(py($0.lower!)))" }
                body.append("<path d=\"M" + (upper + lower).joined(separator: " L") + " Z\" fill=\"\(colour)\" fill-opacity=\"0.12\" stroke=\"none\"/>")
            }
            for p in banded where banded.count < 2 {
                body.append("<line x1=\"\(ChartStyle.f(px(p.x)))\" y1=\"\(ChartStyle.f(py(p.lower!)))\" x2=\"\(ChartStyle.f(px(p.x)))\" y2=\"\(ChartStyle.f(py(p.upper!)))\" stroke=\"\(colour)\"/>")
            }
            if s.points.count >= 2 {
                let dash = ChartStyle.dash(index).isEmpty ? "" : " stroke-dasharray=\"\(ChartStyle.dash(index))\""
                body.append("<path d=\"M" + s.points.map { "\(ChartStyle.f(px($0.x))) \(ChartStyle.f(py($0.y)))" }.joined(separator: " L")
                            + "\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.8\"\(dash)/>")
            }
            // Markers tell the series apart in print; a dense curve is told apart by its dash pattern alone.
            if s.points.count <= 30 {
                for p in s.points { body.append(ChartStyle.marker(index, x: px(p.x), y: py(p.y))) }
            }
            let ly = top + 8 + Double(index) * 18, lx = left + plotWidth + 20
            let dash = ChartStyle.dash(index).isEmpty ? "" : " stroke-dasharray=\"\(ChartStyle.dash(index))\""
            body.append("<line x1=\"\(ChartStyle.f(lx))\" y1=\"\(ChartStyle.f(ly))\" x2=\"\(ChartStyle.f(lx + 24))\" y2=\"\(ChartStyle.f(ly))\" stroke=\"\(colour)\" stroke-width=\"1.8\"\(dash)/>")
            body.append(ChartStyle.marker(index, x: lx + 12, y: ly))
            body.append("<text x=\"\(ChartStyle.f(lx + 30))\" y=\"\(ChartStyle.f(ly + 4))\">\(ChartStyle.escape(s.name))</text>")
        }
        return SVGDocument(width: width, height: height, title: title, body: body).text
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// A matrix as shaded cells with their values printed (grey scale: readable in print), e.g. per-class accuracy
/// of each arm.
public struct HeatMap {
    public let title: String
    public let rowLabels: [String], columnLabels: [String]
    /// Rows of values in [0, 1].
    public let values: [[Double]]
    /// Columns to mark (minority classes), by index.
    public let highlightedColumns: Set<Int>
    /// Side of a cell in pixels; values print as two decimals, or as whole percent in small cells.
    public let cellSize: Double

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]], highlightedColumns: Set<Int> = [],
                cellSize: Double = 46) {
        (self.title, self.rowLabels, self.columnLabels, self.values, self.highlightedColumns) = (title, rowLabels, columnLabels, values, highlightedColumns)
        self.cellSize = cellSize
    }

    public var svg: String {
        let left = (rowLabels.map { ChartStyle.width(of: $0) }.max() ?? 40) + 12
        let cell = cellSize, top = 30.0 + (columnLabels.map { ChartStyle.width(of: $0) }.max() ?? 20) * 0.75
        // Column labels are turned 45 degrees: the last one reaches right of the grid by about its width.
        let overhang = (columnLabels.last.map { ChartStyle.width(of: $0) } ?? 0) * 0.75
        let width = max(left + Double(columnLabels.count) * cell + max(10, overhang), ChartStyle.width(of: title) * 1.1 + 10)
        let height = top + Double(rowLabels.count) * cell + 10
        var body: [String] = []
        body.append("<text x=\"4\" y=\"16\" font-weight=\"bold\">\(ChartStyle.escape(title))</text>")
        for (j, label) in columnLabels.enumerated() {
            let x = left + (Double(j) + 0.5) * cell
            let weight = highlightedColumns.contains(j) ? " font-weight=\"bold\"" : ""
            body.append("<text transform=\"translate(\(ChartStyle.f(x + 4)) \(ChartStyle.f(top - 6))) rotate(-45)\"\(weight)>\(ChartStyle.escape(label + (highlightedColumns.contains(j) ? " *" : "")))</text>")
        }
        for (i, label) in rowLabels.enumerated() {
            let y = top + Double(i) * cell
            body.append("<text x=\"\(ChartStyle.f(left - 6))\" y=\"\(ChartStyle.f(y + cell / 2 + 4))\" text-anchor=\"end\">\(ChartStyle.escape(label))</text>")
            for (j, value) in values[i].enumerated() {
                let x = left + Double(j) * cell
                let shade = Int((1 - min(1, max(0, value.isFinite ? value : 0))) * 235) + 20
                let ink = shade < 120 ? "white" : "black"
                body.append("<rect x=\"\(ChartStyle.f(x))\" y=\"\(ChartStyle.f(y))\" width=\"\(ChartStyle.f(cell - 1))\" height=\"\(ChartStyle.f(cell - 1))\" fill=\"rgb(\(shade),\(shade),\(shade))\"/>")
                let text = cell >= 40 ? String(format: "%.2f", value) : String(format: "%.0f", 100 * value)
                body.append("<text x=\"\(ChartStyle.f(x + cell / 2))\" y=\"\(ChartStyle.f(y + cell / 2 + 4))\" text-anchor=\"middle\" fill=\"\(ink)\" font-size=\"\(cell >= 40 ? 11 : 9)\">\(text)</text>")
            }
        }
        return SVGDocument(width: width, height: height, title: title, body: body).text
    }
}

/// A standalone SVG file: its size, a title for screen readers, the elements.
struct SVGDocument {
    let width: Double, height: Double
    let title: String
    let body: [String]

    var text: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width.rounded(.up)))\" height=\"\(Int(height.rounded(.up)))\" "
            + "viewBox=\"0 0 \(Int(width.rounded(.up))) \(Int(height.rounded(.up)))\" \(ChartStyle.font) role=\"img\">\n"
            + "<title>\(ChartStyle.escape(title))</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + body.joined(separator: "\n") + "\n</svg>\n"
    }
}
