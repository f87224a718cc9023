/// Nucleus (top-p) truncation with Hugging Face's `TopPLogitsWarper` semantics: keeps the
/// smallest set of top-ranked candidates whose probability mass reaches `p`, and always at least
/// one.
///
/// Hugging Face sorts ascending, takes the cumulative softmax, and removes every token whose
/// cumulative probability is `<= 1 - p`. Equivalently, in rank order (largest logit first), a
/// token is kept exactly when the mass ranked strictly above it is `< p`; that is the rule
/// applied here, with the masses summed in `Double`. Two documented differences at razor-thin
/// margins: when the mass lands on `p` to within float rounding the two may decide differently,
/// and among tokens with exactly equal logits straddling the boundary the lower ids are kept
/// (`torch.sort` is not stable, so Hugging Face's choice there is unspecified).
///
/// Speed: the vocabulary is not sorted. Unnormalized weights `exp(logit - max)` are computed
/// once (vectorized); then only the tokens above a threshold weight are gathered and sorted,
/// lowering the threshold (by 16x) until the gathered mass reaches `p`. The last threshold tried
/// is one below which the whole remainder cannot reach `1 - p`, so the search always ends; for
/// GPT-2 it typically sorts hundreds of tokens, not 50257.
public struct TopPFilter: CandidateFilter {
    /// The probability mass to keep, in `(0, 1]`; `1` is off.
    public let p: Float

    private var weights: [Float] = []
    private var selection: [Int32] = []
    private var keys: [UInt64] = []

    /// Creates the filter; `p` must be in `(0, 1]`, and `1` turns it off.
    public init(p: Float) {
        self.p = p
    }

    public mutating func apply(to candidates: inout TokenCandidates) {
        let n = candidates.count
        guard p < 1, n > 1 else { return }
        let m = candidates.maximumLogit
        if m == -.infinity { return }
        if weights.count < n { weights = [Float](repeating: 0, count: n) }
        let total = candidates.logits.withUnsafeBufferPointer { logits in
            weights.withUnsafeMutableBufferPointer { VectorMath.expShifted(logits, minus: m, into: $0) }
        }
        let target = Double(p) * total

        if candidates.isSorted {
            var above = 0.0
            var keep = 0
            while keep < n && above < target {
                above += Double(weights[keep])
                keep += 1
            }
            candidates.truncate(to: keep)
            return
        }

        // Tokens with weight below `sufficient` hold less than total - target together.
        let sufficient = Float((total - target) / Double(n))
        // Thresholds tried: 1/64, then 16x lower each time, clamped at `sufficient`, then 0
        // (every token), which always ends the search.
        var threshold: Float = max(1.0 / 64, sufficient)
        while true {
            let mass = weights.withUnsafeBufferPointer {
                VectorMath.sum(UnsafeBufferPointer(rebasing: $0[0..<n]), atLeast: threshold)
            }
            if mass >= target || threshold == 0 {
                selection.removeAll(keepingCapacity: true)
                for i in 0..<n where weights[i] >= threshold { selection.append(Int32(truncatingIfNeeded: i)) }
                // Rank the gathered tokens and walk them until the mass above reaches the target.
                keys.removeAll(keepingCapacity: true)
                for i in selection { keys.append(TokenCandidates.rankKey(logit: candidates.logits[Int(i)], index: Int(i))) }
                keys.sort()
                var above = 0.0
                var keep = 0
                while keep < keys.count && above < target {
                    above += Double(weights[Int(UInt32(truncatingIfNeeded: keys[keep]))])
                    keep += 1
                }
                if above >= target || threshold == 0 {
                    for j in 0..<keep { selection[j] = Int32(bitPattern: UInt32(truncatingIfNeeded: keys[j])) }
                    selection.withUnsafeBufferPointer {
                        candidates.replace(withSelection: UnsafeBufferPointer(rebasing: $0[0..<keep]), alreadyRanked: true)
                    }
                    return
                }
            }
            threshold = threshold <= sufficient ? 0 : max(threshold / 16, sufficient)
        }
    }
}
