import Experiments
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Reporting
import ResultStore
import TestSupport
import XCTest

/// A report rendered from a small real run: every section, every chart valid SVG, every table number the file's.
final class ReportTests: XCTestCase {
    /// Three classes of 28 x 28 images; K = 4 and 6, a cGAN arm at ratios 0.5 and 1, more-real: every section has
    /// something to show. Made once for the tests of this class.
    nonisolated(unsafe) private static var made: (run: String, report: String)?

    private func finishedRun() throws -> (run: String, report: String) {
        if let made = Self.made { return made }
        // Kept for every test of the class (a test's own temporary folder goes when that test ends).
        let folder = Self.sharedFolder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 60, side: 28)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 30, side: 28)
        let text = """
            name: tiny-report
            dataset: \(folder)
            split: {per_class: [4, 6], validation_per_class: 2}
            seeds: 3
            classifier: {steps: 6, evaluate_every: 3, select_best_validation: true, batch_size: 4}
            arms:
              - original
              - traditional
              - gan:
                  gan: {variant: cgan, steps: 4, batch_size: 6, checkpoint_every: 2}
                  sampling: {per_class: 6, classifier_epochs: 2}
                  ratio: [0.5, 1]
              - more-real: {ratio: 1}
            """
        let p = try SettingsFile.decode(ExperimentProtocol.self, yaml: text, path: "tiny.yaml")
        let run = path(folder, "run")
        _ = try ExperimentRunner.run(p, output: run, threads: 1)
        let report = path(folder, "report")
        try ReportWriter.write(RunReport.make(runFolder: run), to: report)
        Self.made = (run, report)
        return (run, report)
    }

    private static let sharedFolder = NSTemporaryDirectory() + "augbench-report-tests-\(getpid())"

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: sharedFolder)
        super.tearDown()
    }

    func testEverySectionIsPresentAndEveryChartIsValidSVG() throws {
        let (_, report) = try finishedRun()
        let html = try String(contentsOfFile: path(report, "index.html"), encoding: .utf8)
        let markdown = try String(contentsOfFile: path(report, "README.md"), encoding: .utf8)
        for (id, title) in [("verdict", "Verdict"), ("budget", "The verdicts against the budget"), ("accuracy", "Accuracy per arm"),
                            ("curves", "Accuracy against K and the synthetic ratio"),
                            ("per-class", "Per-class accuracy"), ("gans", "GAN training and samples"), ("provenance", "Protocol and provenance")] {
            XCTAssertTrue(html.contains("<section id=\"\(id)\">"), id)
            XCTAssertTrue(markdown.contains("## \(title)\n"), title)
        }
        XCTAssertFalse(html.contains("http://") && html.contains("<script"), "no network, no script")
        XCTAssertFalse(html.contains("<script"))
        let files = try FileManager.default.contentsOfDirectory(atPath: report)
        let charts = files.filter { $0.hasSuffix(".svg") }
        for expected in ["accuracy-1.svg", "difference-original-1.svg", "accuracy-vs-k.svg", "accuracy-vs-ratio-k4.svg", "per-class-1.svg",
                         "budget-K_4.svg", "budget-K_6.svg"] {
            XCTAssertTrue(charts.contains(expected), "\(expected) in \(charts.sorted())")
        }
        XCTAssertTrue(charts.contains { $0.hasPrefix("losses-") }, "GAN losses")
        XCTAssertTrue(files.contains { $0.hasPrefix("samples-") && $0.hasSuffix(".png") }, "a sample grid")
        for chart in charts {
            XCTAssertTrue(markdown.contains("](\(chart))"), "README shows \(chart)")
            let data = try XCTUnwrap(FileManager.default.contents(atPath: path(report, chart)))
            let parser = XMLParser(data: data)
            XCTAssertTrue(parser.parse(), "\(chart): \(parser.parserError.map { "\($0)" } ?? "")")
        }
        // The inline copies too, and the PNG grids are embedded.
        let inline = html.components(separatedBy: "<svg ").dropFirst().map { "<svg " + $0.components(separatedBy: "</svg>")[0] + "</svg>" }
        XCTAssertEqual(inline.count, charts.count)
        for svg in inline { XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse()) }
        XCTAssertTrue(html.contains("src=\"data:image/png;base64,"))
    }

    /// Every number of every table, in the CSV (full precision) and the HTML (as shown), is the run file's.
    func testTableNumbersEqualTheRunFile() throws {
        let (run, report) = try finishedRun()
        let file = try HDF5File.open(path(run, "run.h5"))
        defer { file.close() }
        let cellsOrder = try file.root.group("cells").stringArrayAttribute("order")
        let accuracy = try csv(path(report, "accuracy.csv"))
        XCTAssertEqual(accuracy.rows.count, cellsOrder.count)
        for (row, name) in zip(accuracy.rows, cellsOrder) {
            let cell = try file.root.group("cells/\(name)")
            XCTAssertEqual(row[accuracy.column("arm")], try cell.stringAttribute("arm"))
            XCTAssertEqual(Int(row[accuracy.column("K")]), Int(try cell.attribute("per_class", as: Int64.self)))
            XCTAssertEqual(Double(row[accuracy.column("mean")]), try cell.attribute("mean", as: Double.self))
            XCTAssertEqual(Double(row[accuracy.column("sd")]), try cell.attribute("std", as: Double.self))
            let ci = try cell.arrayAttribute("ci95", as: Double.self)
            XCTAssertEqual(Double(row[accuracy.column("CI low")]), ci[0])
            XCTAssertEqual(Double(row[accuracy.column("CI high")]), ci[1])
            XCTAssertEqual(Int(row[accuracy.column("seeds")]), try cell.read("seeds", as: Int64.self).values.count)
        }
        let comparisonsOrder = try file.root.group("comparisons").stringArrayAttribute("order")
        let comparisons = try csv(path(report, "comparisons.csv"))
        XCTAssertEqual(comparisons.rows.count, comparisonsOrder.count)
        XCTAssertGreaterThan(comparisons.rows.count, 4)
        for (row, name) in zip(comparisons.rows, comparisonsOrder) {
            let group = try file.root.group("comparisons/\(name)")
            XCTAssertEqual(row[comparisons.column("baseline")], try group.stringAttribute("baseline"))
            for (column, attribute) in [("difference", "mean_difference"), ("t p", "t_p"), ("Holm p", "holm_p"), ("Wilcoxon p", "wilcoxon_p"),
                                        ("d_z", "cohens_dz"), ("detectable", "detectable_difference"), ("P(improvement)", "probability_of_improvement")] {
                XCTAssertTrue(same(row[comparisons.column(column)], try group.attribute(attribute, as: Double.self)), "\(name) \(column)")
            }
            let interval = try group.arrayAttribute("t_ci95", as: Double.self)
            XCTAssertTrue(same(row[comparisons.column("t CI low")], interval[0]))
            XCTAssertEqual(row[comparisons.column("verdict")], try group.stringAttribute("verdict"))
        }
        // The comparison at fractions of the budget: a row per stored point, in the order of the comparisons.
        let budget = try csv(path(report, "budget.csv"))
        var budgetRows = budget.rows[...]
        for name in comparisonsOrder {
            let group = try file.root.group("comparisons/\(name)")
            let steps = try group.read("budget_step", as: Int64.self).values
            let differences = try group.read("budget_mean_difference", as: Double.self).values
            let intervals = try group.read("budget_ci95", as: Double.self).values
            XCTAssertFalse(steps.isEmpty, name)
            XCTAssertEqual(try group.read("budget_fraction", as: Double.self).values.last, 1)
            for index in steps.indices {
                let row = try XCTUnwrap(budgetRows.popFirst(), "\(name): a row per budget point")
                XCTAssertEqual(Double(row[budget.column("step")]), Double(steps[index]))
                XCTAssertTrue(same(row[budget.column("difference")], differences[index]), "\(name) budget \(index)")
                XCTAssertTrue(same(row[budget.column("t CI low")], intervals[2 * index]))
            }
            // The whole budget's point is the verdict's own difference.
            XCTAssertEqual(differences.last!, try group.attribute("mean_difference", as: Double.self), accuracy: 1e-12)
        }
        XCTAssertTrue(budgetRows.isEmpty)
        let quality = try csv(path(report, "gan_quality.csv"))
        let groups = try file.root.group("gan_quality").memberNames()
        XCTAssertEqual(quality.rows.count, groups.count)
        for row in quality.rows {
            let name = row[quality.column("samples")].replacingOccurrences(of: " ", with: "_")
            let group = try file.root.group("gan_quality/\(name)")
            XCTAssertEqual(Double(row[quality.column("FID")]), try group.attribute("fid_mean", as: Double.self))
            XCTAssertEqual(Double(row[quality.column("precision")]), try group.attribute("precision_mean", as: Double.self))
        }
        let perClass = try csv(path(report, "per_class_accuracy.csv"))
        XCTAssertEqual(perClass.rows.count, cellsOrder.count)
        for row in perClass.rows {
            let name = try XCTUnwrap(cellsOrder.first { $0.replacingOccurrences(of: "_", with: " ") == row[0] }, row[0])
            let values = try file.root.group("cells/\(name)").read("per_class_accuracy", as: Double.self)
            let classes = values.shape[1], seeds = values.shape[0]
            for c in 0..<classes {
                let mean = (0..<seeds).map { values.values[$0 * classes + c] }.reduce(0, +) / Double(seeds)
                XCTAssertEqual(try XCTUnwrap(Double(row[1 + c])), mean, accuracy: 1e-15)
            }
        }
        // The filter counts of each sample set are its file's.
        let plan = try ExperimentPlan(JSONDecoder().decode(ExperimentProtocol.self, from: Data(try file.root.stringAttribute("protocol").utf8)))
        var countTables = 0
        for unit in plan.units where unit.kind == .samples {
            let name = "filter_counts_" + String(unit.id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
            guard FileManager.default.fileExists(atPath: path(report, "\(name).csv")) else { continue }
            countTables += 1
            let table = try csv(path(report, "\(name).csv"))
            let samples = try HDF5File.open(path(run, "units/\(unit.id).h5"))
            defer { samples.close() }
            let rejections = try samples.root.read("rejections", as: Int64.self)
            let kept = try samples.root.read("labels", as: Int64.self).values
            for (c, row) in table.rows.enumerated() {
                for r in 0..<rejections.shape[0] {
                    XCTAssertEqual(Int64(row[2 + r]), rejections.values[r * rejections.shape[1] + c], "\(name) class \(c) row \(r)")
                }
                XCTAssertEqual(Int(row[table.column("kept")]), kept.filter { $0 == Int64(c) }.count)
            }
        }
        XCTAssertGreaterThan(countTables, 0)
        // The HTML shows each CSV number rounded to the decimals it prints.
        let html = try String(contentsOfFile: path(report, "index.html"), encoding: .utf8)
        for table in ["accuracy", "comparisons", "gan_quality", "per_class_accuracy", "real_image_equivalent"] {
            let shown = htmlRows(html, table: table)
            let written = try csv(path(report, "\(table).csv")).rows
            XCTAssertEqual(shown.count, written.count, table)
            XCTAssertGreaterThan(shown.count, 0, table)
            for (htmlRow, csvRow) in zip(shown, written) {
                XCTAssertEqual(htmlRow.count, csvRow.count, table)
                for (text, value) in zip(htmlRow, csvRow) {
                    guard let exact = Double(value), text != "-" else {
                        if Double(value) == nil && !value.isEmpty { XCTAssertEqual(text, value.replacingOccurrences(of: "\"", with: ""), table) }
                        continue
                    }
                    let decimals = text.split(separator: ".").count == 2 ? text.split(separator: ".")[1].count : 0
                    let shownValue = try XCTUnwrap(Double(text), "\(table): '\(text)'")
                    XCTAssertEqual(shownValue, exact, accuracy: 0.5 * pow(10, -Double(decimals)) + 1e-12, "\(table): \(text) vs \(value)")
                }
            }
        }
    }

    /// Headless Chromium opens the page without console errors and takes its screenshot.
    func testThePageOpensInHeadlessChromium() throws {
        let (_, report) = try finishedRun()
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("chromium is not installed (scripts/install-dependencies.sh installs it)")
        }
        let screenshot = path(report, "screenshot.png")
        let result = try ProcessRunner.run("/usr/bin/timeout", ["120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
                                                      "--v=0", "--window-size=1200,1600", "--screenshot=\(screenshot)",
                                                      "file://\(path(report, "index.html"))"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let console = result.standardError.split(separator: "\n").filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
        XCTAssertEqual(console, [], "console messages")
        let png = try XCTUnwrap(FileManager.default.contents(atPath: screenshot))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertGreaterThan(png.count, 20_000, "a page, not a blank")
    }

    /// A run compared with itself: every cell and verdict equal, the charts valid.
    func testComparingTwoRuns() throws {
        let (run, _) = try finishedRun()
        let output = path(Self.sharedFolder, "compare")
        try ReportWriter.write(RunComparison.make(run, run), to: output)
        let markdown = try String(contentsOfFile: path(output, "README.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("Every comparison has the same verdict in both runs."), markdown)
        XCTAssertTrue(markdown.contains("The two runs ran the same protocol"))
        let table = try csv(path(output, "accuracy_a_b.csv"))
        XCTAssertEqual(table.rows.count, try RunResults.read(path(run, "run.h5")).cells.count)
        for row in table.rows {
            XCTAssertEqual(row[table.column("mean A")], row[table.column("mean B")])
            XCTAssertEqual(Double(row[table.column("B - A")]), 0)
        }
        XCTAssertTrue(XMLParser(data: try XCTUnwrap(FileManager.default.contents(atPath: path(output, "accuracy-a-b.svg")))).parse())
    }

    func testRoundTicks() {
        XCTAssertEqual(NiceScale(covering: 0.612, 0.771).ticks, [0.6, 0.65, 0.7, 0.75, 0.8].map { $0 })
        XCTAssertEqual(NiceScale(covering: 0.612, 0.771).label(0.65), "0.65")
        XCTAssertEqual(NiceScale(covering: -0.1087, 0.1164).ticks, [-0.2, -0.1, 0, 0.1, 0.2])
        XCTAssertEqual(NiceScale(covering: 3, 97).ticks, [0, 25, 50, 75, 100])
        XCTAssertEqual(NiceScale(covering: 3, 97).label(25), "25")
        XCTAssertEqual(NiceScale(covering: 0.5, 0.5).ticks.count > 1, true, "a single value still gets an axis")
    }

    // MARK: Helpers

    /// A CSV field holds the value exactly; NaN (a statistic that is undefined, e.g. every seed tied) is empty.
    private func same(_ field: String, _ value: Double) -> Bool {
        value.isNaN ? field.isEmpty : Double(field) == value
    }

    private struct CSV {
        let header: [String]
        let rows: [[String]]
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
    }

    /// Our CSV: a field is quoted only when it holds a comma or quote.
    private func csv(_ file: String) throws -> CSV {
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        func fields(_ line: String) -> [String] {
            var result: [String] = [], current = "", quoted = false
            var characters = Array(line)[...]
            while let c = characters.popFirst() {
                if c == "\"" {
                    if quoted && characters.first == "\"" { current.append("\""); characters.removeFirst() } else { quoted.toggle() }
                } else if c == "," && !quoted {
                    result.append(current); current = ""
                } else {
                    current.append(c)
                }
            }
            return result + [current]
        }
        return CSV(header: fields(lines[0]), rows: lines.dropFirst().map(fields))
    }

    /// The cell texts of an HTML table's body rows.
    private func htmlRows(_ html: String, table: String) -> [[String]] {
        guard let start = html.range(of: "<table id=\"table-\(table)\">"), let end = html.range(of: "</table>", range: start.upperBound..<html.endIndex)
        else { return [] }
        let body = html[start.upperBound..<end.lowerBound].components(separatedBy: "<tbody>").last ?? ""
        return body.components(separatedBy: "<tr>").dropFirst().map { row in
            row.components(separatedBy: "<td").dropFirst().map { cell in
                let text = cell.components(separatedBy: ">").dropFirst().joined(separator: ">").components(separatedBy: "</td")[0]
                return text.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<")
                    .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            }
        }
    }
}
