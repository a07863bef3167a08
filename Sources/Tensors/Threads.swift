import Dispatch

/// How many worker threads AugBench uses.
///
/// Work is always split into the same chunks for a given thread count, and every chunk writes a disjoint part of
/// its output, so results are bit-identical run to run at a fixed count. OpenBLAS is kept single-threaded:
/// large matrix products are split across these threads instead (`BLAS.parallelSgemm`), so that one thread
/// pool, not two, shares the cores.
public enum Threads {
    nonisolated(unsafe) private static var configured = 1

    /// Current thread count (default 1 until `configure` is called).
    public static var count: Int { configured }

    /// Sets the thread count for AugBench's loops and matrix products.
    public static func configure(_ count: Int) {
        configured = max(1, count)
        BLAS.threadCount = 1
    }

    /// Runs `body(chunk)` for chunk in 0..<chunks on up to `count` threads; returns when all have finished.
    public static func parallelFor(_ chunks: Int, _ body: (Int) -> Void) {
        if chunks <= 1 || configured == 1 {
            for chunk in 0..<chunks { body(chunk) }
        } else {
            // Chunks write disjoint memory by contract, which the compiler cannot see through raw pointers.
            withoutActuallyEscaping(body) { escapable in
                let shared = UncheckedSendable(escapable)
                DispatchQueue.concurrentPerform(iterations: chunks) { shared.value($0) }
            }
        }
    }

    /// Splits 0..<total into `count` contiguous ranges of near-equal size (fewer when total is small).
    public static func ranges(_ total: Int, parts: Int = Threads.count) -> [Range<Int>] {
        let parts = max(1, min(parts, total))
        return (0..<parts).map { part in (part * total / parts)..<((part + 1) * total / parts) }
    }
}

/// Carries a value across a concurrency boundary whose safety the caller guarantees.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
