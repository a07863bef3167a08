import Foundation

/// Output of a finished child process.
public struct ProcessResult: Sendable {
    /// The exit code, or 128 + the signal number for a process ended by a signal (as a shell reports it), so that a
    /// trap (SIGILL 132, SIGTRAP 133, SIGABRT 134, SIGSEGV 139) can never pass for a clean failure.
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
    /// True when the process was still running at the time limit and was killed (status 137).
    public var timedOut: Bool = false
}

/// Runs executables for end-to-end tests.
public enum ProcessRunner {
    /// Runs `executable` with `arguments` and waits; output is captured through temporary files so large output
    /// cannot deadlock a pipe. A process still running after `timeLimit` seconds is killed and reported with `timedOut`.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           workingDirectory: String? = nil, timeLimit: Double? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let folder = NSTemporaryDirectory() + "augbench-process-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outPath = folder + "/out", errPath = folder + "/err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var timedOut = false
        if let timeLimit {
            let deadline = Date().addingTimeInterval(timeLimit)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
            }
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        let signalled = process.terminationReason == .uncaughtSignal
        return ProcessResult(status: signalled ? 128 + process.terminationStatus : process.terminationStatus,
                             standardOutput: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                             standardError: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                             timedOut: timedOut)
    }

    /// The full path of a program on PATH, if any.
    public static func which(_ program: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Executables built with the package, for the tests that run them.
public enum BuiltProducts {
    /// The executable `name` next to the test bundle (the products folder holds both) or in `.build/release` or
    /// `.build/debug` under the working folder; nil when the package was not built whole.
    public static func executable(_ name: String) -> String? {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        for configuration in ["release", "debug"] {
            let candidate = FileManager.default.currentDirectoryPath + "/.build/\(configuration)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
