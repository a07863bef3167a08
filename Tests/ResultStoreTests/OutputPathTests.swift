import Foundation
import ResultStore
import TestSupport
import XCTest

/// Outputs are checked before work starts, and what killed runs left is cleared.
final class OutputPathTests: XCTestCase {
    func testAnUnwritableOrFolderOutputIsRefusedUpFront() throws {
        let folder = try makeTemporaryFolder()
        XCTAssertNoThrow(try OutputPath.prepare(path(folder, "new/deeper/file.h5")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path(folder, "new/deeper")), "the folder is made")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path(folder, "new/deeper")), [], "no probe file left")
        assertThrowsMessage(["/proc/augbench/x.h5", "cannot create the folder /proc/augbench"]) { try OutputPath.prepare("/proc/augbench/x.h5") }
        assertThrowsMessage([folder, "is a folder; give a file path"]) { try OutputPath.prepare(folder) }
    }

    func testStaleTemporaryFilesOfDeadProcessesAreRemoved() throws {
        let folder = try makeTemporaryFolder()
        let output = path(folder, "run.h5")
        // 4194304 is above Linux's largest pid: no such process. Our own pid's file and other files stay.
        for name in ["run.h5.tmp-4194304", "run.h5.tmp-\(getpid())", "other.h5.tmp-4194304", "run.h5.tmp-notapid"] {
            FileManager.default.createFile(atPath: path(folder, name), contents: Data([1]))
        }
        try OutputPath.prepare(output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(),
                       ["other.h5.tmp-4194304", "run.h5.tmp-\(getpid())", "run.h5.tmp-notapid"])
    }

    /// A write killed mid-way (kill -9 during a checkpoint) leaves `checkpoint.h5.tmp-PID`; the next write of that
    /// file, by any writer, removes it, while a live process's temporary is left alone.
    func testTheNextWriteRemovesADeadWritersTemporaryAndSparesALiveOnes() throws {
        let folder = try makeTemporaryFolder()
        let checkpoint = path(folder, "checkpoint.h5")
        // A writer that has exited (its pid gone), and one that still runs.
        let dead = Process(), live = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        live.executableURL = URL(fileURLWithPath: "/bin/sleep")
        live.arguments = ["60"]
        try dead.run()
        dead.waitUntilExit()
        try live.run()
        defer { live.terminate(); live.waitUntilExit() }
        let deadTemporary = "checkpoint.h5.tmp-\(dead.processIdentifier)", liveTemporary = "checkpoint.h5.tmp-\(live.processIdentifier)"
        for name in [deadTemporary, liveTemporary] { FileManager.default.createFile(atPath: path(folder, name), contents: Data(count: 96)) }
        let file = try HDF5File.create(checkpoint, kind: .ganCheckpoint)
        try file.commit()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["checkpoint.h5", liveTemporary])
        // The PNG writer and a report folder go through the same name.
        XCTAssertEqual(OutputPath.temporary(for: path(folder, "grid.png")), path(folder, "grid.png") + ".tmp-\(getpid())")
    }

    /// Foundation's deletingLastPathComponent traps on "0" (so `--output 0` crashed); ours agrees with it everywhere
    /// else.
    func testParentFolderMatchesFoundationAndTakesOneCharacterPaths() {
        for path in ["ab", "a/b", "a/b/", "/a", "/", "", "a//b", "/a/b/c.h5", "../x.h5", "./ab", "//a"] {
            XCTAssertEqual(PathName.parent(of: path), (path as NSString).deletingLastPathComponent, "parent of '\(path)'")
        }
        XCTAssertEqual(PathName.parent(of: "0"), "")
        XCTAssertEqual(PathName.parent(of: "x/"), "")
        XCTAssertEqual(PathName.parent(of: "/x"), "/")
    }
}
