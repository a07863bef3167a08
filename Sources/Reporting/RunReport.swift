import Classifiers
import Datasets
import Experiments
import Foundation
import Metrics
import ResultStore
import Sampling

/// The report of one finished run folder: built only from the folder's files (run.h5, protocol.json, the unit
/// files, timings.csv), so it can be made on another machine than the run and every number equals the file's.
public enum RunReport {
    /// Arms a full study has; the verdict lists those a protocol did not try.
    static let studyArms = ["original", "traditional", "gan", "gan+traditional", "synthetic-only", "more-real", "mixup", "cutmix"]

    /// `command`: how the report was made, shown in its provenance ("augbench report runs/quick --output ...").
    public static func make(runFolder: String, command: String? = nil) throws -> Report {
        let runFile = (runFolder as NSString).appendingPathComponent("run.h5")
        guard FileManager.default.fileExists(atPath: runFile) else {
            throw ExperimentError("\(runFolder): no run.h5 (the run is not finished: run it again, or `augbench merge` its shards)")
        }
        let results = try RunResults.read(runFile)
        let p = try JSONDecoder().decode(ExperimentProtocol.self, from: Data(results.protocolText.utf8))
        let plan = try ExperimentPlan(p)
        let run = Folder(path: runFolder, results: results, protocol: p, plan: plan, command: command)
        return Report(title: "AugBench report: \(p.name)", sections: [
            try run.verdictSection(), run.budgetSection(), run.accuracySection(), run.curvesSection(), try run.perClassSection(), try run.ganSection(),
            try run.provenanceSection(),
        ])
    }

    struct Folder {
        let path: String
        let results: RunResults
        let `protocol`: ExperimentProtocol
        let plan: ExperimentPlan
        let command: String?

        func file(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }

        /// Cells grouped by K and classifier setting: what one forest plot shows.
        var groups: [(title: String, cells: [RunResults.Cell])] {
            var order: [String] = [], byKey: [String: [RunResults.Cell]] = [:]
            for cell in results.cells {
                let key = "K=\(cell.perClass)" + (cell.classifierSetting.isEmpty ? "" : ", \(cell.classifierSetting)")
                if byKey[key] == nil { order.append(key) }
                byKey[key, default: []].append(cell)
            }
            return order.map { ($0, byKey[$0]!) }
        }

        var seedCount: Int { results.cells.map(\.seeds.count).max() ?? 0 }

        // MARK: 1. Verdict

        func verdictSection() throws -> Report.Section {
            var blocks: [Report.Block] = []
            let headline = results.comparisons.filter { ["gan", "gan+traditional"].contains(ExperimentPlan.armKind($0.arm)) && $0.baseline == "original" }
            if headline.isEmpty {
                blocks.append(.paragraph("The protocol has no GAN arm compared with `original`: no verdict on GAN augmentation."))
            } else {
                blocks.append(.paragraph("**Does GAN augmentation help?** Each GAN arm against `original` over the same seeds (difference of mean "
                                         + "test accuracy, 95% t interval, Holm-adjusted p over all \(results.comparisons.first?.familySize ?? 0) comparisons of the run):"))
                blocks.append(.list(headline.map(withCaveats)))
                let count = { (verdict: String) in headline.filter { $0.verdict.hasPrefix(verdict) }.count }
                blocks.append(.paragraph("In plain words: of \(headline.count) comparison\(headline.count == 1 ? "" : "s") of a GAN arm with `original`, "
                                         + "\(count("helps")) found that it helps, \(count("hurts")) that it hurts, and \(count("no detectable")) "
                                         + "found no difference that \(seedCount) seeds could detect."))
            }
            let others = results.comparisons.filter { c in !headline.contains { $0.name == c.name } }
            if !others.isEmpty {
                blocks.append(.paragraph("Every other comparison:"))
                blocks.append(.list(others.map(withCaveats)))
            }
            var caveats: [String] = []
            caveats.append("\(seedCount) seeds per arm, paired: one seed fixes the split, the initialisation and the sampling of every arm.")
            if let detectable = results.comparisons.filter({ $0.baseline == "original" && $0.measure == "accuracy" }).map(\.detectableDifference).min(),
               detectable.isFinite {
                caveats.append(String(format: "With these seeds a difference from original smaller than about %.4f (accuracy) could not be detected "
                                      + "at 80%% power and the run's Holm level; more seeds narrow it (see `seeds for 80%%` in the table).", detectable))
            }
            let tried = Set(results.cells.map(\.kind))
            let missing = studyArms.filter { !tried.contains($0) }
            if !missing.isEmpty { caveats.append("Not tried in this protocol: " + missing.map { "`\($0)`" }.joined(separator: ", ") + ".") }
            if !tried.contains("more-real") { caveats.append("Without a `more-real` arm the real-image equivalent of synthetic images is not measured.") }
            caveats.append("Selection on validation, report on test: each classifier is tested with its best-validation weights after the same number of optimizer steps in every arm.")
            blocks.append(.paragraph("**Caveats.**"))
            blocks.append(.list(caveats))
            blocks.append(.table(comparisonTable))
            return Report.Section(title: "Verdict", id: "verdict", blocks: blocks)
        }

        /// A comparison's sentence, followed by its caveats (an arm still improving when its budget ended).
        func withCaveats(_ comparison: RunResults.Comparison) -> String {
            ([comparison.sentence] + comparison.caveats.map { "(\($0))" }).joined(separator: " ")
        }

        // MARK: 2. The verdicts against the budget

        /// Each comparison had every arm stopped at 1/8, 1/4, 1/2 and all of the budget: a chart per K and classifier
        /// setting of the comparisons with `original` on the headline measure, and a table of every comparison.
        func budgetSection() -> Report.Section {
            let withBudget = results.comparisons.filter { !$0.budget.isEmpty }
            guard !withBudget.isEmpty else {
                return Report.Section(title: "The verdicts against the budget", id: "budget", blocks: [.paragraph(
                    "This run's classifier files hold no budget curves (they were written before AugBench recorded them).")])
            }
            var blocks: [Report.Block] = [.paragraph(
                "The paired difference (95% t interval) had every arm stopped at 1/8, 1/4, 1/2 and all of its step budget, each "
                + "arm with the weights it would have reported there (the last evaluation at or before that step); a difference "
                + "that still moves at the end of the budget depends on it. Arms whose validation accuracy was still rising over "
                + "the last quarter of the budget: "
                + (stillImproving.isEmpty ? "none." : stillImproving.joined(separator: ", ") + "."))]
            let headlineMeasure = withBudget.contains { $0.measure != "accuracy" } ? "minority-class accuracy" : "accuracy"
            for (title, cells) in groups {
                let names = Set(cells.map(\.name))
                let shown = withBudget.filter { $0.baseline == "original" && $0.measure == headlineMeasure && names.contains($0.cell) }
                guard !shown.isEmpty else { continue }
                let series = shown.map { c in
                    LineChart.Series(name: label(of: c.cell), points: c.budget.map {
                        LineChart.Point(x: Double($0.step), y: $0.meanDifference, lower: $0.interval?.lower, upper: $0.interval?.upper)
                    })
                }
                blocks.append(.chart(name: "budget-\(fileSafe(title))", svg: LineChart(
                    title: "Difference from original against the budget (\(title))", xLabel: "optimizer steps",
                    yLabel: "\(headlineMeasure) difference", series: series).svg))
            }
            blocks.append(.table(Table(name: "budget", columns: ["arm", "baseline", "measure", "fraction", "step", "difference", "t CI low", "t CI high"],
                                       rows: withBudget.flatMap { c in
                                           c.budget.map { point in
                                               [.text(label(of: c.cell)), .text(c.baseline), .text(c.measure), .number(point.fraction, decimals: 3),
                                                .number(Double(point.step), decimals: 0), .number(point.meanDifference, decimals: 4),
                                                .number(point.interval?.lower ?? .nan, decimals: 4), .number(point.interval?.upper ?? .nan, decimals: 4)]
                                           }
                                       })))
            return Report.Section(title: "The verdicts against the budget", id: "budget", blocks: blocks)
        }

        /// "traditional K=10 (4 of 4 seeds, at 100 steps)" for each cell still improving when its budget ended.
        var stillImproving: [String] {
            results.cells.filter { $0.convergence == "still improving" }.map {
                "\($0.label) (\($0.stillImprovingSeeds) of \($0.seeds.count) seeds, at \($0.budgetSteps) steps)"
            }
        }

        var comparisonTable: Table {
            Table(name: "comparisons", columns: ["arm", "baseline", "measure", "difference", "t CI low", "t CI high", "bootstrap CI low",
                                                 "bootstrap CI high", "t p", "Holm p", "Wilcoxon p", "d_z", "seeds for 80%", "detectable",
                                                 "P(improvement)", "verdict"],
                  rows: results.comparisons.map { c in
                      [.text(label(of: c.cell)), .text(c.baseline), .text(c.measure), .number(c.meanDifference, decimals: 4),
                       .number(c.tInterval?.lower ?? .nan, decimals: 4), .number(c.tInterval?.upper ?? .nan, decimals: 4),
                       .number(c.bootstrapInterval?.lower ?? .nan, decimals: 4), .number(c.bootstrapInterval?.upper ?? .nan, decimals: 4),
                       .number(c.tP, decimals: 4), .number(c.holmP, decimals: 4), .number(c.wilcoxonP, decimals: 4),
                       .number(c.cohensDz, decimals: 2), c.seedsFor80PercentPower.map { .integer($0) } ?? .text("-"),
                       .number(c.detectableDifference, decimals: 4), .number(c.probabilityOfImprovement, decimals: 2), .text(c.verdict)]
                  })
        }

        func label(of cellName: String) -> String { results.cell(named: cellName)?.label ?? cellName }

        // MARK: 3. Accuracy per arm and paired differences

        func accuracySection() -> Report.Section {
            var blocks: [Report.Block] = [.paragraph("Mean test accuracy over the seeds with its 95% t interval; the dashed line is `original`. "
                                                     + "Then each arm's paired difference from `original` (and `traditional`): the point is the "
                                                     + "mean difference with its t interval, the small circles each seed's difference.")]
            for (index, group) in groups.enumerated() {
                let original = group.cells.first { $0.arm == "original" }
                blocks.append(.chart(name: "accuracy-\(index + 1)", svg: ForestPlot(
                    title: "Test accuracy, \(group.title)", axisLabel: "test accuracy",
                    rows: group.cells.map { ForestPlot.Row(label: rowLabel($0), value: $0.mean, interval: $0.interval.map { ($0.lower, $0.upper) }, dots: $0.accuracies) },
                    reference: original.map { ($0.mean, "original") }).svg))
                for baseline in ["original", "traditional"] {
                    let comparisons = results.comparisons.filter { c in
                        c.baseline == baseline && c.measure == "accuracy" && group.cells.contains { $0.name == c.cell }
                    }
                    guard !comparisons.isEmpty else { continue }
                    blocks.append(.chart(name: "difference-\(baseline)-\(index + 1)", svg: ForestPlot(
                        title: "Paired difference from \(baseline), \(group.title)", axisLabel: "test accuracy - \(baseline)",
                        rows: comparisons.compactMap { c in
                            guard let cell = results.cell(named: c.cell), let base = results.cell(named: c.baselineCell) else { return nil }
                            return ForestPlot.Row(label: rowLabel(cell), value: c.meanDifference, interval: c.tInterval.map { ($0.lower, $0.upper) },
                                                  dots: zip(cell.accuracies, base.accuracies).map { $0 - $1 })
                        }, reference: (0, "no difference")).svg))
                }
            }
            blocks.append(.table(Table(name: "accuracy", columns: ["arm", "K", "classifier setting", "ratio", "seeds", "mean", "sd", "CI low", "CI high"],
                                       rows: results.cells.map { c in
                                           [.text(c.arm), .integer(c.perClass), .text(c.classifierSetting), c.ratio.map { .number($0, decimals: 2) } ?? .text("-"),
                                            .integer(c.seeds.count), .number(c.mean, decimals: 4), .number(c.std, decimals: 4),
                                            .number(c.interval?.lower ?? .nan, decimals: 4), .number(c.interval?.upper ?? .nan, decimals: 4)]
                                       })))
            return Report.Section(title: "Accuracy per arm", id: "accuracy", blocks: blocks)
        }

        func rowLabel(_ cell: RunResults.Cell) -> String { cell.arm + (cell.ratio.map { " r=\(ExperimentPlan.format($0))" } ?? "") }

        // MARK: 4. Curves over K and r, the real-image equivalent, the crossover

        func curvesSection() -> Report.Section {
            var blocks: [Report.Block] = []
            let ks = Array(Set(results.cells.map(\.perClass))).sorted()
            let settings = Array(Set(results.cells.map(\.classifierSetting))).sorted()
            for setting in settings {
                let cells = results.cells.filter { $0.classifierSetting == setting }
                let suffix = setting.isEmpty ? "" : " (\(setting))"
                if ks.count > 1 {
                    // One series per arm; an arm with ratios at its ratio 1 (or its first).
                    var series: [LineChart.Series] = []
                    for arm in orderedArms(cells) {
                        let armCells = cells.filter { $0.arm == arm }
                        let ratios = Set(armCells.compactMap(\.ratio))
                        let chosen = ratios.isEmpty ? nil : (ratios.contains(1) ? 1 : ratios.min())
                        let points = armCells.filter { $0.ratio == chosen }.map { LineChart.Point(x: Double($0.perClass), y: $0.mean, lower: $0.interval?.lower, upper: $0.interval?.upper) }
                        series.append(LineChart.Series(name: arm + (chosen.map { " r=\(ExperimentPlan.format($0))" } ?? ""), points: points))
                    }
                    blocks.append(.chart(name: "accuracy-vs-k\(setting.isEmpty ? "" : "-" + fileSafe(setting))", svg: LineChart(
                        title: "Test accuracy against K\(suffix)", xLabel: "real training images per class (K, log scale)", yLabel: "test accuracy",
                        series: series, logarithmicX: true).svg))
                    blocks += crossover(cells, ks: ks)
                }
                for k in ks {
                    let atK = cells.filter { $0.perClass == k }
                    let swept = atK.filter { $0.ratio != nil }
                    guard Set(swept.compactMap(\.ratio)).count > 1, let original = atK.first(where: { $0.arm == "original" }) else { continue }
                    let start = LineChart.Point(x: 0, y: original.mean, lower: original.interval?.lower, upper: original.interval?.upper)
                    var series: [LineChart.Series] = []
                    for arm in orderedArms(swept) {
                        let points = swept.filter { $0.arm == arm }.map { LineChart.Point(x: $0.ratio!, y: $0.mean, lower: $0.interval?.lower, upper: $0.interval?.upper) }
                        guard points.count > 1 || arm == "more-real" else { continue }
                        series.append(LineChart.Series(name: arm, points: [start] + points))
                    }
                    blocks.append(.chart(name: "accuracy-vs-ratio-k\(k)\(setting.isEmpty ? "" : "-" + fileSafe(setting))", svg: LineChart(
                        title: "Test accuracy against the ratio r at K=\(k)\(suffix)", xLabel: "extra images per class / K (r; 0 = original)",
                        yLabel: "test accuracy", series: series).svg))
                }
            }
            if !results.equivalents.isEmpty {
                blocks.append(.paragraph("**Real-image equivalent.** Where each gan arm's mean accuracy meets the curve through `original` and the "
                                         + "`more-real` points at its K: how many real images per class its synthetic images are worth, with a "
                                         + "bootstrap interval over seeds."))
                blocks.append(.list(results.equivalents.map(\.sentence)))
                blocks.append(.table(Table(name: "real_image_equivalent",
                                           columns: ["cell", "synthetic per class", "real per class", "real per synthetic image", "CI low", "CI high", "bound"],
                                           rows: results.equivalents.map { e in
                                               [.text(e.name.replacingOccurrences(of: "_", with: " ")), .number(e.syntheticPerClass, decimals: 0),
                                                .number(e.realPerClass, decimals: 1), .number(e.realPerSyntheticImage, decimals: 3),
                                                .number(e.interval?.lower ?? .nan, decimals: 1), .number(e.interval?.upper ?? .nan, decimals: 1), .text(e.bound)]
                                           })))
            }
            if blocks.isEmpty {
                blocks.append(.paragraph("One K and no ratio sweep: no curves (give `per_class` or a gan arm's `ratio` as a list)."))
            }
            return Report.Section(title: "Accuracy against K and the synthetic ratio", id: "curves", blocks: blocks)
        }

        /// The sentence a paper quotes: up to which K GAN augmentation helped, from the verdicts per K.
        func crossover(_ cells: [RunResults.Cell], ks: [Int]) -> [Report.Block] {
            var sentences: [String] = []
            for arm in orderedArms(cells) where ["gan", "gan+traditional"].contains(ExperimentPlan.armKind(arm)) {
                let verdicts: [(k: Int, verdict: String)] = ks.compactMap { k in
                    let cell = cells.filter { $0.arm == arm && $0.perClass == k }.min { abs(($0.ratio ?? 1) - 1) < abs(($1.ratio ?? 1) - 1) }
                    guard let cell, let c = results.comparisons.first(where: { $0.cell == cell.name && $0.baseline == "original" && $0.measure == "accuracy" })
                    else { return nil }
                    return (k, c.verdict)
                }
                guard !verdicts.isEmpty else { continue }
                let helped = verdicts.filter { $0.verdict == "helps" }.map(\.k)
                let list = verdicts.map { "K=\($0.k): \($0.verdict)" }.joined(separator: "; ")
                if helped.isEmpty {
                    sentences.append("`\(arm)` did not detectably help at any K tried (\(list)).")
                } else if let last = helped.max(), let next = ks.first(where: { $0 > last }) {
                    sentences.append("`\(arm)` helped up to K=\(last) and not from K=\(next) on: the crossover lies between \(last) and \(next) "
                                     + "real images per class, within the resolution of the K tried (\(list)).")
                } else {
                    sentences.append("`\(arm)` helped at every K up to the largest tried (\(list)): no crossover within the K tried.")
                }
            }
            return sentences.isEmpty ? [] : [.paragraph("**Crossover.**"), .list(sentences)]
        }

        func orderedArms(_ cells: [RunResults.Cell]) -> [String] {
            cells.map(\.arm).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        }

        func fileSafe(_ text: String) -> String {
            String(text.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
        }

        // MARK: 5. Per-class accuracy

        func perClassSection() throws -> Report.Section {
            let classifier = plan.units.first { $0.kind == .classifier }
            let names = try classifier.map { try TrainingRunFile.classNames(file("units/\($0.id).h5")) } ?? []
            let minority = Set(`protocol`.split.minority.keys)
            var blocks: [Report.Block] = [.paragraph("Mean test accuracy of each class over the seeds (darker is higher)"
                                                     + (minority.isEmpty ? "." : "; minority classes marked *."))]
            var rows: [[Table.Value]] = []
            for (index, group) in groups.enumerated() {
                let cells = group.cells.filter { !$0.perClassAccuracies.isEmpty }
                guard let classes = cells.first?.perClassAccuracies.first?.count else { continue }
                let columns = (0..<classes).map { $0 < names.count ? names[$0] : "class \($0)" }
                let means = cells.map { cell in (0..<classes).map { c in cell.perClassAccuracies.map { $0[c] }.reduce(0, +) / Double(cell.perClassAccuracies.count) } }
                blocks.append(.chart(name: "per-class-\(index + 1)", svg: HeatMap(
                    title: "Per-class test accuracy, \(group.title)", rowLabels: cells.map(rowLabel), columnLabels: columns, values: means,
                    highlightedColumns: minority).svg))
                for (cell, mean) in zip(cells, means) {
                    rows.append([.text(cell.label)] + mean.map { .number($0, decimals: 4) })
                }
            }
            blocks += try confusionMatrices(names: names)
            if let classes = results.cells.first?.perClassAccuracies.first?.count {
                blocks.append(.table(Table(name: "per_class_accuracy",
                                           columns: ["cell"] + (0..<classes).map { $0 < names.count ? names[$0] : "class \($0)" }, rows: rows)))
            }
            return Report.Section(title: "Per-class accuracy", id: "per-class", blocks: blocks)
        }

        /// Each arm's test confusion matrix, summed over its seeds and normalised per true class (a row sums to 100%).
        func confusionMatrices(names: [String]) throws -> [Report.Block] {
            var blocks: [Report.Block] = []
            let minority = Set(`protocol`.split.minority.keys)
            // The units of each cell, in the order the plan first names the cell.
            var order: [String] = [], byCell: [String: [PlannedUnit]] = [:]
            for unit in plan.units where unit.kind == .classifier {
                let key = "\(unit.arm ?? "")|\(unit.perClass)|\(unit.classifierSetting)|\(unit.ratio ?? -1)"
                if byCell[key] == nil { order.append(key) }
                byCell[key, default: []].append(unit)
            }
            for unitGroup in order.map({ byCell[$0]! }) {
                var total: [[Int]] = []
                for unit in unitGroup {
                    let matrix = try TrainingRunFile.confusionMatrix(file("units/\(unit.id).h5"), seed: unit.seed)
                    total = total.isEmpty ? matrix : zip(total, matrix).map { zip($0, $1).map(+) }
                }
                guard !total.isEmpty else { continue }
                let rows = total.map { row in row.map { Double($0) / Double(max(1, row.reduce(0, +))) } }
                let unit = unitGroup[0]
                let title = ExperimentPlan.cellLabel(arm: unit.arm ?? "", perClass: unit.perClass, classifierSetting: unit.classifierSetting,
                                                     ratio: unit.ratio)
                let labels = (0..<rows.count).map { $0 < names.count ? names[$0] : "class \($0)" }
                blocks.append(.chart(name: "confusion-\(fileSafe(title))", svg: HeatMap(
                    title: "Confusion, \(title) (rows: true class; % of its test images; \(unitGroup.count) seeds)", rowLabels: labels,
                    columnLabels: labels, values: rows, highlightedColumns: minority, cellSize: 30).svg))
            }
            return blocks
        }

        // MARK: 6. GAN training and samples

        func ganSection() throws -> Report.Section {
            guard !results.quality.isEmpty || plan.units.contains(where: { $0.kind == .gan }) else {
                return Report.Section(title: "GAN training and samples", id: "gans", blocks: [.paragraph("No GAN in this protocol.")])
            }
            var blocks: [Report.Block] = []
            if !results.quality.isEmpty {
                blocks.append(.paragraph("Each sample set against the real test set (the embedded extractor unless the protocol names another), "
                                         + "mean over seeds, next to the floor: 10,000 real training images against the same test set. CAS: "
                                         + "the synthetic-only arm's test accuracy."))
                let metrics = ["fid", "kid_mean", "inception_score_mean", "precision", "recall", "density", "coverage"]
                blocks.append(.table(Table(name: "gan_quality", columns: ["samples", "arms", "seeds", "FID", "KID", "IS", "precision", "recall", "density", "coverage", "CAS"],
                                           rows: results.quality.map { q in
                                               [.text(q.name.replacingOccurrences(of: "_", with: " ")), .text(q.arms.joined(separator: ", ")), .integer(q.seeds.count)]
                                                   + metrics.map { .number(q.mean($0) ?? .nan, decimals: $0 == "fid" ? 2 : 4) }
                                                   + [.number(q.casMean ?? .nan, decimals: 4)]
                                           })))
            }
            // Per GAN group: the loss curves of the first seed's GAN and its kept samples.
            let gans = plan.units.filter { $0.kind == .gan }
            var seen = Set<String>()
            for gan in gans where seen.insert(gan.group ?? gan.id).inserted {
                let folder = file("units/\(gan.id)")
                if let curves = lossCurves((folder as NSString).appendingPathComponent("losses.csv")) {
                    blocks.append(.chart(name: "losses-\(fileSafe(gan.id))", svg: LineChart(
                        title: "GAN losses, \(gan.id)", xLabel: "generator step", yLabel: "loss", series: curves).svg))
                }
                for samples in plan.units where samples.kind == .samples && samples.dependencies == [gan.id] {
                    let grid = file("units/\(samples.id)-grid.png")
                    if let png = FileManager.default.contents(atPath: grid) {
                        blocks.append(.image(name: "samples-\(fileSafe(samples.id))", png: png,
                                             caption: "Kept samples of \(samples.id), from \(gan.id) (up to 10 per class, in class order)"))
                    }
                    let set = try SampleSetFile.read(file("units/\(samples.id).h5"))
                    if let rejected = try set.rejectedGrid() {
                        blocks.append(.image(name: "rejected-\(fileSafe(samples.id))", png: try rejected.encoded(), caption: "Rejected candidates of \(samples.id) (up to 10 per class, in class order)"))
                    }
                    blocks.append(.table(Table(name: "filter_counts_\(fileSafe(samples.id))", columns: ["class", "candidates"] + set.rejectionRows.map { "rejected: \($0)" } + ["kept"],
                                               rows: set.classNames.indices.map { c in
                                                   [.text(set.classNames[c]), .integer(set.candidatesPerClass[c])] + set.rejections.map { .integer($0[c]) } + [.integer(set.keptPerClass[c])]
                                               })))
                }
            }
            return Report.Section(title: "GAN training and samples", id: "gans", blocks: blocks)
        }

        /// D and G loss from a GAN's `losses.csv`, thinned to at most 200 points per curve.
        func lossCurves(_ path: String) -> [LineChart.Series]? {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }.filter { $0.count >= 3 }
            guard rows.count >= 2 else { return nil }
            let every = max(1, rows.count / 200)
            let kept = rows.enumerated().filter { $0.offset % every == 0 || $0.offset == rows.count - 1 }.map(\.element)
            return [LineChart.Series(name: "discriminator", points: kept.map { LineChart.Point(x: $0[0], y: $0[1]) }),
                    LineChart.Series(name: "generator", points: kept.map { LineChart.Point(x: $0[0], y: $0[2]) })]
        }

        // MARK: 7. Protocol and provenance

        func provenanceSection() throws -> Report.Section {
            let timings = UnitTimings.read(path)
            var facts: [String] = []
            let runFile = try HDF5File.open(file("run.h5"))
            let version = (try? runFile.root.stringAttribute("augbench_version")) ?? "unknown"
            runFile.close()
            if let command { facts.append("Report made by `\(command)`.") }
            facts.append("AugBench \(version); protocol SHA-256 `\(CanonicalSettings.checksum(results.protocolText))`.")
            let extractor = results.quality.isEmpty ? nil : try? FeatureExtractor.load(path: `protocol`.extractor)
            facts.append("Dataset `\(`protocol`.dataset)`" + (extractor.map { "; extractor \($0.name), SHA-256 `\($0.checksum)`" } ?? "")
                         + (`protocol`.extractor == nil && extractor != nil ? " (embedded)" : "") + ".")
            let threads = Set(timings.map(\.threads)).sorted()
            if !threads.isEmpty { facts.append("Threads per unit: \(threads.map(String.init).joined(separator: ", ")).") }
            var table: Table?
            if !timings.isEmpty {
                let kinds: [PlannedUnit.Kind] = [.gan, .samples, .metrics, .classifier]
                table = Table(name: "time_per_stage", columns: ["stage", "units", "seconds", "seconds per unit"], rows: kinds.compactMap { kind in
                    let entries = timings.filter { $0.kind == kind }
                    guard !entries.isEmpty else { return nil }
                    let total = entries.map(\.seconds).reduce(0, +)
                    return [.text(kind.rawValue), .integer(entries.count), .number(total, decimals: 0), .number(total / Double(entries.count), decimals: 1)]
                })
                facts.append(String(format: "Time of the units as measured (each on its own, summed): %.0f s.", timings.map(\.seconds).reduce(0, +)))
            }
            var blocks: [Report.Block] = [.list(facts)]
            if let table { blocks.append(.table(table)) }
            blocks.append(.paragraph("The protocol as the run recorded it (canonical JSON; `protocol.json` in the run folder):"))
            blocks.append(.code(prettyJSON(results.protocolText)))
            return Report.Section(title: "Protocol and provenance", id: "provenance", blocks: blocks)
        }
    }
}
