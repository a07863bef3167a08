import Foundation
import TestSupport
import XCTest

/// The DocC article "Using AugBench as a library" shows Examples/LibraryExample/main.swift whole; the test checks
/// that the article's code is that file, then runs the program (built with the package as
/// `augbench-library-example`) on Fashion-MNIST.
final class LibraryArticleTests: XCTestCase {
    static let article = "Sources/Experiments/Experiments.docc/UsingAugBenchAsALibrary.md"
    static let program = "Examples/LibraryExample/main.swift"

    func testTheArticleShowsTheProgramFile() throws {
        let page = MarkdownPage(try Repository.read(Self.article))
        let swift = page.codeBlocks.filter { $0.info == "swift" }
        XCTAssertEqual(swift.count, 1, "the article has one Swift block: the program")
        let shown = (swift.first?.lines ?? []).joined(separator: "\n") + "\n"
        XCTAssertEqual(shown, try Repository.read(Self.program),
                       "\(Self.article) must show \(Self.program) unchanged; copy the file into the article")
    }

    func testTheProgramRuns() throws {
        let data = try Fixtures.requireFashionMNIST()
        let executable = try Self.executable()
        let folder = try makeTemporaryFolder()
        let result = try ProcessRunner.run(executable, [path(folder, "run"), data], timeLimit: 600)
        XCTAssertEqual(result.status, 0, result.standardError)
        let output = result.standardOutput
        XCTAssertTrue(output.contains("60000 training images of 10 classes"), output)
        for arm in ["original K=10", "traditional K=10", "gan K=10 r=1"] {
            XCTAssertTrue(output.contains("\(arm): mean accuracy"), "\(arm) in:\n\(output)")
        }
        XCTAssertTrue(output.contains("gan K=10 r=1 vs original:"), output)
        XCTAssertNotNil(output.range(of: #"samples of seed 0: FID [0-9.]+, precision [0-9.]+, recall [0-9.]+"#,
                                     options: .regularExpression), output)
        // A second run reuses every unit and prints the same numbers.
        let again = try ProcessRunner.run(executable, [path(folder, "run"), data], timeLimit: 600)
        XCTAssertEqual(again.standardOutput, output)
    }

    static func executable() throws -> String {
        guard let executable = BuiltProducts.executable("augbench-library-example") else {
            XCTFail("augbench-library-example not found next to the tests; build the whole package first")
            throw XCTSkip("not built")
        }
        return executable
    }
}
