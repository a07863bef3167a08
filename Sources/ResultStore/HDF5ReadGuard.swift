import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// libhdf5 1.10.8, the version Debian 12 ships, crashes (SIGSEGV in `H5HG_read`, stack overflows that glibc aborts)
/// or loops forever (decoding a damaged global heap) on some damaged files; `h5dump -A` does the same on them.
/// AugBench cannot repair the library, so its reads of a file run inside this guard: a segmentation fault, bus error
/// or abort there, or a metadata read that takes more than `metadataSeconds`, ends the process with one line,
/// `Error: PATH: damaged HDF5 file: libhdf5 ...`, and exit code 1 instead of a crash or a hang. Outputs are written
/// under temporary names and renamed, so nothing written is lost. Found by fuzzing (FuzzTesting/); a signal outside a
/// guarded read goes on to the handler that was there before (Swift's backtracer).
public enum HDF5ReadGuard {
    /// Longest a read of metadata (opening a file, an attribute) may take; such reads take milliseconds.
    /// AUGBENCH_HDF5_METADATA_SECONDS shortens it (scripts/fuzz.sh replays hundreds of such files).
    public static let metadataSeconds = ProcessInfo.processInfo.environment["AUGBENCH_HDF5_METADATA_SECONDS"].flatMap(Double.init) ?? 20
    /// The fuzz targets turn the guard off to see libhdf5's failures themselves.
    nonisolated(unsafe) public static var isEnabled = true

    /// Runs `body` (a libhdf5 call reading `path`) under the guard; `metadata` reads are also timed.
    public static func reading<T>(_ path: String, metadata: Bool, _ body: () throws -> T) rethrows -> T {
        guard isEnabled else { return try body() }
        enter(path, metadata: metadata)
        defer { leave(metadata: metadata) }
        return try body()
    }

    /// A file open for reading: libhdf5 touches damaged structures in calls this project makes between `reading`
    /// calls too (opening objects, listing members), so a crash anywhere until `endSession` is the file's. AugBench's
    /// own code between those calls is memory-safe Swift, which traps (SIGILL) rather than faults.
    public static func beginSession(_ path: String) {
        if isEnabled { enter(path, metadata: false) }
    }

    public static func endSession() {
        if isEnabled { leave(metadata: false) }
    }

    // MARK: - State shared with the signal handler and the watchdog (libhdf5 is serial: one read at a time)

    private static let lock = NSLock()
    nonisolated(unsafe) private static var depth: Int32 = 0
    nonisolated(unsafe) private static var metadataDepth = 0
    nonisolated(unsafe) private static var deadline: Double = .infinity
    /// "Error: PATH: damaged HDF5 file: libhdf5 " for the file touched last, in a buffer allocated once, so that the
    /// handler writes it without allocating and never reads freed memory.
    private static let prefixCapacity = 4096
    nonisolated(unsafe) private static let prefix = UnsafeMutablePointer<CChar>.allocate(capacity: prefixCapacity)
    nonisolated(unsafe) private static var prefixLength = 0
    nonisolated(unsafe) private static var previousSEGV = sigaction()
    nonisolated(unsafe) private static var previousBUS = sigaction()
    nonisolated(unsafe) private static var previousABRT = sigaction()
    nonisolated(unsafe) private static var installed = false

    private static func enter(_ path: String, metadata: Bool) {
        lock.lock()
        defer { lock.unlock() }
        installOnce()
        let text = Array("Error: \(path): damaged HDF5 file: libhdf5 ".utf8CString.dropLast().prefix(prefixCapacity))
        prefix.update(from: text, count: text.count)
        prefixLength = text.count
        depth += 1
        if metadata {
            metadataDepth += 1
            if metadataDepth == 1 { deadline = Date().timeIntervalSince1970 + metadataSeconds }
        }
    }

    private static func leave(metadata: Bool) {
        lock.lock()
        defer { lock.unlock() }
        depth -= 1
        if metadata {
            metadataDepth -= 1
            if metadataDepth == 0 { deadline = .infinity }
        }
    }

    private static func installOnce() {
        guard !installed else { return }
        installed = true
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = { signal, _, _ in
            if HDF5ReadGuard.depth > 0 { HDF5ReadGuard.stop("crashed while reading it\n") }
            // Not a guarded read: restore the earlier handler and return; the fault recurs and that handler reports it.
            var previous = signal == SIGBUS ? HDF5ReadGuard.previousBUS
                : signal == SIGABRT ? HDF5ReadGuard.previousABRT : HDF5ReadGuard.previousSEGV
            sigaction(signal, &previous, nil)
            // A fault recurs when the instruction runs again; an abort must be raised again (it is delivered as soon
            // as this handler returns, before glibc's abort falls back to the default action).
            if signal == SIGABRT { raise(SIGABRT) }
        }
        action.sa_flags = SA_SIGINFO | SA_ONSTACK
        sigemptyset(&action.sa_mask)
        sigaction(SIGSEGV, &action, &previousSEGV)
        sigaction(SIGBUS, &action, &previousBUS)
        sigaction(SIGABRT, &action, &previousABRT)
        // A watchdog thread rather than SIGALRM, which libFuzzer and others use for their own timers.
        Thread.detachNewThread {
            while true {
                Thread.sleep(forTimeInterval: 1)
                lock.lock()
                let overdue = metadataDepth > 0 && Date().timeIntervalSince1970 > deadline
                lock.unlock()
                if overdue { stop("did not finish reading its metadata in time (a damaged global heap makes it loop)\n") }
            }
        }
    }

    /// Writes the prefix and `reason` to standard error and exits with 1 (async-signal-safe calls only).
    private static func stop(_ reason: StaticString) -> Never {
        _ = write(2, prefix, prefixLength)
        _ = write(2, reason.utf8Start, reason.utf8CodeUnitCount)
        _exit(1)
    }
}
