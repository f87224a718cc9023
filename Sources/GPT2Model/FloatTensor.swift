import Foundation

/// A read-only fp32 tensor the kernels consume: a view into a memory-mapped checkpoint (no copy)
/// or into a buffer this process owns. `owner` keeps whichever backs it alive.
public struct FloatTensor: @unchecked Sendable {
    /// First element; rows are contiguous (row-major).
    public let pointer: UnsafePointer<Float>
    /// Shape, outermost first, e.g. `[768, 2304]` for GPT-2's `c_attn.weight` (in x out).
    public let shape: [Int]
    let owner: AnyObject

    public init(pointer: UnsafePointer<Float>, shape: [Int], owner: AnyObject) {
        self.pointer = pointer
        self.shape = shape
        self.owner = owner
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements as a buffer.
    public var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: elementCount) }
}

/// An owned, 64-byte aligned fp32 allocation, freed when the last tensor viewing it goes away.
public final class FloatStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// A tensor view of `shape` starting `offset` elements in.
    public func tensor(offset: Int = 0, shape: [Int]) -> FloatTensor {
        precondition(offset + shape.reduce(1, *) <= count, "tensor view past the end of its storage")
        return FloatTensor(pointer: UnsafePointer(pointer + offset), shape: shape, owner: self)
    }
}

/// An owned, 64-byte aligned block of bytes (quantized weights, misaligned tensors' copies).
public final class RawStorage: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int

    public init(byteCount: Int) {
        self.byteCount = byteCount
        pointer = .allocate(byteCount: max(byteCount, 1), alignment: 64)
    }

    deinit { pointer.deallocate() }
}

/// Keeps several owners alive together (a weight whose values and scales live in different places).
final class Retained: @unchecked Sendable {
    let objects: [AnyObject]
    init(_ objects: [AnyObject]) { self.objects = objects }
}
