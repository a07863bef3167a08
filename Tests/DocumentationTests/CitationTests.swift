import Foundation
import TestSupport
import XCTest

/// CITATION.cff validates against the Citation File Format schema with cffconvert (installed into .venv-tools by
/// scripts/install-dependencies.sh).
final class CitationTests: XCTestCase {
    func testCitationFileValidates() throws {
        let cffconvert = Repository.path(".venv-tools/bin/cffconvert")
        guard FileManager.default.isExecutableFile(atPath: cffconvert) else {
            XCTFail("\(cffconvert) missing: run scripts/install-dependencies.sh")
            return
        }
        let result = try ProcessRunner.run(cffconvert, ["--validate", "-i", Repository.path("CITATION.cff")], timeLimit: 120)
        XCTAssertEqual(result.status, 0, result.standardOutput + result.standardError)
    }

    func testCitationNamesTheCurrentVersion() throws {
        let citation = try Repository.read("CITATION.cff")
        let version = try Repository.read("Sources/ResultStore/AugBenchVersion.swift")
        guard let match = version.range(of: #"current = "[^"]+""#, options: .regularExpression) else {
            return XCTFail("AugBenchVersion.current not found")
        }
        let current = version[match].split(separator: "\"")[1]
        XCTAssertTrue(citation.contains("version: \"\(current)\"") || citation.contains("version: \(current)\n"),
                      "CITATION.cff's version is AugBenchVersion.current (\(current))")
    }
}
