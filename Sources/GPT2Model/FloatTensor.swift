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

/// An owned, 64-byte aligned, zero-filled fp32 allocation, freed when the last tensor viewing it
/// goes away.
///
/// From `mappedBytes` up the memory comes straight from the kernel (an anonymous map), whose
/// pages are zero and take no memory until first written: the gradients and optimizer moments
/// of frozen parameters, never written, cost nothing, which is what lets a large model train
/// some of its layers in a fraction of the full training's memory.
public final class FloatStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    /// The length of the anonymous map, or 0 for a heap allocation.
    private let mappedLength: Int

    /// Allocations at least this large are anonymous maps.
    static let mappedBytes = 1 << 20

    public init(count: Int) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        if bytes >= Self.mappedBytes, let mapped = Self.anonymousMap(bytes) {
            pointer = mapped.bindMemory(to: Float.self, capacity: count)
            mappedLength = bytes
        } else {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            mappedLength = 0
        }
    }

    deinit {
        if mappedLength > 0 { munmap(UnsafeMutableRawPointer(pointer), mappedLength) } else { UnsafeMutableRawPointer(pointer).deallocate() }
    }

    /// Zero-filled, page-aligned (so 64-byte aligned) memory from the kernel; nil if it refuses.
    private static func anonymousMap(_ bytes: Int) -> UnsafeMutableRawPointer? {
        let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        return raw
    }

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
