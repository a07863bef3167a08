import Foundation

/// Where a stage will write: checked before any work starts (a sample set or a metrics run must not find out after
/// minutes of work that it cannot write), and cleared of what killed runs of AugBench left there.
public enum OutputPath {
    /// Creates the folder of `path` when needed and checks that a file can be written in it; removes the
    /// `PATH.tmp-PID` files that earlier runs of this program left when they were killed (their process is gone).
    public static func prepare(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw ResultStoreError(path, "is a folder; give a file path")
        }
        if !fm.fileExists(atPath: folder) {
            do {
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw ResultStoreError(path, "cannot create the folder \(folder) (\(reason(for: folder)))")
            }
        }
        let probe = (folder as NSString).appendingPathComponent(".augbench-write-check-\(getpid())")
        guard fm.createFile(atPath: probe, contents: nil) else {
            throw ResultStoreError(path, "cannot write in \(folder) (\(reason(for: folder)))")
        }
        try? fm.removeItem(atPath: probe)
        removeStaleTemporaries(of: path)
    }

    /// Removes the `PATH.tmp-PID` files and folders whose process no longer runs: what killed writes of `path`
    /// left. Only `path`'s own: on a cluster, processes on other nodes write other units beside it, and their
    /// process ids mean nothing here; a path is written by one process at a time.
    public static func removeStaleTemporaries(of path: String) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path, prefix = url.lastPathComponent + ".tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
            }
        }
    }

    /// The name an atomic writer builds `path` under before renaming it into place, `PATH.tmp-PID`; first removes
    /// what killed writes of `path` left (every writer calls this, so a leftover goes the next time its file is
    /// written: a resumed GAN's checkpoint, a unit run again).
    public static func temporary(for path: String) -> String {
        removeStaleTemporaries(of: path)
        return "\(path).tmp-\(getpid())"
    }

    /// Why the nearest existing ancestor of `folder` refuses writing, in plain words.
    private static func reason(for folder: String) -> String {
        var existing = folder
        while !FileManager.default.fileExists(atPath: existing) && existing != "/" && !existing.isEmpty {
            existing = PathName.parent(of: existing)
        }
        if access(existing, W_OK) != 0 { return "\(existing) is not writable: \(String(cString: strerror(errno)))" }
        return "\(existing) exists but the folder cannot be made there"
    }
}

/// Path arithmetic the project does itself: Foundation's `NSString.deletingLastPathComponent` on Linux (Swift 6.3)
/// traps on a one-character relative path, so `--output 1` crashed every command that writes a file.
public enum PathName {
    /// The folder part of `path`, as `deletingLastPathComponent` defines it: "a/b" -> "a", "a/b/" -> "a",
    /// "/a" -> "/", "a" -> "", "/" -> "/".
    public static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        var folder = trimmed[..<slash]
        while folder.count > 1 && folder.hasSuffix("/") { folder = folder.dropLast() }
        return folder.isEmpty ? "/" : String(folder)
    }
}
