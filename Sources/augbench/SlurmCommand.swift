import ArgumentParser
import Experiments
import Foundation

struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write (and with --submit, submit) the Slurm jobs of a protocol: an array of shards, then a merge.",
        discussion: """
            Writes OUTPUT/slurm/shards.sbatch (an array job: task i runs `augbench run PROTOCOL --output OUTPUT \\
            --shard auto`, shard i of --tasks; a GAN is trained once, in the shard whose classifiers use it), \\
            OUTPUT/slurm/merge.sbatch (`augbench merge OUTPUT`, submitted with --dependency=afterok on the array) \\
            and a copy of the protocol, then prints the sbatch commands; --submit runs them. OUTPUT, the protocol \\
            copy and this executable must be on storage every node sees (a shared home or project folder): the \\
            tasks write their units there and the merge reads them. A task that was killed (scancel, time limit, \\
            node failure) is finished by submitting again: finished units are never redone.

            Examples:
              augbench slurm Baselines/fashion-low-data.yaml --output /shared/runs/fld --tasks 8 --cpus-per-task 2
              augbench slurm quick.yaml --output /shared/runs/quick --tasks 4 --partition short --time 1:00:00 --submit
            """
    )

    @Argument(help: "Protocol file (YAML).")
    var protocolFile: String

    @Option(name: [.short, .long], help: "Run folder, on storage every node sees.")
    var output: String

    @Option(help: "Array tasks (shards).")
    var tasks: Int

    @Option(help: "CPUs per task; each task runs with that many threads.")
    var cpusPerTask = 2

    @Option(help: "Slurm partition (default: the cluster's default).")
    var partition: String?

    @Option(help: "Time limit per task, in Slurm's format (2:00:00).")
    var time: String?

    @Flag(help: "Submit the jobs with sbatch (the merge after every shard task succeeded).")
    var submit = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        let p = try SettingsFile.decode(ExperimentProtocol.self, path: protocolFile)
        var jobs = SlurmJobs(tasks: tasks)
        (jobs.cpusPerTask, jobs.partition, jobs.time) = (cpusPerTask, partition, time)
        try jobs.validate()
        let units = try ExperimentPlan(p).units.count
        if tasks > units { console.warning("\(tasks) tasks for \(units) units: some tasks will have nothing to do") }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().standardizedFileURL.path
        let (shards, merge) = try jobs.write(protocolFile: protocolFile, output: output, executable: executable, name: p.name)
        console.info("wrote \(shards) and \(merge) (\(units) units in \(tasks) shards)")
        guard submit else {
            for line in SlurmJobs.submitCommands(shards: shards, merge: merge) { print(line) }
            return
        }
        let arrayJob = try sbatch(["--parsable", shards])
        let mergeJob = try sbatch(["--parsable", "--dependency=afterok:\(arrayJob)", merge])
        console.info("submitted the array job \(arrayJob) (\(tasks) tasks) and the merge job \(mergeJob)")
        print("\(arrayJob) \(mergeJob)")
    }

    /// Runs sbatch and returns the job id it prints with --parsable.
    private func sbatch(_ arguments: [String]) throws -> String {
        let process = Process()
        guard let path = ["/usr/bin/sbatch", "/usr/local/bin/sbatch"].first(where: FileManager.default.isExecutableFile)
            ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map({ "\($0)/sbatch" }).first(where: FileManager.default.isExecutableFile)
        else { throw ExperimentError("--submit: sbatch is not on this machine (run the printed commands on the cluster's login node)") }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        (process.standardOutput, process.standardError) = (out, err)
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let error = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let id = output.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard process.terminationStatus == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw ExperimentError("sbatch \(arguments.last ?? "") failed: \(error.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return id
    }
}
