import ArgumentParser
import Foundation
import XCTest

import augbench

/// docs/cli/ is generated from the commands themselves: a page per command (its abstract, its `--help` as the
/// terminal shows it at 100 columns, links to its subcommands) and an index. The test fails when a committed page
/// differs from what the commands say now; `AUGBENCH_UPDATE_DOCS=1 swift test -c release --filter CLIReferenceTests`
/// writes them again.
final class CLIReferenceTests: XCTestCase {
    func testTheCommittedReferenceIsCurrent() throws {
        let pages = CLIReference.pages()
        let folder = Repository.path("docs/cli")
        if ProcessInfo.processInfo.environment["AUGBENCH_UPDATE_DOCS"] == "1" {
            try? FileManager.default.removeItem(atPath: folder)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, text) in pages { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        }
        let committed = Set((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        XCTAssertEqual(committed, Set(pages.keys),
                       "docs/cli/ holds a page per command; regenerate: AUGBENCH_UPDATE_DOCS=1 swift test -c release --filter CLIReferenceTests")
        for (name, text) in pages.sorted(by: { $0.key < $1.key }) {
            let onDisk = try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            XCTAssertEqual(onDisk, text, "docs/cli/\(name) is stale; regenerate: AUGBENCH_UPDATE_DOCS=1 swift test -c release --filter CLIReferenceTests")
        }
    }

    func testEveryCommandHasAPage() {
        let names = CLIReference.commands().map { CLIReference.fileName($0.path) }
        XCTAssertGreaterThan(names.count, 20)
        XCTAssertEqual(Set(names).count, names.count)
        XCTAssertTrue(names.contains("augbench-data-split.md"))
    }
}

/// Renders the reference pages.
enum CLIReference {
    static let columns = 100

    struct Command {
        let path: [String]
        let type: ParsableCommand.Type
    }

    /// Every command reachable from `augbench`, depth first, in the order `--help` lists them.
    static func commands() -> [Command] {
        func walk(_ type: ParsableCommand.Type, _ path: [String]) -> [Command] {
            [Command(path: path, type: type)]
                + type.configuration.subcommands.flatMap { walk($0, path + [$0._commandName]) }
        }
        return walk(AugBenchCommand.self, ["augbench"])
    }

    static func fileName(_ path: [String]) -> String { path.joined(separator: "-") + ".md" }

    static func pages() -> [String: String] {
        var pages: [String: String] = [:]
        let all = commands()
        for command in all {
            let title = command.path.joined(separator: " ")
            var page = "# \(title)\n\n"
            page += "<!-- Generated from the commands by Tests/DocumentationTests/CLIReferenceTests.swift; do not edit. -->\n\n"
            if let abstract = nonEmpty(command.type.configuration.abstract) { page += abstract + "\n\n" }
            let help = command.path.count == 1
                ? AugBenchCommand.helpMessage(columns: columns)
                : AugBenchCommand.helpMessage(for: command.type, columns: columns)
            page += "```text\n" + help.trimmingCharacters(in: .newlines) + "\n```\n"
            let children = all.filter { $0.path.count == command.path.count + 1 && Array($0.path.dropLast()) == command.path }
            if !children.isEmpty {
                page += "\n## Subcommands\n\n"
                for child in children {
                    page += "- [\(child.path.joined(separator: " "))](\(fileName(child.path)))"
                    if let abstract = nonEmpty(child.type.configuration.abstract) { page += ": " + abstract }
                    page += "\n"
                }
            }
            if command.path.count > 1 {
                let parent = Array(command.path.dropLast())
                page += "\nPart of [\(parent.joined(separator: " "))](\(fileName(parent))).\n"
            }
            pages[fileName(command.path)] = page
        }
        var index = "# Command-line reference\n\n"
        index += "<!-- Generated from the commands by Tests/DocumentationTests/CLIReferenceTests.swift; do not edit. -->\n\n"
        index += "Every command's `--help`, generated from the commands themselves (a test fails when a page is stale).\n"
        index += "Guides: [docs/README.md](../README.md).\n\n"
        for command in all {
            let indent = String(repeating: "  ", count: command.path.count - 1)
            index += "\(indent)- [\(command.path.joined(separator: " "))](\(fileName(command.path)))"
            if let abstract = nonEmpty(command.type.configuration.abstract) { index += ": " + abstract }
            index += "\n"
        }
        pages["README.md"] = index
        return pages
    }

    private static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }
}
