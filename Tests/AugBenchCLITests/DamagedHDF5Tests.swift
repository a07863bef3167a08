import Foundation
import TestSupport
import XCTest

/// Files the fuzzer made (FuzzTesting/) on which libhdf5 1.10.8 itself crashes (SIGSEGV in H5HG_read) or loops
/// forever (h5dump -A hangs on the second too). AugBench must still end with one Error: line, not a crash or a hang.
final class DamagedHDF5Tests: CLITestCase {
    private func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    func testALibraryCrashOnADamagedFileIsOneErrorLine() throws {
        for command in [["data", "info"], ["data", "grid", "--output", NSTemporaryDirectory() + "augbench-damaged-grid.png"]] {
            let result = try ProcessRunner.run(Self.executable, command.prefix(2) + [fixture("libhdf5-segfault.h5")] + command.dropFirst(2),
                                               timeLimit: 60)
            XCTAssertFalse(result.timedOut)
            assertFailsWithOneLine(result, ["libhdf5-segfault.h5: damaged HDF5 file: libhdf5 crashed while reading it"])
        }
    }

    /// glibc aborts on a stack overflow inside libhdf5; a header announcing 12 x 3,997,697 x 8 x 8 images in a 25 KB
    /// file made AugBench fill gigabytes.
    func testAStackOverflowInTheLibraryAndAnImpossibleShapeAreOneErrorLine() throws {
        let output = NSTemporaryDirectory() + "augbench-damaged-export-\(getpid()).h5"
        for (name, fragment) in [("libhdf5-stack-overflow.h5", "damaged HDF5 file: libhdf5 crashed while reading it"),
                                 ("dataset-larger-than-stored.h5", "announces shape [12, 3997697, 8, 8] but stores 1568 bytes")] {
            let result = try ProcessRunner.run(Self.executable, ["data", "export", "--data", fixture(name), "--subset", "all", "--output", output],
                                               timeLimit: 60)
            XCTAssertFalse(result.timedOut)
            assertFailsWithOneLine(result, [name, fragment])
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
    }

    func testALibraryEndlessLoopOnADamagedFileStopsWithOneErrorLine() throws {
        let started = Date()
        let result = try ProcessRunner.run(Self.executable, ["data", "info", fixture("libhdf5-endless-loop.h5")], timeLimit: 60)
        XCTAssertFalse(result.timedOut, "still running after 60 s")
        assertFailsWithOneLine(result, ["libhdf5-endless-loop.h5: damaged HDF5 file: libhdf5 did not finish reading its metadata in time"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 40)
    }
}
