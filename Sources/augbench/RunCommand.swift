import ArgumentParser
import Experiments
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a protocol: every arm over K, ratios and seeds, then paired statistics and a verdict.",
        discussion: """
            PROTOCOL is a YAML file: the dataset, the split (per_class: K or a list of K, validation_per_class, \
            minority), seeds, the classifier (a step budget every arm shares) and the arms: original, \
            traditional, gan, gan+traditional, synthetic-only, more-real (the same split plus r x K more real \
            images per class: the ceiling that says what a synthetic image is worth in real ones). Each \
            unit (a GAN, a sample set, a classifier at one K, ratio and seed) is written to its own file under \
            OUTPUT/units as it finishes; running the same command again does only what is missing and refuses \
            a changed protocol. OUTPUT/run.h5 gathers the accuracies, every arm compared with original and \
            traditional over the same seeds (paired t-test and Wilcoxon, Holm-corrected, intervals, d_z, power) \
            and a verdict per comparison.

            Example protocol:
              name: quick
              dataset: /usr/share/datasets/fashion-mnist
              split: {per_class: 10, validation_per_class: 20}
              seeds: 5
              classifier: {steps: 400, evaluate_every: 20, select_best_validation: true}
              arms:
                - original
                - traditional
                - gan:
                    gan: {variant: cgan, diffaugment: true, steps: 500}
                    sampling: {per_class: 100, filters: ["confidence=0.5"]}
                    ratio: [0.5, 1]

            Examples:
              augbench run quick.yaml --output runs/quick --dry-run
              augbench run quick.yaml --output runs/quick
            """
    )

    @Argument(help: "Protocol file (YAML).")
    var protocolFile: String

    @Option(name: [.short, .long], help: "Run folder.")
    var output: String

    @Flag(name: .customLong("dry-run"), help: "Print the plan and stop.")
    var dryRun = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        let p = try SettingsFile.decode(ExperimentProtocol.self, path: protocolFile)
        let plan = try ExperimentPlan(p)
        let counts = plan.counts
        console.info("\(p.name): \(plan.units.count) units (\(counts[.gan] ?? 0) GANs, \(counts[.samples] ?? 0) sample sets, "
                     + "\(counts[.classifier] ?? 0) classifiers) over \(p.split.perClass.values.count) K x \(p.seeds) seeds")
        if dryRun {
            for unit in plan.units { print("\(unit.id)  \(unit.checksum.prefix(12))") }
            return
        }
        var bar: ProgressBar?
        let summary = try ExperimentRunner.run(p, output: output, threads: global.threads) { event in
            switch event {
            case let .unitStarted(index, total, unit):
                if bar == nil { bar = ProgressBar(total: total, label: p.name, quiet: global.quiet) }
                bar?.update(index, status: unit.id)
                if !(bar?.isDrawing ?? false) { console.info("[\(index + 1)/\(total)] \(unit.id)") }
            case let .unitSkipped(unit): console.debug("\(unit.id): done before, skipped")
            case let .unitFinished(unit, seconds): console.debug(String(format: "%@: %.0f s", unit.id as NSString, seconds))
            case let .message(text): console.info(text)
            }
        }
        bar?.finish()
        for cell in summary.cells {
            let interval = cell.interval.map { String(format: " [%.4f, %.4f]", $0.lower, $0.upper) } ?? ""
            print(String(format: "%@  mean %.4f sd %.4f%@ over %d seeds", cell.label.padding(toLength: 28, withPad: " ", startingAt: 0),
                         cell.mean, cell.std, interval, cell.accuracies.count))
        }
        for comparison in summary.comparisons { print(comparison.sentence) }
        console.info("wrote \((output as NSString).appendingPathComponent("run.h5"))")
    }
}
