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
        return text
    }
}
