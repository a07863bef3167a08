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

    /// Runs `body` over 0..<total for an elementwise loop: in one range below `elementwiseMinimum` elements (the
    /// hand-off to another thread would cost more than the loop), else in one near-equal range per thread. Each
    /// element is computed the same way whatever the split, so the result does not depend on the thread count.
    public static func elementwise(_ total: Int, _ body: (Range<Int>) -> Void) {
        let parts = ranges(total, parts: total < elementwiseMinimum ? 1 : configured)
        parallelFor(parts.count) { body(parts[$0]) }
    }

    /// Elements from which `elementwise` splits a loop across threads.
    public static let elementwiseMinimum = 65_536

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
