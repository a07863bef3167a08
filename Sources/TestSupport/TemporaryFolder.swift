import Foundation
import XCTest

extension XCTestCase {
    /// A new empty folder, removed when the test ends.
    public func makeTemporaryFolder(function: String = #function) throws -> String {
        let name = "augbench-test-\(function.prefix { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))"
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

/// Joins path components.
public func path(_ base: String, _ components: String...) -> String {
    components.reduce(base) { ($0 as NSString).appendingPathComponent($1) }
}
