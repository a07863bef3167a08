import Foundation

/// The repository's documentation files, found from this file's place in the tree (the tests run in a clone).
enum Repository {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // Tests/DocumentationTests/Repository.swift
        return url.path
    }()

    static func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

    static func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    /// Every Markdown file a reader is sent to: the README, the guides and generated reference under docs/, the
    /// benchmark log and profile, the changelog, and the DocC catalogs' articles.
    static func markdownFiles() -> [String] {
        var files = ["README.md", "CHANGELOG.md"]
        for folder in ["docs", "Benchmarks", "Sources"] {
            guard let walker = FileManager.default.enumerator(atPath: path(folder)) else { continue }
            for case let relative as String in walker where relative.hasSuffix(".md") {
                let file = folder + "/" + relative
                // The embedded extractor's README describes a resource file, not a page of the documentation.
                if file.hasPrefix("Sources/") && !file.contains(".docc/") { continue }
                files.append(file)
            }
        }
        return files.sorted()
    }
}
