import CLibFuzzer
import Foundation

/// Runs libFuzzer on `body`, one call per input; never returns.
public func runFuzzer(_ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, body))
}

/// The readers take paths, as users give them: each input is written to one file per process (reused, so a run
/// does not fill the disk) and the reader opens that.
public enum FuzzInput {
    public static func withFile<T>(_ start: UnsafePointer<UInt8>?, _ count: Int, suffix: String, _ body: (String) throws -> T) rethrows -> T {
        let path = NSTemporaryDirectory() + "augbench-fuzz-\(getpid())\(suffix)"
        _ = FileManager.default.createFile(atPath: path, contents: bytes(start, count))
        return try body(path)
    }

    public static func bytes(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Data {
        guard let start, count > 0 else { return Data() }
        return Data(bytes: start, count: count)
    }

    public static func text(_ start: UnsafePointer<UInt8>?, _ count: Int) -> String {
        String(decoding: bytes(start, count), as: UTF8.self)
    }
}
