import Foundation
import TestSupport
import XCTest

/// Runs the `augbench` executable built alongside the tests.
class CLITestCase: XCTestCase {
    /// The products folder holds the test bundle and the executable side by side.
    static let executable: String = BuiltProducts.executable("augbench") ?? "augbench-not-built"

    func augbench(_ arguments: String..., file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        try augbench(arguments: arguments, file: file, line: line)
    }

    func augbench(arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            XCTFail("augbench executable not found next to the tests; build the whole package first", file: file, line: line)
            throw XCTSkip("no executable")
        }
        return try ProcessRunner.run(Self.executable, arguments)
    }

    /// Asserts a failed run: non-zero exit, exactly one "Error:" line on standard error mentioning each fragment,
    /// and no crash output. Log lines printed before the failure ("augbench: reading ...") may precede it.
    func assertFailsWithOneLine(_ result: ProcessResult, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(result.status, 0, "expected a non-zero exit", file: file, line: line)
        XCTAssertLessThan(result.status, 128, "terminated by a signal: \(result.standardError)", file: file, line: line)
        let errors = result.standardError.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
        XCTAssertEqual(errors.count, 1, "expected one error line on stderr, got: \(result.standardError)", file: file, line: line)
        for fragment in fragments where !(errors.first?.contains(fragment) ?? false) {
            XCTFail("error line '\(errors.first ?? "")' does not mention '\(fragment)'", file: file, line: line)
        }
        if let error = errors.first { assertShowsNoInternals(String(error), file: file, line: line) }
        for crash in ["Fatal error", "Stack dump", "Segmentation"] where result.standardError.contains(crash) {
            XCTFail("crash output on stderr: \(result.standardError)", file: file, line: line)
        }
    }

    /// h5dump is how HDF5 users check a file; under CI (which installs hdf5-tools) it must be present.
    func assertH5DumpReads(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try assertH5pyReads(path, file: file, line: line)
        guard let h5dump = ProcessRunner.which("h5dump") else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("h5dump missing under CI", file: file, line: line) }
            return
        }
        let result = try ProcessRunner.run(h5dump, ["-H", path])
        XCTAssertEqual(result.status, 0, "h5dump -H \(path) failed: \(result.standardError)", file: file, line: line)
        XCTAssertTrue(result.standardOutput.contains("augbench_format_version"), file: file, line: line)
    }

    /// Reads every dataset and attribute of `path` with h5py (Debian's python3-h5py, which CI installs), the way
    /// a user opening AugBench results in Python would.
    func assertH5pyReads(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let python = "/usr/bin/python3"
        let probe = try? ProcessRunner.run(python, ["-c", "import h5py"])
        guard probe?.status == 0 else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("python3-h5py missing under CI", file: file, line: line) }
            return
        }
        let script = """
            import sys, h5py
            seen = []
            with h5py.File(sys.argv[1], "r") as f:
                assert int(f.attrs["augbench_format_version"]) >= 1
                assert isinstance(f.attrs["augbench_version"], str)
                def visit(name, obj):
                    for key, value in obj.attrs.items():
                        seen.append(key)
                    if isinstance(obj, h5py.Dataset):
                        obj[()]
                    seen.append(name)
                f.visititems(visit)
            print(len(seen))
            """
        let result = try ProcessRunner.run(python, ["-c", script, path])
        XCTAssertEqual(result.status, 0, "h5py could not read \(path): \(result.standardError)", file: file, line: line)
    }
}
