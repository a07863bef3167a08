import Tensors
import TestSupport
import XCTest

final class TensorTests: XCTestCase {
    func testShapeCountMismatchThrows() {
        XCTAssertThrowsError(try Tensor(shape: [2, 3], storage: [1, 2, 3])) { error in
            XCTAssertEqual(error as? TensorError, .countMismatch(shape: [2, 3], expected: 6, actual: 3))
        }
        XCTAssertThrowsError(try Tensor(shape: [-1, 3], storage: []))
    }

    func testIndexingIsRowMajorNCHW() throws {
        let x = try Tensor(shape: [2, 3, 4, 5], storage: (0..<120).map(Float.init))
        XCTAssertEqual(x[1, 2, 3, 4], 119)
        XCTAssertEqual(x[1, 0, 0, 0], 60)
        XCTAssertEqual(x[0, 1, 2, 3], Float(1 * 20 + 2 * 5 + 3))
        XCTAssertEqual(x.strides, [60, 20, 5, 1])
    }

    func testReshapeKeepsElementsAndChecksCount() throws {
        let x = try Tensor(shape: [2, 6], storage: (0..<12).map(Float.init))
        let y = try x.reshaped([3, 4])
        XCTAssertEqual(y.storage, x.storage)
        XCTAssertEqual(y.shape, [3, 4])
        XCTAssertThrowsError(try x.reshaped([5, 2]))
    }

    func testSliceAndGatherSelectRows() throws {
        let x = try Tensor(shape: [4, 2], storage: (0..<8).map(Float.init))
        XCTAssertEqual(x.slice(1..<3).storage, [2, 3, 4, 5])
        XCTAssertEqual(x.gathering([3, 0, 3]).storage, [6, 7, 0, 1, 6, 7])
        XCTAssertEqual(x.gathering([]).shape, [0, 2])
    }

    func testCopyOnWriteLeavesOriginalUntouched() {
        let a = Tensor(shape: [3], repeating: 1)
        var b = a
        b[0] = 5
        XCTAssertEqual(a.storage, [1, 1, 1])
        XCTAssertEqual(b.storage, [5, 1, 1])
    }
    /// `reuse` keeps the contents for the same count and gives zeros for another one; going back to a count it had
    /// held (a partial last batch, an evaluation batch) reuses the storage instead of allocating, and a tensor that
    /// shares the storage is left as it was.
    func testReuseZeroesOnANewCountAndKeepsTheStorage() {
        var t = Tensor(shape: [2, 3], repeating: 7)
        t.reuse(shape: [3, 2])
        XCTAssertEqual(t.storage, [Float](repeating: 7, count: 6), "same count: contents kept")
        t.reuse(shape: [1, 4])
        XCTAssertEqual(t.shape, [1, 4])
        XCTAssertEqual(t.storage, [0, 0, 0, 0], "smaller count: zeros")
        t.fill(3)
        let address = t.storage.withUnsafeBufferPointer { $0.baseAddress }
        t.reuse(shape: [2, 3])
        XCTAssertEqual(t.storage, [Float](repeating: 0, count: 6), "larger count within the capacity: zeros")
        XCTAssertEqual(t.storage.withUnsafeBufferPointer { $0.baseAddress }, address, "the storage was reallocated")
        let shared = t
        t.reuse(shape: [5])
        XCTAssertEqual(shared.storage, [Float](repeating: 0, count: 6))
        XCTAssertEqual(t.storage, [Float](repeating: 0, count: 5))
        t.reuse(shape: [4, 4])
        XCTAssertEqual(t.storage, [Float](repeating: 0, count: 16), "beyond the capacity: zeros")
    }
}
