import Foundation
import XCTest

/// Asserts that two arrays agree elementwise within `|a - b| <= absolute + relative * |b|`, and reports the
/// worst element, so a failure says where and by how much.
public func assertClose<T: BinaryFloatingPoint>(_ actual: [T], _ expected: [T], relative: T = 1e-5, absolute: T = 1e-6,
                                                _ message: @autoclosure () -> String = "",
                                                file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("count \(actual.count) != \(expected.count) \(message())", file: file, line: line)
        return
    }
    var worst: (index: Int, excess: T)?
    for i in actual.indices {
        let allowed = absolute + relative * abs(expected[i])
        let difference = abs(actual[i] - expected[i])
        if !(difference <= allowed) {
            let excess = difference.isNaN ? T.infinity : difference - allowed
            if worst == nil || excess > worst!.excess { worst = (i, excess) }
        }
    }
    if let worst {
        XCTFail("element \(worst.index): \(actual[worst.index]) vs expected \(expected[worst.index]) "
                + "(tolerance rel \(relative), abs \(absolute)) \(message())", file: file, line: line)
    }
}

/// Asserts that `body` throws an error whose description contains every fragment, and returns that description.
@discardableResult
public func assertThrowsMessage<R>(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                                   _ body: () throws -> R) -> String? {
    do {
        _ = try body()
        XCTFail("expected an error mentioning \(fragments)", file: file, line: line)
        return nil
    } catch {
        let text = String(describing: error)
        for fragment in fragments where !text.contains(fragment) {
            XCTFail("error '\(text)' does not mention '\(fragment)'", file: file, line: line)
        }
        XCTAssertFalse(text.contains("\n"), "error message spans several lines: \(text)", file: file, line: line)
        assertShowsNoInternals(text, file: file, line: line)
        return text
    }
}

/// Parts of an error message that show the program's insides instead of the user's words: Swift's dumps of
/// collections and optionals, standard-library type names, and `Type.member` symbols. Paths and file names
/// (`README.md`, `runs/Fixtures.h5`) are not symbols.
public func internals(in message: String) -> [String] {
    var found = ["AnyHashable", "Optional(", "Swift."].filter { message.contains($0) }
    let fileExtensions: Set<String> = ["md", "h5", "hdf5", "yaml", "yml", "png", "jpg", "jpeg", "csv", "json", "txt", "swift",
                                       "gz", "npz", "npy", "py", "sh", "sbatch", "tmp", "html", "svg", "cff", "out", "err", "log"]
    let symbol = try! NSRegularExpression(pattern: #"(?<![\w/.-])([A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*)\.([a-z][A-Za-z0-9]+)(?![\w/])"#)
    for match in symbol.matches(in: message, range: NSRange(message.startIndex..., in: message)) {
        guard let member = Range(match.range(at: 2), in: message).map({ String(message[$0]) }),
              !fileExtensions.contains(member.lowercased()),
              let whole = Range(match.range, in: message) else { continue }
        found.append(String(message[whole]))
    }
    return found
}

/// Fails when an error message shows internals (see `internals(in:)`); every message the suite provokes through
/// `assertThrowsMessage` or the CLI tests' `assertFailsWithOneLine` is scanned.
public func assertShowsNoInternals(_ message: String, file: StaticString = #filePath, line: UInt = #line) {
    let shown = internals(in: message)
    XCTAssertTrue(shown.isEmpty, "error message shows internals \(shown): \(message)", file: file, line: line)
}
