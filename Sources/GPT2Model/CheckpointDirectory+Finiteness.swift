import Dispatch

extension CheckpointDirectory {
    /// Elements one task scans; the tensors are cut into chunks of this size so large tables
    /// (wte) spread over the cores.
    private static let finiteScanChunk = 1 << 20

    /// Throws unless every floating-point tensor (f64, f32, f16, bf16: weights, vectors and the
    /// scales of quantized weights) holds finite numbers only. NaN or infinite weights give
    /// NaN logits, which samplers and JSON output cannot handle; finding them at load names the
    /// tensor instead. The scan reads every weight page once, in parallel, which a forward pass
    /// would read anyway.
    ///
    /// - Throws: `CheckpointError.nonFiniteValue` for the first such value in file order.
    public func requireFiniteValues() throws(CheckpointError) {
        struct Chunk: Sendable {
            let file: Int
            let tensor: TensorInfo
            let start: Int, count: Int
        }
        var chunks: [Chunk] = []
        for (index, file) in files.enumerated() {
            for tensor in file.orderedTensors where Self.exponentMask(tensor.dtype) != nil {
                var start = 0
                while start < tensor.elementCount {
                    let count = min(Self.finiteScanChunk, tensor.elementCount - start)
                    chunks.append(Chunk(file: index, tensor: tensor, start: start, count: count))
                    start += count
                }
            }
        }
        guard !chunks.isEmpty else { return }
        let firstBad = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunks.count)
        firstBad.initialize(repeating: -1)
        defer { firstBad.deallocate() }
        nonisolated(unsafe) let results = firstBad
        let files = self.files, work = chunks
        DispatchQueue.concurrentPerform(iterations: work.count) { i in
            let chunk = work[i]
            let size = chunk.tensor.dtype.byteSize
            let base = files[chunk.file].data(of: chunk.tensor.name)! + chunk.start * size
            let mask = Self.exponentMask(chunk.tensor.dtype)!
            if let bad = Self.firstNonFinite(base, count: chunk.count, byteSize: size, mask: mask) {
                results[i] = chunk.start + bad
            }
        }
        guard let i = firstBad.firstIndex(where: { $0 >= 0 }) else { return }
        let chunk = chunks[i], element = firstBad[i]
        let file = files[chunk.file]
        let bits = Self.bits(file.data(of: chunk.tensor.name)! + element * chunk.tensor.dtype.byteSize,
                             byteSize: chunk.tensor.dtype.byteSize)
        let mask = Self.exponentMask(chunk.tensor.dtype)!
        let signBit = UInt64(1) << UInt64(chunk.tensor.dtype.byteSize * 8 - 1)
        let value = bits & ~mask & ~signBit != 0 ? "NaN" : bits & signBit != 0 ? "-inf" : "+inf"
        throw .nonFiniteValue(file.url, tensor: chunk.tensor.name, shape: chunk.tensor.shape, element: element, value: value)
    }

    /// The exponent bits of `dtype` (all ones: NaN or infinity), or nil for a dtype this scan
    /// skips (integers, and the 8-bit floats, which GPT-2 files do not use).
    private static func exponentMask(_ dtype: TensorDType) -> UInt64? {
        switch dtype {
        case .f64: 0x7FF0_0000_0000_0000
        case .f32: 0x7F80_0000
        case .f16: 0x7C00
        case .bf16: 0x7F80
        default: nil
        }
    }

    /// Index of the first of `count` little-endian elements at `base` whose exponent bits are all
    /// set, or nil. Unaligned loads: safetensors does not promise alignment.
    private static func firstNonFinite(_ base: UnsafeRawPointer, count: Int, byteSize: Int, mask: UInt64) -> Int? {
        switch byteSize {
        case 2: return firstNonFinite(base, count: count, mask: UInt16(mask))
        case 4: return firstNonFinite(base, count: count, mask: UInt32(mask))
        default: return firstNonFinite(base, count: count, mask: mask)
        }
    }

    private static func firstNonFinite<T: FixedWidthInteger & UnsignedInteger>(_ base: UnsafeRawPointer, count: Int, mask: T) -> Int? {
        let size = MemoryLayout<T>.size, block = 4096
        func element(_ i: Int) -> T { T(littleEndian: base.loadUnaligned(fromByteOffset: i &* size, as: T.self)) }
        var start = 0
        while start < count {
            let end = min(count, start + block)
            // A branch-free pass over the block (the common case: nothing found), then a search.
            var hits: T = 0
            for i in start..<end { hits |= element(i) & mask == mask ? 1 : 0 }
            if hits != 0, let bad = (start..<end).first(where: { element($0) & mask == mask }) { return bad }
            start = end
        }
        return nil
    }

    private static func bits(_ pointer: UnsafeRawPointer, byteSize: Int) -> UInt64 {
        switch byteSize {
        case 2: UInt64(UInt16(littleEndian: pointer.loadUnaligned(as: UInt16.self)))
        case 4: UInt64(UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self)))
        default: UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
        }
    }
}
