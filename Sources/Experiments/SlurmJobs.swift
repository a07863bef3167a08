import Foundation

/// The Slurm batch scripts of a protocol run: an array job whose task i runs shard i of n into the output folder,
/// and a merge job that runs once every task has succeeded (`--dependency=afterok`). AugBench schedules nothing
/// itself; the cluster's Slurm does. The output folder, the protocol copy and the executable must be on storage
/// every node sees.
public struct SlurmJobs: Sendable, Equatable {
    /// Array tasks, one shard each (1...10000).
    public var tasks: Int
    /// CPUs per task, also each shard's thread count (1...256).
    public var cpusPerTask = 2
    /// Slurm partition; nil for the cluster's default.
    public var partition: String?
    /// Slurm's time limit per task ("2:00:00").
    public var time: String?

    /// `tasks` array tasks of 2 CPUs each, with the cluster's default partition and time limit.
    public init(tasks: Int) { self.tasks = tasks }

    /// Throws an `ExperimentError` for counts out of range, or a partition or time with spaces or quotes.
    public func validate() throws {
        guard (1...10_000).contains(tasks) else { throw ExperimentError("--tasks must be in 1...10000, got \(tasks)") }
        guard (1...256).contains(cpusPerTask) else { throw ExperimentError("--cpus-per-task must be in 1...256, got \(cpusPerTask)") }
        for (name, value) in [("--partition", partition), ("--time", time)] {
            if let value, value.isEmpty || value.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }) {
                throw ExperimentError("\(name) '\(value)' is not a Slurm value (no spaces or quotes)")
            }
        }
    }

    /// The folder under the run folder that holds the scripts, the protocol copy and the task logs.
    public static func folder(output: String) -> String { (output as NSString).appendingPathComponent("slurm") }

    /// Writes `slurm/protocol.yaml` (the protocol as given), `slurm/shards.sbatch` and `slurm/merge.sbatch`; returns
    /// the two scripts' paths. Paths inside the scripts are absolute.
    public func write(protocolFile: String, output: String, executable: String, name: String) throws -> (shards: String, merge: String) {
        try validate()
        let fm = FileManager.default
        let out = URL(fileURLWithPath: output).standardizedFileURL.path
        let folder = Self.folder(output: out)
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard let text = fm.contents(atPath: protocolFile) else { throw ExperimentError("\(protocolFile): cannot read the protocol") }
        let protocolCopy = (folder as NSString).appendingPathComponent("protocol.yaml")
        try text.write(to: URL(fileURLWithPath: protocolCopy), options: .atomic)
        let job = "augbench-" + String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        var options = [String]()
        if let partition { options.append("#SBATCH --partition=\(partition)") }
        if let time { options.append("#SBATCH --time=\(time)") }
        let shards = """
            #!/usr/bin/env bash
            # Shard i of \(tasks) of the protocol \(name) (written by `augbench slurm`): each array task runs its share of
            # the units into \(out); a killed task, submitted again, redoes only its unfinished units.
            #SBATCH --job-name=\(job)
            #SBATCH --array=1-\(tasks)
            #SBATCH --cpus-per-task=\(cpusPerTask)
            #SBATCH --output=\(folder)/shard-%a.log
            \(options.joined(separator: "\n"))
            set -euo pipefail
            exec \(Self.quoted(executable)) run \(Self.quoted(protocolCopy)) --output \(Self.quoted(out)) --shard auto --threads \(cpusPerTask)

            """
        let merge = """
            #!/usr/bin/env bash
            # Gathers the shards of \(name) into \(out)/run.h5 once every array task succeeded (written by `augbench slurm`).
            #SBATCH --job-name=\(job)-merge
            #SBATCH --cpus-per-task=1
            #SBATCH --output=\(folder)/merge.log
            \(options.joined(separator: "\n"))
            set -euo pipefail
            exec \(Self.quoted(executable)) merge \(Self.quoted(out))

            """
        let paths = ((folder as NSString).appendingPathComponent("shards.sbatch"), (folder as NSString).appendingPathComponent("merge.sbatch"))
        for (path, script) in [(paths.0, shards), (paths.1, merge)] {
            try Data(script.replacingOccurrences(of: "\n\n#SBATCH", with: "\n#SBATCH").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        return paths
    }

    /// The commands that submit the two scripts, the merge after every shard task succeeded.
    public static func submitCommands(shards: String, merge: String) -> [String] {
        ["jobid=$(sbatch --parsable \(quoted(shards)))", "sbatch --dependency=afterok:$jobid \(quoted(merge))"]
    }

    /// Single-quoted for the shell when it holds anything beyond a plain path.
    static func quoted(_ text: String) -> String {
        text.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+=".contains($0) }) ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
