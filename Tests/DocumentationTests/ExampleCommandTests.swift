import ArgumentParser
import Foundation
import XCTest

import augbench

/// Every `augbench ...` command line the documentation shows parses: a line in a `console` block (after `$ `), in
/// a `sh` block, or an example inside a command's `--help` (the generated reference) is parsed by the CLI itself,
/// options validated, no work done. A command named in running text (an inline code span) must name a real command
/// and only options that command has.
final class ExampleCommandTests: XCTestCase {
    func testEveryShownCommandLineParses() throws {
        var parsed = 0
        for file in Repository.markdownFiles() {
            for example in ExampleCommands.lines(in: MarkdownPage(try Repository.read(file))) {
                parsed += 1
                let shown = "`augbench \(example.arguments.joined(separator: " "))`"
                do {
                    _ = try AugBenchCommand.parseAsRoot(example.arguments)
                } catch {
                    let message = AugBenchCommand.message(for: error).components(separatedBy: "\n")[0]
                    guard let shownError = example.shownError else {
                        XCTFail("\(file):\(example.line): \(shown) does not parse: \(message)")
                        continue
                    }
                    // A command shown failing must fail as shown, unless the parser stopped at a file of the
                    // example's that is not here (a protocol or augmentation file the page describes).
                    let missingFile = example.arguments.contains { message.contains($0) && !FileManager.default.fileExists(atPath: $0) }
                    if shownError != "Error: " + message && !missingFile {
                        XCTFail("\(file):\(example.line): \(shown) shows '\(shownError)' but the CLI says 'Error: \(message)'")
                    }
                }
            }
        }
        XCTAssertGreaterThan(parsed, 40, "the scan found the documentation's command lines")
    }

    func testEveryCommandNamedInTextExists() throws {
        let commands = CLIReference.commands()
        var checked = 0
        for file in Repository.markdownFiles() {
            for (line, span) in MarkdownPage(try Repository.read(file)).codeSpans where span.hasPrefix("augbench ") {
                let words = ExampleCommands.words(String(span.dropFirst("augbench ".count)))
                // The longest command path the words start with.
                var command = commands[0]
                for candidate in commands where candidate.path.count > command.path.count {
                    let names = Array(candidate.path.dropFirst())
                    if words.count >= names.count && Array(words.prefix(names.count)) == names { command = candidate }
                }
                let next = words.dropFirst(command.path.count - 1).first
                if let next, !next.hasPrefix("-"), !command.type.configuration.subcommands.isEmpty {
                    XCTFail("\(file):\(line): `\(span)`: \(command.path.joined(separator: " ")) has no subcommand \(next)")
                }
                let help = command.path.count == 1
                    ? AugBenchCommand.helpMessage(includeHidden: true, columns: 1000)
                    : AugBenchCommand.helpMessage(for: command.type, includeHidden: true, columns: 1000)
                for word in words where word.hasPrefix("--") {
                    let name = String(word.prefix { $0 != "=" })
                    let known = help.range(of: #"(^|[\s,\[])\#(NSRegularExpression.escapedPattern(for: name))([\s=,\]<]|$)"#,
                                           options: .regularExpression) != nil
                    // --experimental-dump-help is the parser's own hidden flag (the option tests read the tree from it).
                    XCTAssertTrue(known || ["--help", "--version", "--experimental-dump-help"].contains(name),
                                  "\(file):\(line): `\(span)`: \(command.path.joined(separator: " ")) has no option \(name)")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20)
    }
}

enum ExampleCommands {
    struct Example {
        let line: Int
        let arguments: [String]
        /// The `Error:` line a console block shows the command printing, if any.
        var shownError: String?
    }

    /// The `augbench` command lines of a page's code blocks, continuation lines joined.
    static func lines(in page: MarkdownPage) -> [Example] {
        var examples: [Example] = []
        for block in page.codeBlocks {
            let shell = ["sh", "bash", "shell"].contains(block.info)
            let console = block.info == "console"
            let help = block.info == "text"   // a command's --help in the generated reference
            guard shell || console || help else { continue }
            var index = 0
            while index < block.lines.count {
                let first = index
                var line = block.lines[index].trimmingCharacters(in: .whitespaces)
                index += 1
                if console {
                    guard line.hasPrefix("$ ") else { continue }
                    line.removeFirst(2)
                }
                guard line.hasPrefix("augbench ") else { continue }
                while line.hasSuffix("\\"), index < block.lines.count {
                    line = String(line.dropLast()) + " " + block.lines[index].trimmingCharacters(in: .whitespaces)
                    index += 1
                }
                var example = Example(line: block.firstLine + first, arguments: arguments(of: line))
                if console {
                    let output = block.lines[index...].prefix { !$0.hasPrefix("$ ") }
                    example.shownError = output.first { $0.hasPrefix("Error: ") }
                }
                examples.append(example)
            }
        }
        return examples
    }

    /// The words after `augbench`, up to a shell operator or comment.
    static func arguments(of line: String) -> [String] {
        var words = words(line)
        words.removeFirst()   // augbench
        if let end = words.firstIndex(where: { [";", "&&", "||", "|", ">", "2>", "&"].contains($0) || $0.hasPrefix("#") }) {
            words = Array(words[..<end])
        }
        return words
    }

    /// Shell words: blanks separate, single and double quotes group.
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else if character == ";" {
                if inWord { words.append(current) }
                words.append(";")
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
