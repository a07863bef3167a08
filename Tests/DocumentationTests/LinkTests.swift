import Foundation
import XCTest

/// Every relative link in the README and the guides leads somewhere: the file exists, and an anchor names a heading
/// of the page it points to. Links to other sites are not followed (CI has no network).
final class LinkTests: XCTestCase {
    func testEveryRelativeLinkResolves() throws {
        var checked = 0
        for file in Repository.markdownFiles() {
            let page = MarkdownPage(try Repository.read(file))
            let folder = (file as NSString).deletingLastPathComponent
            for (line, target) in page.links {
                if target.contains("://") || target.hasPrefix("mailto:") || target.hasPrefix("doc:") { continue }
                // DocC resolves symbol links (``Name``) and its own paths; they are checked by the DocC build.
                if file.contains(".docc/") && !target.contains(".") && !target.hasPrefix("#") { continue }
                checked += 1
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let linked = parts[0].isEmpty ? file : normalise(folder.isEmpty ? parts[0] : folder + "/" + parts[0])
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: Repository.path(linked), isDirectory: &isFolder) else {
                    XCTFail("\(file):\(line): link to \(target): \(linked) does not exist")
                    continue
                }
                if parts.count == 2, !isFolder.boolValue, linked.hasSuffix(".md") {
                    let anchors = MarkdownPage(try Repository.read(linked)).anchors
                    XCTAssertTrue(anchors.contains(parts[1]), "\(file):\(line): link to \(target): no heading #\(parts[1]) in \(linked)")
                }
            }
        }
        XCTAssertGreaterThan(checked, 100, "the scan found the documentation's links")
    }

    func testTheReadmeIsAFrontPage() throws {
        let readme = try Repository.read("README.md")
        XCTAssertLessThanOrEqual(readme.utf8.count, 15 * 1024, "README.md is at most 15 KB; longer text goes to a guide under docs/")
        // Dated run logs and commit-hash tables live in Benchmarks/LOG.md and the guides.
        for (number, line) in readme.components(separatedBy: "\n").enumerated() where line.hasPrefix("|") {
            XCTAssertNil(line.range(of: #"\b[0-9a-f]{7,40}\b|20[0-9]{2}-[0-9]{2}-[0-9]{2}"#, options: .regularExpression),
                         "README.md:\(number + 1): a table row with a commit hash or a date belongs in a guide or the log")
        }
    }

    /// "a/b/../c" -> "a/c", "./x" -> "x".
    private func normalise(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast() } else { parts.append(part) }
        }
        return parts.joined(separator: "/")
    }
}
