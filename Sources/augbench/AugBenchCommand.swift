import ArgumentParser
import ResultStore

/// The `augbench` command tree. Public so that the documentation tests can render its help and parse the examples
/// the guides show (the executable module is linked into them).
@main
public struct AugBenchCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "augbench",
        abstract: "Does GAN-based data augmentation help my classifier? Measure it.",
        discussion: """
            AugBench reads real image datasets (IDX, HDF5, folders of PNGs), draws stratified low-data and \
            imbalanced splits, and stores every result in HDF5 files that h5py and h5dump read.

            Examples:
              augbench data info /usr/share/datasets/fashion-mnist
              augbench data split --data /usr/share/datasets/fashion-mnist --per-class 100 --seed 0 \\
                  --output runs/fmnist-100.h5
            """,
        version: AugBenchVersion.current,
        subcommands: [DataCommand.self, AugmentCommand.self, TrainCommand.self, GANCommand.self, RunCommand.self, MergeCommand.self, SlurmCommand.self, BaselineCommand.self, ReportCommand.self, CompareCommand.self, ExtractorCommand.self,
                      MetricsCommand.self, BenchCommand.self]
    )
}

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Threads (results are bit-identical for a fixed count; 1-\(GlobalOptions.maximumThreads)).")
    var threads = 2

    static let maximumThreads = 256

    func validate() throws {
        guard (1...Self.maximumThreads).contains(threads) else {
            throw ValidationError("--threads must be in 1...\(Self.maximumThreads), got \(threads)")
        }
    }

    @Flag(name: [.short, .long], help: "Print only errors.")
    var quiet = false

    @Flag(name: [.short, .long], help: "Print debug messages too.")
    var verbose = false

    /// Sets up logging on standard error; call first in `run()`.
    func makeLogger() -> Console {
        Console(level: quiet ? .error : verbose ? .debug : .info)
    }
}
