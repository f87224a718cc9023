/// Raw views of a `BPEModel`'s lookup tables, valid inside the `withUnsafe...` scope that made them.
struct MergeContext {
    /// The id of each single-byte token, 256 entries.
    let byteTokens: UnsafePointer<UInt32>
    /// `MergeTable` slots and mask.
    let slots: UnsafePointer<UInt64>
    let mask: Int

    @inline(__always)
    func lookup(_ left: UInt32, _ right: UInt32) -> UInt64 {
        MergeTable.lookup(left, right, in: slots, mask: mask)
    }
}

/// Byte-pair merging of one pre-tokenizer piece, exactly as OpenAI's `encoder.py` does it.
///
/// Start from one token per byte. Repeatedly take the adjacent pair with the lowest merge
/// rank, and merge every occurrence of that pair in one left-to-right pass (in a run `x x x`
/// of a pair `x x` only the first two join); stop when no adjacent pair has a merge.
///
/// Short pieces use flat arrays and rescan all pairs per pass (a handful of symbols). Pieces
/// longer than `longPieceThreshold` bytes use a linked list and a heap of `(rank, position)`,
/// popping all entries of the lowest rank as one pass, so a 100 kB run of digits or letters
/// costs O(n log n) instead of O(n²). Scratch buffers are reused between pieces.
struct BPEMerger {
    static let longPieceThreshold = 96

    private var symbols: [UInt32] = []
    private var pairs: [UInt64] = []
    private var next: [Int32] = []
    private var previous: [Int32] = []
    private var heap: [UInt64] = []
    private var mergedPositions: [Int32] = []

    /// Merges `bytes[0..<count]` and writes the token ids to `output`, which must have room for
    /// `count` ids. Returns the number of ids written.
    mutating func merge(
        _ bytes: UnsafePointer<UInt8>, count: Int, context: MergeContext, into output: UnsafeMutablePointer<Int>
    ) -> Int {
        if count > Self.longPieceThreshold {
            return mergeLong(bytes, count: count, context: context, into: output)
        }
        // Each buffer on its own: `mergeLong` resizes `symbols` alone, so after a long first piece
        // `symbols` is large while `pairs` may still be empty (writing into an empty array's
        // buffer corrupted the shared empty-array storage and crashed the process later).
        if symbols.count < count { symbols = [UInt32](repeating: 0, count: Self.longPieceThreshold + 1) }
        if pairs.count < count { pairs = [UInt64](repeating: 0, count: Self.longPieceThreshold + 1) }
        return symbols.withUnsafeMutableBufferPointer { symbolBuffer in
            pairs.withUnsafeMutableBufferPointer { pairBuffer in
                Self.mergeShort(
                    bytes, count: count, context: context, symbols: symbolBuffer.baseAddress!,
                    pairs: pairBuffer.baseAddress!, into: output)
            }
        }
    }

    private static func mergeShort(
        _ bytes: UnsafePointer<UInt8>, count n: Int, context: MergeContext,
        symbols: UnsafeMutablePointer<UInt32>, pairs: UnsafeMutablePointer<UInt64>,
        into output: UnsafeMutablePointer<Int>
    ) -> Int {
        for i in 0..<n { symbols[i] = context.byteTokens[Int(bytes[i])] }
        var count = n
        // pairs[i]: rank << 32 | merged id of symbols[i], symbols[i + 1]; MergeTable.none if none.
        for i in 0..<(count - 1) { pairs[i] = context.lookup(symbols[i], symbols[i + 1]) }
        while count > 1 {
            var best = MergeTable.none
            for i in 0..<(count - 1) where pairs[i] < best { best = pairs[i] }
            if best == MergeTable.none { break }
            let merged = UInt32(truncatingIfNeeded: best)
            // One pass, compacting in place. The pair left of each written symbol is looked up
            // again only if either side is new; two untouched neighbours keep their old entry.
            // Writes never overtake reads (write <= read), so old entries are read before they
            // are overwritten.
            var write = 0
            var read = 0
            var previousWasMerged = false
            while read < count {
                let source = read
                let isMerge = read + 1 < count && pairs[read] == best
                if isMerge {
                    symbols[write] = merged
                    read += 2
                } else {
                    symbols[write] = symbols[read]
                    read += 1
                }
                if write > 0 {
                    if isMerge || previousWasMerged {
                        pairs[write - 1] = context.lookup(symbols[write - 1], symbols[write])
                    } else {
                        pairs[write - 1] = pairs[source - 1]
                    }
                }
                previousWasMerged = isMerge
                write += 1
            }
            count = write
        }
        for i in 0..<count { output[i] = Int(symbols[i]) }
        return count
    }

    private mutating func mergeLong(
        _ bytes: UnsafePointer<UInt8>, count n: Int, context: MergeContext, into output: UnsafeMutablePointer<Int>
    ) -> Int {
        let dead = UInt32.max
        symbols = (0..<n).map { context.byteTokens[Int(bytes[$0])] }
        next = (0..<n).map { Int32($0 + 1) }
        next[n - 1] = -1
        previous = (0..<n).map { Int32($0 - 1) }
        heap.removeAll(keepingCapacity: true)
        for i in 0..<(n - 1) {
            let value = context.lookup(symbols[i], symbols[i + 1])
            if value != MergeTable.none { heap.append((value & 0xFFFF_FFFF_0000_0000) | UInt64(i)) }
        }
        MinHeap.heapify(&heap)

        while let top = heap.first {
            // One encoder.py pass: every live occurrence of the lowest-rank pair, left to right.
            let rank = top >> 32
            mergedPositions.removeAll(keepingCapacity: true)
            while let entry = heap.first, entry >> 32 == rank {
                MinHeap.popMin(&heap)
                let position = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF)
                guard symbols[position] != dead else { continue }
                let right = Int(next[position])
                guard right >= 0 else { continue }
                let value = context.lookup(symbols[position], symbols[right])
                guard value != MergeTable.none && value >> 32 == rank else { continue }
                symbols[position] = UInt32(truncatingIfNeeded: value)
                symbols[right] = dead
                let after = next[right]
                next[position] = after
                if after >= 0 { previous[Int(after)] = Int32(position) }
                mergedPositions.append(Int32(position))
            }
            // The pairs that the merged symbols now form enter the next passes.
            for position32 in mergedPositions {
                let position = Int(position32)
                let before = Int(previous[position])
                if before >= 0 {
                    let value = context.lookup(symbols[before], symbols[position])
                    if value != MergeTable.none { MinHeap.push(&heap, (value & 0xFFFF_FFFF_0000_0000) | UInt64(before)) }
                }
                let after = Int(next[position])
                if after >= 0 {
                    let value = context.lookup(symbols[position], symbols[after])
                    if value != MergeTable.none { MinHeap.push(&heap, (value & 0xFFFF_FFFF_0000_0000) | UInt64(position)) }
                }
            }
        }

        var written = 0
        var position = 0  // the first symbol is never the right half of a merge, so it stays live
        while position >= 0 {
            output[written] = Int(symbols[position])
            written += 1
            position = Int(next[position])
        }
        return written
    }
}
