import Experiments
import Foundation
import TestSupport
import XCTest

/// `augbench slurm` against a real one-node Slurm (started by scripts/slurm-local.sh, stopped at the end): a
/// protocol as a 4-task array plus the merge equals the same protocol run in one process, and a task killed with
/// scancel is finished by submitting again without redoing finished units.
final class SlurmTests: CLITestCase {
    private static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    override class func setUp() {
        super.setUp()
        started = nil
    }

    override class func tearDown() {
        if started == true { _ = try? ProcessRunner.run("/bin/bash", [packageRoot + "/scripts/slurm-local.sh", "--stop"]) }
        super.tearDown()
    }

    nonisolated(unsafe) private static var started: Bool?

    /// Starts the local Slurm once for the class.
    private func startSlurm() throws {
        if Self.started == true { return }
        if getuid() != 0 && ProcessRunner.which("sudo") == nil {
            throw XCTSkip("the local Slurm needs root or sudo (CI runs as root)")
        }
        let result = try ProcessRunner.run("/bin/bash", [Self.packageRoot + "/scripts/slurm-local.sh"])
        XCTAssertEqual(result.status, 0, result.standardError)
        guard result.status == 0 else { throw XCTSkip("the local Slurm did not start") }
        Self.started = true
    }

    private func protocolFile(in folder: String) throws -> String {
        try Fixtures.writeIDXDataset(in: folder, prefix: "train", count: 60, side: 8)
        try Fixtures.writeIDXDataset(in: folder, prefix: "t10k", count: 30, side: 8)
        let file = path(folder, "tiny.yaml")
        try """
            name: tiny-slurm
            dataset: \(folder)
            split: {per_class: 4, validation_per_class: 2}
            seeds: 3
            gan_metrics: false
            classifier: {steps: 4, evaluate_every: 2, select_best_validation: true, batch_size: 4}
            arms:
              - original
              - traditional
              - gan:
                  gan: {variant: cgan, steps: 2, batch_size: 6}
                  sampling: {per_class: 4, classifier_epochs: 1}

            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Submits through `augbench slurm --submit`; returns the array and merge job ids.
    private func submit(_ protocolFile: String, output: String) throws -> (array: String, merge: String) {
        let result = try augbench("slurm", protocolFile, "--output", output, "--tasks", "4", "--cpus-per-task", "1", "--submit")
        XCTAssertEqual(result.status, 0, result.standardError)
        let ids = result.standardOutput.split(whereSeparator: \.isWhitespace).map(String.init)
        guard ids.count == 2 else { throw XCTSkip("augbench slurm printed \(result.standardOutput)") }
        return (ids[0], ids[1])
    }

    /// Waits until none of the jobs is queued or running.
    private func wait(for jobs: [String], seconds: Double = 300) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let queue = try ProcessRunner.run("/usr/bin/squeue", ["-h", "-j", jobs.joined(separator: ","), "-o", "%i %T %r"])
            let lines = queue.standardOutput.split(separator: "\n")
            if lines.isEmpty { return }
            // A merge whose array failed never starts: it is not waited for.
            if lines.allSatisfy({ $0.contains("DependencyNeverSatisfied") }) { return }
            Thread.sleep(forTimeInterval: 1)
        }
        XCTFail("jobs \(jobs) still queued after \(seconds) s")
    }

    private func timedUnits(_ output: String) throws -> [String] {
        try String(contentsOfFile: path(output, "timings.csv"), encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("id,") }
            .map { String($0.split(separator: ",")[0]) }
    }

    func testAnArrayJobAndItsMergeEqualOneRunAndAKilledTaskResumes() throws {
        try startSlurm()
        let folder = try makeTemporaryFolder()
        let protocolFile = try protocolFile(in: folder)

        let single = path(folder, "single")
        let one = try augbench("run", protocolFile, "--output", single, "--threads", "1")
        XCTAssertEqual(one.status, 0, one.standardError)
        let expected = try RunResults.read(path(single, "run.h5"))

        // Four tasks and the merge.
        let cluster = path(folder, "cluster")
        let jobs = try submit(protocolFile, output: cluster)
        try wait(for: [jobs.array, jobs.merge])
        let merged = try RunResults.read(path(cluster, "run.h5"))
        XCTAssertEqual(merged.cells.map(\.label), expected.cells.map(\.label))
        XCTAssertEqual(merged.cells.map(\.accuracies), expected.cells.map(\.accuracies), "bit-identical unit results")
        XCTAssertEqual(merged.comparisons.map(\.sentence), expected.comparisons.map(\.sentence))
        XCTAssertEqual(try timedUnits(cluster).sorted(), try timedUnits(single).sorted(), "the same units, each run once")
        for task in 1...4 {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path(cluster, "slurm/shard-\(task).log")), "task \(task) ran")
        }

        // A task cancelled: the merge never runs; submitting again finishes the run and redoes no finished unit.
        let killed = path(folder, "killed")
        let first = try submit(protocolFile, output: killed)
        let cancel = try ProcessRunner.run("/usr/bin/scancel", ["\(first.array)_2"])
        XCTAssertEqual(cancel.status, 0, cancel.standardError)
        try wait(for: [first.array, first.merge])
        _ = try ProcessRunner.run("/usr/bin/scancel", [first.merge])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path(killed, "run.h5")), "no merge after a cancelled task")
        let before = try timedUnits(killed)
        XCTAssertLessThan(before.count, try timedUnits(single).count, "task 2's units are missing")
        let second = try submit(protocolFile, output: killed)
        try wait(for: [second.array, second.merge])
        let resumed = try RunResults.read(path(killed, "run.h5"))
        XCTAssertEqual(resumed.cells.map(\.accuracies), expected.cells.map(\.accuracies))
        let after = try timedUnits(killed)
        XCTAssertEqual(after.count, Set(after).count, "no unit computed twice")
        XCTAssertEqual(Array(after.prefix(before.count)), before)
        XCTAssertEqual(after.sorted(), try timedUnits(single).sorted())
    }

    func testShardAutoNeedsTheSlurmVariables() throws {
        XCTAssertEqual(try Shard.slurmArrayTask(environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"]),
                       try Shard(index: 3, of: 4))
        XCTAssertEqual(try Shard.slurmArrayTask(environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"]),
                       try Shard(index: 1, of: 4), "an array 0-3")
        XCTAssertThrowsError(try Shard.slurmArrayTask(environment: ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "4"])) {
            XCTAssertTrue("\($0)".contains("--array=1-4"), "\($0)")
        }
        let folder = try makeTemporaryFolder()
        let protocolFile = try protocolFile(in: folder)
        let result = try ProcessRunner.run(Self.executable, ["run", protocolFile, "--output", path(folder, "run"), "--shard", "auto"],
                                           environment: ["SLURM_ARRAY_TASK_ID": "", "SLURM_ARRAY_TASK_COUNT": ""])
        assertFailsWithOneLine(result, ["--shard auto reads SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT"])
        let written = try augbench("slurm", protocolFile, "--output", path(folder, "jobs"), "--tasks", "3", "--partition", "short", "--time", "1:00:00")
        XCTAssertEqual(written.status, 0, written.standardError)
        XCTAssertTrue(written.standardOutput.contains("jobid=$(sbatch --parsable "), written.standardOutput)
        XCTAssertTrue(written.standardOutput.contains("sbatch --dependency=afterok:$jobid "), written.standardOutput)
        let script = try String(contentsOfFile: path(folder, "jobs/slurm/shards.sbatch"), encoding: .utf8)
        for line in ["#SBATCH --array=1-3", "#SBATCH --cpus-per-task=2", "#SBATCH --partition=short", "#SBATCH --time=1:00:00", "--shard auto --threads 2"] {
            XCTAssertTrue(script.contains(line), "\(line) in\n\(script)")
        }
        assertFailsWithOneLine(try augbench("slurm", protocolFile, "--output", path(folder, "bad"), "--tasks", "0"), ["--tasks must be in 1...10000"])
    }
}
