import CHDF5
import Foundation

/// HDF5's automatic error printing is switched off once, before the first call: AugBench reports each failure
/// as one line of its own.
private let hdf5Prepared: Void = {
    _ = H5open()
    augbench_h5_silence_errors()
}()

/// An HDF5 file written or read by AugBench.
///
/// A file opened for writing is never seen half-written under its final name: `create` and `update` work on a
/// temporary file beside the target, and `commit()` renames it into place atomically. A process killed before
/// `commit()` leaves the previous file (if any) untouched and only a `*.tmp-PID` file behind.
///
/// ```swift
/// let file = try HDF5File.create("run.h5", kind: .split)
/// try file.root.write("train_indices", [Int64(3), 7, 9], shape: [3])
/// try file.commit()
/// ```
///
/// Every file carries the root attributes `augbench_format_version`, `augbench_version` and `kind`.
public final class HDF5File {
    /// How the file was opened.
    public enum Mode: Sendable { case read, write }

    /// The file's final path.
    public let path: String
    /// The path actually open (a temporary name while writing).
    let workingPath: String
    let id: hid_t
    public let mode: Mode
    private var isOpen = true

    private init(path: String, workingPath: String, id: hid_t, mode: Mode) {
        self.path = path
        self.workingPath = workingPath
        self.id = id
        self.mode = mode
    }

    deinit {
        if isOpen { discard() }
    }

    /// File access properties that close every open object with the file, so the rename in `commit()` never
    /// races a handle still held elsewhere.
    private static func strongCloseAccess() -> hid_t {
        let fapl = H5Pcreate(augbench_h5p_file_access())
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
        return fapl
    }

    private static func temporaryPath(for path: String) -> String {
        OutputPath.temporary(for: path)
    }

    /// Starts a new file that will replace `path` on `commit()`; `kind` names what it holds.
    public static func create(_ path: String, kind: FileKind) throws -> HDF5File {
        _ = hdf5Prepared
        let directory = PathName.parent(of: path)
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw ResultStoreError(path, "cannot create folder \(directory): \(error.localizedDescription)")
            }
        }
        let working = temporaryPath(for: path)
        let fapl = strongCloseAccess()
        defer { H5Pclose(fapl) }
        let id = H5Fcreate(working, augbench_h5f_acc_trunc(), augbench_h5p_default(), fapl)
        guard id >= 0 else { throw ResultStoreError(path, "cannot create HDF5 file (is the folder writable?)") }
        let file = HDF5File(path: path, workingPath: working, id: id, mode: .write)
        try file.root.setAttribute("augbench_format_version", AugBenchVersion.fileFormat)
        try file.root.setAttribute("augbench_version", AugBenchVersion.current)
        try file.root.setAttribute("kind", kind.rawValue)
        return file
    }

    /// Opens an existing file read-only. Files written by other tools are accepted; `requireKind` checks ours.
    public static func open(_ path: String) throws -> HDF5File {
        _ = hdf5Prepared
        guard FileManager.default.fileExists(atPath: path) else { throw ResultStoreError(path, "no such file") }
        guard H5Fis_hdf5(path) > 0 else { throw ResultStoreError(path, "not an HDF5 file") }
        let fapl = strongCloseAccess()
        defer { H5Pclose(fapl) }
        let id = HDF5ReadGuard.reading(path, metadata: true) { H5Fopen(path, augbench_h5f_acc_rdonly(), fapl) }
        guard id >= 0 else { throw ResultStoreError(path, "cannot open HDF5 file (damaged or unreadable)") }
        HDF5ReadGuard.beginSession(path)
        return HDF5File(path: path, workingPath: path, id: id, mode: .read)
    }

    /// Opens a copy of an existing AugBench file for changes; `commit()` replaces the original atomically.
    public static func update(_ path: String) throws -> HDF5File {
        _ = hdf5Prepared
        guard FileManager.default.fileExists(atPath: path) else { throw ResultStoreError(path, "no such file") }
        guard H5Fis_hdf5(path) > 0 else { throw ResultStoreError(path, "not an HDF5 file") }
        let working = temporaryPath(for: path)
        try? FileManager.default.removeItem(atPath: working)
        do {
            try FileManager.default.copyItem(atPath: path, toPath: working)
        } catch {
            throw ResultStoreError(path, "cannot copy for update: \(error.localizedDescription)")
        }
        let fapl = strongCloseAccess()
        defer { H5Pclose(fapl) }
        let id = H5Fopen(working, augbench_h5f_acc_rdwr(), fapl)
        guard id >= 0 else {
            try? FileManager.default.removeItem(atPath: working)
            throw ResultStoreError(path, "cannot open HDF5 file for update")
        }
        return HDF5File(path: path, workingPath: working, id: id, mode: .write)
    }

    /// The root group "/".
    public var root: HDF5Group {
        HDF5Group(file: self, id: H5Gopen2(id, "/", augbench_h5p_default()), path: "/")
    }

    /// The value of the root attribute `kind`, if any.
    public var kindName: String? { try? root.stringAttribute("kind") }

    /// The file's kind, if it is one this build knows.
    public var kind: FileKind? { kindName.flatMap(FileKind.init(rawValue:)) }

    /// Throws unless the file is an AugBench file of the given kind and a format version this build reads.
    public func requireKind(_ expected: FileKind) throws {
        guard let kind = kindName else {
            throw ResultStoreError(path, "not an AugBench file (no 'kind' attribute); expected a \(expected.rawValue) file")
        }
        guard kind == expected.rawValue else {
            throw ResultStoreError(path, "is an AugBench '\(kind)' file, expected a '\(expected.rawValue)' file")
        }
        let version: Int64 = try root.attribute("augbench_format_version")
        guard version <= AugBenchVersion.fileFormat else {
            throw ResultStoreError(path, "file format version \(version) is newer than this AugBench reads "
                                   + "(\(AugBenchVersion.fileFormat)); update AugBench")
        }
    }

    /// Writes everything to disk and moves the file to its final name. The handle is closed afterwards.
    public func commit() throws {
        precondition(mode == .write, "commit() on a file opened for reading")
        guard isOpen else { return }
        isOpen = false
        let flushed = H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0
        let closed = H5Fclose(id) >= 0
        guard flushed && closed else {
            try? FileManager.default.removeItem(atPath: workingPath)
            throw ResultStoreError(path, "writing the HDF5 file failed (disk full?); nothing was replaced")
        }
        guard rename(workingPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: workingPath)
            throw ResultStoreError(path, "cannot move the finished file into place: \(reason)")
        }
    }

    /// Closes a file opened for reading, or abandons a file being written (its temporary file is removed).
    public func discard() {
        guard isOpen else { return }
        isOpen = false
        H5Fclose(id)
        if mode == .write { try? FileManager.default.removeItem(atPath: workingPath) } else { HDF5ReadGuard.endSession() }
    }

    /// Closes a file opened for reading (same as `discard()`, named for readers).
    public func close() { discard() }
}
