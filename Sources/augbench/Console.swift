import Foundation
import Logging

/// Log output on standard error (swift-log), silenced by `--quiet`, detailed with `--verbose`.
/// Results a command is asked for go to standard output through `print`, never through the log.
struct Console {
    let logger: Logger

    init(level: Logger.Level) {
        Console.bootstrapOnce
        var logger = Logger(label: "augbench")
        logger.logLevel = level
        self.logger = logger
    }

    private static let bootstrapOnce: Void = {
        LoggingSystem.bootstrap { label in
            var handler = StandardErrorLineHandler(label: label)
            handler.logLevel = .trace
            return handler
        }
    }()

    func info(_ message: @autoclosure () -> String) { logger.info("\(message())") }
    func debug(_ message: @autoclosure () -> String) { logger.debug("\(message())") }
    func warning(_ message: @autoclosure () -> String) { logger.warning("\(message())") }
}

/// One plain line per message on standard error: "augbench: message" (warnings and errors say so).
struct StandardErrorLineHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix = event.level >= .warning ? "\(label): \(event.level.rawValue): " : "\(label): "
        FileHandle.standardError.write(Data((prefix + "\(event.message)\n").utf8))
    }
}
