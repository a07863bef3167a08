import Foundation

/// A one-line progress bar with ETA on standard error, redrawn in place. Silent when standard error is not a
/// terminal (logs, CI) or with --quiet.
final class ProgressBar {
    private let total: Int
    private let label: String
    private let enabled: Bool
    /// Whether the bar is shown (callers log plain lines instead when it is not).
    var isDrawing: Bool { enabled }
    private let start = Date()

    init(total: Int, label: String, quiet: Bool) {
        self.total = max(1, total)
        self.label = label
        enabled = !quiet && isatty(FileHandle.standardError.fileDescriptor) != 0
    }

    /// Draws `done` of `total` with a short status (current loss, ...). `fraction` is the share of the work done
    /// when items differ in size (the ETA follows it); by default done / total.
    func update(_ done: Int, fraction: Double? = nil, status: String) {
        guard enabled else { return }
        let fraction = fraction ?? Double(done) / Double(total)
        let width = 24
        let filled = Int(fraction * Double(width))
        let elapsed = Date().timeIntervalSince(start)
        let eta = fraction > 0 ? elapsed / fraction * (1 - fraction) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\r\(label) [\(bar)] \(done)/\(total) \(status) elapsed \(Self.clock(elapsed)) ETA \(Self.clock(eta))\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the bar's line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
