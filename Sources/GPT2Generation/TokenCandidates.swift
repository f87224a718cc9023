/// The working set of the second stage of a ``SamplerChain``: the tokens still in the running
/// and their logits, as llama.cpp's `llama_token_data_array`, stored as two parallel arrays so
/// the loops over them vectorize.
///
/// ``load(logits:)`` starts it with the whole vocabulary; each ``CandidateFilter`` then rescales
/// or truncates it, and the chain draws from what is left. A NaN logit is loaded as `-inf`
/// (zero probability) and `+inf` as the largest finite float (so such a token wins, and ties
/// with other `+inf` tokens share the probability). The arrays keep their capacity between steps,
/// so a chain allocates them once.
public struct TokenCandidates: Sendable {
    /// The candidates' token ids, in `0..<vocabularySize`; parallel to ``logits``.
    public var ids: [Int32] = []

    /// The candidates' current logits (never NaN); parallel to ``ids``.
    public var logits: [Float] = []

    /// Whether the candidates are in rank order: larger logit first, and the lower id first
    /// among equal logits (as greedy decoding breaks ties). A filter that reorders or rescales
    /// candidates must keep this truthful; one that leaves them unsorted must keep them in id
    /// order, which ties are broken by.
    public var isSorted = false

    private var keys: [UInt64] = []

    /// Creates an empty set.
    public init() {}

    /// The number of candidates left.
    public var count: Int { ids.count }

    /// Replaces the candidates with every token of the vocabulary, in id order.
    ///
    /// - Parameter logits: one logit per token id (`vocabularySize` floats).
    public mutating func load(logits source: UnsafeBufferPointer<Float>) {
        let n = source.count
        if ids.count != n { ids = [Int32](repeating: 0, count: n) }
        ids.withUnsafeMutableBufferPointer { ids in
            for i in 0..<n { ids[i] = Int32(truncatingIfNeeded: i) }
        }
        if logits.count != n { logits = [Float](repeating: 0, count: n) }
        logits.withUnsafeMutableBufferPointer { out in
            for i in 0..<n {
                let x = source[i]
                out[i] = x.isNaN ? -.infinity : Swift.min(x, .greatestFiniteMagnitude)
            }
        }
        isSorted = false
    }

    /// The largest logit, or `-Float.infinity` when there are no candidates.
    public var maximumLogit: Float {
        if isSorted { return logits.first ?? -.infinity }
        return logits.withUnsafeBufferPointer { VectorMath.maximum($0) }
    }

    /// Removes the candidate at `index`, keeping the others' order (and so the rank order).
    public mutating func remove(at index: Int) {
        ids.remove(at: index)
        logits.remove(at: index)
    }

    /// Keeps the first `n` candidates (the `n` best when ``isSorted``).
    public mutating func truncate(to n: Int) {
        let extra = count - n
        if extra <= 0 { return }
        ids.removeLast(extra)
        logits.removeLast(extra)
    }

    /// Keeps the candidates whose logit is at least `minimum`, in their order.
    public mutating func retain(logitsAtLeast minimum: Float) {
        let n = count
        var kept = 0
        ids.withUnsafeMutableBufferPointer { ids in
            logits.withUnsafeMutableBufferPointer { logits in
                for r in 0..<n where logits[r] >= minimum {
                    ids[kept] = ids[r]
                    logits[kept] = logits[r]
                    kept += 1
                }
            }
        }
        truncate(to: kept)
    }

    /// Keeps the candidates whose `weights` entry (one per candidate, same order) is at least
    /// `minimum`, in their order.
    public mutating func retain(weights: UnsafeBufferPointer<Float>, atLeast minimum: Float) {
        let n = count
        precondition(weights.count >= n)
        var kept = 0
        ids.withUnsafeMutableBufferPointer { ids in
            logits.withUnsafeMutableBufferPointer { logits in
                for r in 0..<n where weights[r] >= minimum {
                    ids[kept] = ids[r]
                    logits[kept] = logits[r]
                    kept += 1
                }
            }
        }
        truncate(to: kept)
    }

    /// Replaces the candidates with those at `indices` (positions in the current arrays), in
    /// rank order: sorted here unless `alreadyRanked` says `indices` is in rank order.
    ///
    /// The sort orders 64-bit keys `(~ordered logit bits << 32) | index` ascending: larger logit
    /// first and, among equal logits, the earlier position first (the lower id, as positions are
    /// in id order after ``load(logits:)`` until a sort), as plain integers.
    public mutating func replace(withSelection indices: UnsafeBufferPointer<Int32>, alreadyRanked: Bool = false) {
        keys.removeAll(keepingCapacity: true)
        keys.reserveCapacity(indices.count)
        for i in indices {
            keys.append(Self.rankKey(logit: logits[Int(i)], index: Int(i)))
        }
        if !alreadyRanked { keys.sort() }
        // Gather into fresh order: write selected (id, logit) pairs through the keys' low halves.
        for (j, key) in keys.enumerated() {
            let index = Int(UInt32(truncatingIfNeeded: key))
            keys[j] = UInt64(UInt32(bitPattern: ids[index])) << 32 | UInt64(logits[index].bitPattern)
        }
        ids.removeAll(keepingCapacity: true)
        logits.removeAll(keepingCapacity: true)
        for pair in keys {
            ids.append(Int32(bitPattern: UInt32(truncatingIfNeeded: pair >> 32)))
            logits.append(Float(bitPattern: UInt32(truncatingIfNeeded: pair)))
        }
        isSorted = true
    }

    /// Puts the candidates in rank order (see ``isSorted``).
    public mutating func sort() {
        if isSorted { return }
        let all = [Int32](0..<Int32(truncatingIfNeeded: count))
        all.withUnsafeBufferPointer { replace(withSelection: $0) }
    }

    /// The sort key of the candidate at `index`: ascending keys are rank order, and the low 32
    /// bits are the index.
    @inline(__always)
    static func rankKey(logit: Float, index: Int) -> UInt64 {
        UInt64(~VectorMath.orderedBits(logit)) << 32 | UInt64(UInt32(truncatingIfNeeded: index))
    }
}
