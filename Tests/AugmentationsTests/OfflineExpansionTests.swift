import Augmentations
import Datasets
import Tensors
import TestSupport
import XCTest

final class OfflineExpansionTests: XCTestCase {
    func testOriginalsAreKeptAndEachIsFollowedByItsCopies() throws {
        let images = randomTensor([5, 1, 8, 8], seed: 1, std: 0.4)
        let set = try ImageSet(images: images, labels: [0, 1, 2, 0, 1], classNames: ["a", "b", "c"], source: "test")
        let expanded = try OfflineExpansion.expand(set, copies: 3, pipeline: .traditional, seed: 9)
        XCTAssertEqual(expanded.count, 20)
        XCTAssertEqual(expanded.labels, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1])
        for index in 0..<5 {
            XCTAssertEqual(expanded.images.slice((index * 4)..<(index * 4 + 1)), images.slice(index..<(index + 1)), "original \(index)")
            XCTAssertNotEqual(expanded.images.slice((index * 4 + 1)..<(index * 4 + 2)), images.slice(index..<(index + 1)))
        }
        let again = try OfflineExpansion.expand(set, copies: 3, pipeline: .traditional, seed: 9)
        XCTAssertEqual(again.images, expanded.images, "same seed, same expansion")
        XCTAssertEqual(try OfflineExpansion.expand(set, copies: 0, pipeline: .traditional, seed: 9).images, images)
    }
}
