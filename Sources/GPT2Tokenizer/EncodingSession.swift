import Foundation

/// The state of one `encode` call: the growing output, the piece cache and merge scratch.
///
/// Everything here belongs to a single call on a single thread; the shared `BPEModel` is only
/// read. Output ids are written to a raw buffer (cache hits copy earlier output ranges) and
/// become an `[Int]` once at the end.
final class EncodingSession {
    /// Texts shorter than this skip the piece cache: setting it up would cost more than it saves.
    static let cacheThreshold = 512

    private var output: UnsafeMutablePointer<Int>
    private var outputCount = 0
    private var outputCapacity: Int
    private var merger = BPEMerger()
    private let cache: PieceCache?

    init(byteCount: Int) {
        outputCapacity = max(16, byteCount / 3)
        output = .allocate(capacity: outputCapacity)
        cache = byteCount >= Self.cacheThreshold ? PieceCache(expectedPieces: min(byteCount / 32, 1 << 16)) : nil
    }

    deinit { output.deallocate() }

    var ids: [Int] { Array(UnsafeBufferPointer(start: output, count: outputCount)) }

    @inline(__always)
    private func reserve(_ extra: Int) {
        if outputCount + extra > outputCapacity { grow(to: outputCount + extra) }
    }

    private func grow(to needed: Int) {
        var capacity = outputCapacity * 2
        while capacity < needed { capacity *= 2 }
        let bigger = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
        bigger.moveInitialize(from: output, count: outputCount)
        output.deallocate()
        output = bigger
        outputCapacity = capacity
    }

    /// Appends one id (a special token).
    func append(_ id: Int) {
        reserve(1)
        output[outputCount] = id
        outputCount += 1
    }

    /// Encodes `text[range]`, a stretch of valid UTF-8 with no special tokens to honour.
    ///
    /// `text` is the whole input (cache keys point into it); `classes` the scalar class table.
    func encode(
        _ text: UnsafeBufferPointer<UInt8>, range: Range<Int>, context: MergeContext,
        blocks: UnsafePointer<UInt8>, blockIndex: UnsafePointer<UInt16>
    ) {
        guard !range.isEmpty, let base = text.baseAddress else { return }
        var scanner = PieceScanner(
            bytes: UnsafeBufferPointer(rebasing: text[range]), blocks: blocks, blockIndex: blockIndex)
        let offset = range.lowerBound
        while let piece = scanner.next() {
            encodePiece(base, start: offset + piece.lowerBound, count: piece.count, context: context)
        }
    }

    @inline(__always)
    private func encodePiece(_ text: UnsafePointer<UInt8>, start: Int, count: Int, context: MergeContext) {
        reserve(count)
        let bytes = text + start
        if count == 1 {
            output[outputCount] = Int(context.byteTokens[Int(bytes[0])])
            outputCount += 1
            return
        }
        if count == 2 {
            let left = context.byteTokens[Int(bytes[0])]
            let right = context.byteTokens[Int(bytes[1])]
            let merge = context.lookup(left, right)
            if merge != MergeTable.none {
                output[outputCount] = Int(UInt32(truncatingIfNeeded: merge))
                outputCount += 1
            } else {
                output[outputCount] = Int(left)
                output[outputCount + 1] = Int(right)
                outputCount += 2
            }
            return
        }
        guard let cache else {
            outputCount += merger.merge(bytes, count: count, context: context, into: output + outputCount)
            return
        }
        let hash = PieceCache.hash(bytes, count: count)
        if let cached = cache.find(hash: hash, input: text, start: start, length: count) {
            (output + outputCount).update(from: output + cached.start, count: cached.count)
            outputCount += cached.count
            return
        }
        let written = merger.merge(bytes, count: count, context: context, into: output + outputCount)
        cache.insert(hash: hash, start: start, length: count, outputStart: outputCount, outputCount: written)
        outputCount += written
    }
}
