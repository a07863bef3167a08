import Foundation
import ResultStore
import TestSupport
import XCTest

final class SHA256Tests: XCTestCase {
    func testStandardVectors() {
        // FIPS 180-2 appendix B and the empty message.
        XCTAssertEqual(SHA256.hex(of: []), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalUpdatesEqualOneShot() {
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 31) }
        var hasher = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 7, 300, 500] where offset < message.count {
            let end = min(message.count, offset + size)
            hasher.update(Array(message[offset..<end]))
            offset = end
        }
        hasher.update(Array(message[offset...]))
        XCTAssertEqual(hasher.finalizeHex(), SHA256.hex(of: message))
    }

    func testFileDigestMatchesSha256sum() throws {
        let file = path(try makeTemporaryFolder(), "blob.bin")
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let ours = try SHA256.hex(ofFile: file)
        XCTAssertEqual(ours, SHA256.hex(of: bytes))
        if let tool = ProcessRunner.which("sha256sum") {
            let result = try ProcessRunner.run(tool, [file])
            XCTAssertEqual(String(result.standardOutput.prefix(64)), ours)
        }
    }
}
