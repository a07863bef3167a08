import ArgumentParser
import Foundation
import Reporting

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the report of a finished run: a self-contained HTML page, Markdown and a CSV per table.",
        discussion: """
            Reads only the run folder (run.h5, protocol.json, the unit files, timings.csv) and writes into OUTPUT: \
            index.html (one file: inline SVG charts, sample grids as embedded PNG, no network and no script), \
            README.md (the same for GitHub, the SVG and PNG files beside it) and a CSV file per table. Sections: \
            the verdict with its caveats; accuracy per arm (forest plots) and paired differences with every seed; \
            accuracy against K and the synthetic ratio, the real-image equivalent and the crossover; per-class \
            accuracy; GAN losses, quality against the real-data floor and sample grids; the protocol and provenance. \
            Files a person added to OUTPUT are kept; the report's own files are replaced.

            Examples:
              augbench report runs/quick --output reports/quick
              augbench baseline quick --output runs/quick && augbench report runs/quick --output reports/quick
            """
    )

    @Argument(help: ArgumentHelp("A finished run folder (holding run.h5).", valueName: "run"))
    var runFolder: String

    @Option(name: [.short, .long], help: "Report folder (default: RUN/report).")
    var output: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        let folder = output ?? (runFolder as NSString).appendingPathComponent("report")
        let command = (["augbench"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let report = try RunReport.make(runFolder: runFolder, command: command)
        try ReportWriter.write(report, to: folder)
        console.info("wrote \((folder as NSString).appendingPathComponent("index.html")) and README.md (\(report.tables.count) tables as CSV)")
        print((folder as NSString).appendingPathComponent("index.html"))
    }
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Put two finished runs side by side: accuracies, verdicts, GAN quality and provenance.",
        discussion: """
            For two GAN variants, two machines or two versions: the cells with the same label (arm, K, ratio) \
            side by side with their difference and whether their intervals overlap, each comparison's verdict in \
            both runs, both GAN quality tables, and both protocols when they differ. Writes index.html, README.md \
            and a CSV per table into OUTPUT, as `augbench report` does.

            Examples:
              augbench compare runs/quick-laptop runs/quick-server --output reports/laptop-vs-server
            """
    )

    @Argument(help: ArgumentHelp("The first finished run folder.", valueName: "A"))
    var first: String

    @Argument(help: ArgumentHelp("The second finished run folder.", valueName: "B"))
    var second: String

    @Option(name: [.short, .long], help: "Report folder.")
    var output: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        let command = (["augbench"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let report = try RunComparison.make(first, second, command: command)
        try ReportWriter.write(report, to: output)
        console.info("wrote \((output as NSString).appendingPathComponent("index.html")) and README.md")
        print((output as NSString).appendingPathComponent("index.html"))
    }
}
