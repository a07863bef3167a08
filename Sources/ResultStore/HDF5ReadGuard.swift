import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// libhdf5 1.10.8, the version Debian 12 ships, crashes (SIGSEGV in `H5HG_read`) or loops forever (decoding a
/// damaged global heap) on some damaged files; `h5dump -A` does the same on them. AugBench cannot repair the library,
/// so its reads of a file run inside this guard: a segmentation fault or bus error there, or a metadata read that
/// takes more than `metadataSeconds`, ends the process with one line, `Error: PATH: damaged HDF5 file ...`, and exit
/// code 1 instead of a crash or a hang. Outputs are written under temporary names and renamed, so nothing written
/// is lost. Found by fuzzing (FuzzTesting/); a fault outside a guarded read goes on to the handler that was there
/// before (Swift's backtracer).
public enum HDF5ReadGuard {
    /// Longest a read of metadata (opening a file, an attribute) may take; such reads take milliseconds. (The
    /// watchdog's message says 20 s: it may not format text.)
    public static let metadataSeconds = 20.0
    /// The fuzz targets turn the guard off to see libhdf5's failures themselves.
    nonisolated(unsafe) public static var isEnabled = true

    /// Runs `body` (a libhdf5 call reading `path`) under the guard; `metadata` reads are also timed.
    public static func reading<T>(_ path: String, metadata: Bool, _ body: () throws -> T) rethrows -> T {
        guard isEnabled else { return try body() }
        enter(path, metadata: metadata)
        defer { leave() }
        return try body()
    }

    // MARK: - State shared with the signal handler and the watchdog (one read at a time: libhdf5 is serial)

    private static let lock = NSLock()
    nonisolated(unsafe) private static var depth: Int32 = 0
    nonisolated(unsafe) private static var deadline: Double = .infinity
    /// "Error: PATH: damaged HDF5 file: libhdf5 " as a C string, written by the handler without allocating.
    nonisolated(unsafe) private static var prefix = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    nonisolated(unsafe) private static var prefixLength = 0
    nonisolated(unsafe) private static var previousSEGV = sigaction()
    nonisolated(unsafe) private static var previousBUS = sigaction()
    nonisolated(unsafe) private static var installed = false

    private static func enter(_ path: String, metadata: Bool) {
        lock.lock()
        defer { lock.unlock() }
        installOnce()
        if depth == 0 {
            let text = Array("Error: \(path): damaged HDF5 file: libhdf5 ".utf8CString.dropLast())
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: text.count)
            buffer.initialize(from: text, count: text.count)
            let old = prefix
            (prefix, prefixLength) = (buffer, text.count)
            old.deallocate()
            deadline = metadata ? Date().timeIntervalSince1970 + metadataSeconds : .infinity
        }
        depth += 1
    }

    private static func leave() {
        lock.lock()
        defer { lock.unlock() }
        depth -= 1
        if depth == 0 { deadline = .infinity }
    }

    private static func installOnce() {
        guard !installed else { return }
        installed = true
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = { signal, _, _ in
            if HDF5ReadGuard.depth > 0 { HDF5ReadGuard.stop("crashed while reading it\n") }
            // Not a guarded read: restore the earlier handler and return; the fault recurs and that handler reports it.
            var previous = signal == SIGBUS ? HDF5ReadGuard.previousBUS : HDF5ReadGuard.previousSEGV
            sigaction(signal, &previous, nil)
        }
        action.sa_flags = SA_SIGINFO | SA_ONSTACK
        sigemptyset(&action.sa_mask)
        sigaction(SIGSEGV, &action, &previousSEGV)
        sigaction(SIGBUS, &action, &previousBUS)
        // A watchdog thread rather than SIGALRM, which libFuzzer and others use for their own timers.
        Thread.detachNewThread {
            while true {
                Thread.sleep(forTimeInterval: 1)
                lock.lock()
                let overdue = depth > 0 && Date().timeIntervalSince1970 > deadline
                lock.unlock()
                if overdue { stop("did not finish reading its metadata in 20 s (a damaged global heap makes it loop)\n") }
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
