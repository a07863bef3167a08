import Experiments
import Foundation
import ResultStore

/// Two finished runs side by side (two GAN variants, two machines, two versions): the same cells' accuracies, the
/// verdicts of the same comparisons, the GAN quality tables and where each run came from.
public enum RunComparison {
    public static func make(_ first: String, _ second: String, command: String? = nil) throws -> Report {
        let runs = try [first, second].map { folder -> (name: String, results: RunResults, version: String) in
            let file = (folder as NSString).appendingPathComponent("run.h5")
            guard FileManager.default.fileExists(atPath: file) else {
                throw ExperimentError("\(folder): no run.h5 (the run is not finished: run it again, or `augbench merge` its shards)")
            }
            let h5 = try HDF5File.open(file)
            let version = (try? h5.root.stringAttribute("augbench_version")) ?? "unknown"
            h5.close()
            return ((folder as NSString).lastPathComponent, try RunResults.read(file), version)
        }
        let (a, b) = (runs[0], runs[1])
        let names = a.name == b.name ? ["A: \(first)", "B: \(second)"] : ["A: \(a.name)", "B: \(b.name)"]
        let sameProtocol = a.results.protocolText == b.results.protocolText

        // Cells by label, in A's order then B's new ones.
        var labels = a.results.cells.map(\.label)
        for cell in b.results.cells where !labels.contains(cell.label) { labels.append(cell.label) }
        func cell(_ run: RunResults, _ label: String) -> RunResults.Cell? { run.cells.first { $0.label == label } }
        var rows: [ForestPlot.Row] = [], table: [[Table.Value]] = []
        for label in labels {
            let (x, y) = (cell(a.results, label), cell(b.results, label))
            for (tag, c) in [("A", x), ("B", y)] {
                guard let c else { continue }
                rows.append(ForestPlot.Row(label: "\(label) (\(tag))", value: c.mean, interval: c.interval.map { ($0.lower, $0.upper) }, dots: c.accuracies))
            }
            let overlap: String
            if let i = x?.interval, let j = y?.interval { overlap = i.upper < j.lower || j.upper < i.lower ? "no" : "yes" } else { overlap = "-" }
            table.append([.text(label), .number(x?.mean ?? .nan, decimals: 4), .number(y?.mean ?? .nan, decimals: 4),
                          .number((y?.mean ?? .nan) - (x?.mean ?? .nan), decimals: 4), x.map { .integer($0.seeds.count) } ?? .text("-"),
                          y.map { .integer($0.seeds.count) } ?? .text("-"), .text(overlap)])
        }
        var summary: [String] = [
            "\(names[0]): AugBench \(a.version), protocol SHA-256 `\(CanonicalSettings.checksum(a.results.protocolText))`.",
            "\(names[1]): AugBench \(b.version), protocol SHA-256 `\(CanonicalSettings.checksum(b.results.protocolText))`.",
            sameProtocol ? "The two runs ran the same protocol: differences come from the machine, the thread count or the version."
                : "The protocols differ (see the last section): cells with the same label are compared as they are.",
        ]
        if let command { summary.append("Made by `\(command)`.") }
        let accuracy = Report.Section(title: "Accuracy side by side", id: "accuracy", blocks: [
            .chart(name: "accuracy-a-b", svg: ForestPlot(title: "Test accuracy, A and B", axisLabel: "test accuracy", rows: rows, reference: nil).svg),
            .table(Table(name: "accuracy_a_b", columns: ["cell", "mean A", "mean B", "B - A", "seeds A", "seeds B", "intervals overlap"], rows: table)),
        ])
        var verdictRows: [[Table.Value]] = []
        var comparisonNames = a.results.comparisons.map(\.name)
        for c in b.results.comparisons where !comparisonNames.contains(c.name) { comparisonNames.append(c.name) }
        for name in comparisonNames {
            let (x, y) = (a.results.comparisons.first { $0.name == name }, b.results.comparisons.first { $0.name == name })
            verdictRows.append([.text(name.replacingOccurrences(of: "_", with: " ")), .number(x?.meanDifference ?? .nan, decimals: 4),
                                .number(y?.meanDifference ?? .nan, decimals: 4), .number(x?.holmP ?? .nan, decimals: 4), .number(y?.holmP ?? .nan, decimals: 4),
                                .text(x?.verdict ?? "-"), .text(y?.verdict ?? "-")])
        }
        let changed = verdictRows.filter { $0[5] != $0[6] }.count
        let verdicts = Report.Section(title: "Verdicts side by side", id: "verdicts", blocks: [
            .paragraph(changed == 0 ? "Every comparison has the same verdict in both runs." : "\(changed) comparison\(changed == 1 ? " has" : "s have") another verdict in B than in A."),
            .table(Table(name: "verdicts_a_b", columns: ["comparison", "difference A", "difference B", "Holm p A", "Holm p B", "verdict A", "verdict B"],
                         rows: verdictRows)),
        ])
        var qualityRows: [[Table.Value]] = []
        for (tag, run) in [("A", a.results), ("B", b.results)] {
            for q in run.quality {
                let head: [Table.Value] = [.text(tag), .text(q.name.replacingOccurrences(of: "_", with: " ")), .text(q.arms.joined(separator: ", "))]
                let metrics: [Table.Value] = ["fid", "kid_mean", "precision", "recall", "density", "coverage"].map { name in
                    .number(q.mean(name) ?? .nan, decimals: name == "fid" ? 2 : 4)
                }
                qualityRows.append(head + metrics + [.number(q.casMean ?? .nan, decimals: 4)])
            }
        }
        let quality = Report.Section(title: "GAN quality side by side", id: "gans", blocks: qualityRows.isEmpty
            ? [.paragraph("Neither run has GAN samples.")]
            : [.table(Table(name: "gan_quality_a_b", columns: ["run", "samples", "arms", "FID", "KID", "precision", "recall", "density", "coverage", "CAS"],
                            rows: qualityRows))])
        var protocolBlocks: [Report.Block] = [.code(prettyJSON(a.results.protocolText))]
        if !sameProtocol { protocolBlocks = [.paragraph("A:"), .code(prettyJSON(a.results.protocolText)), .paragraph("B:"), .code(prettyJSON(b.results.protocolText))] }
        return Report(title: "AugBench comparison: \(names[0]) and \(names[1])", sections: [
            Report.Section(title: "The two runs", id: "runs", blocks: [.list(summary)]), accuracy, verdicts, quality,
            Report.Section(title: "Protocol", id: "protocol", blocks: protocolBlocks),
        ])
    }
}
