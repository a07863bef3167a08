/// A dense, contiguous array of `Float` with a shape, stored row-major (images are NCHW).
///
/// `Tensor` is a value type with copy-on-write storage: copies are cheap until one of them is mutated.
/// Hot loops reach the storage through `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`.
///
/// ```swift
/// var x = Tensor(shape: [2, 1, 28, 28])          // zeros
/// x[0, 0, 3, 4] = 1
/// let y = try x.reshaped([2, 784])
/// ```
public struct Tensor: Equatable, Sendable {
    /// Extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// Elements in row-major order; `storage.count == shape.reduce(1, *)` always holds.
    public private(set) var storage: [Float]

    /// A tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative extent")
        self.shape = shape
        self.storage = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor over existing elements; throws when their count does not match the shape.
    public init(shape: [Int], storage: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorError.invalidShape(shape) }
        let expected = shape.reduce(1, *)
        guard expected == storage.count else {
            throw TensorError.countMismatch(shape: shape, expected: expected, actual: storage.count)
        }
        self.shape = shape
        self.storage = storage
    }

    /// Number of elements.
    @inlinable public var count: Int { storage.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// Row-major strides in elements.
    public var strides: [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// The same elements under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try Tensor(shape: newShape, storage: storage)
    }

    /// Gives the tensor `newShape`, keeping its storage when the element count is unchanged (contents are then
    /// left as they were) and zeros otherwise. Layers call this on their reusable buffers each step. A count that
    /// fits the storage's capacity reuses it: an epoch's partial last batch and the evaluation batches between
    /// training steps would otherwise allocate (and have the kernel clear) every layer's megabytes twice each time.
    /// The capacity stays at the largest count the tensor has held.
    public mutating func reuse(shape newShape: [Int]) {
        let newCount = newShape.reduce(1, *)
        if newCount != storage.count {
            if newCount <= storage.capacity {
                storage.removeAll(keepingCapacity: true)
                storage.append(contentsOf: repeatElement(0, count: newCount))
            } else {
                storage = [Float](repeating: 0, count: newCount)
            }
        }
        shape = newShape
    }

    /// Sets every element to `value`.
    public mutating func fill(_ value: Float) {
        storage.withUnsafeMutableBufferPointer { buffer in
            buffer.update(repeating: value)
        }
    }

    /// Element access by full index; bounds are checked in debug builds.
    public subscript(_ index: Int...) -> Float {
        get { storage[flatIndex(index)] }
        set { storage[flatIndex(index)] = newValue }
    }

    @inline(__always)
    private func flatIndex(_ index: [Int]) -> Int {
        assert(index.count == shape.count, "index \(index) has rank \(index.count), tensor has rank \(shape.count)")
        var flat = 0
        for axis in 0..<index.count {
            assert(index[axis] >= 0 && index[axis] < shape[axis], "index \(index) out of bounds for shape \(shape)")
            flat = flat * shape[axis] + index[axis]
        }
        return flat
    }

    /// Calls `body` with a pointer to the contiguous elements.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable pointer to the contiguous elements.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    /// The slices `range` along the first axis (for NCHW tensors: a batch of images).
    public func slice(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "slice \(range) out of bounds for shape \(shape)")
        let inner = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = range.count
        // swiftlint:disable:next force_try
        return try! Tensor(shape: newShape, storage: Array(storage[(range.lowerBound * inner)..<(range.upperBound * inner)]))
    }

    /// The rows `indices` along the first axis, in the given order (gather).
    public func gathering(_ indices: [Int]) -> Tensor {
        precondition(rank >= 1, "gathering needs a tensor of rank >= 1")
        let inner = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = indices.count
        var out = Tensor(shape: newShape)
        let rows = shape[0]
        storage.withUnsafeBufferPointer { source in
            out.storage.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    precondition(index >= 0 && index < rows, "gather index \(index) out of bounds (first axis \(rows))")
                    let from = source.baseAddress! + index * inner
                    (target.baseAddress! + row * inner).update(from: from, count: inner)
                }
            }
        }
        return out
    }
}

/// Shape errors raised by `Tensor` initialisers and reshapes.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    case invalidShape([Int])
    case countMismatch(shape: [Int], expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .invalidShape(let shape):
            return "invalid tensor shape \(shape): extents must be non-negative"
        case let .countMismatch(shape, expected, actual):
            return "tensor shape \(shape) needs \(expected) elements, got \(actual)"
        }
    }
}

extension Tensor: CustomStringConvertible {
    /// Shape and the first few elements: tensors can hold millions of values, and test failures print this.
    public var description: String {
        let head = storage.prefix(6).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), storage: [\(head)\(count > 6 ? ", ... (\(count) elements)" : "")])"
    }
}
