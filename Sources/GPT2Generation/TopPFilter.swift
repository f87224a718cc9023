import Foundation

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
/// once; then only the tokens above a threshold weight are gathered and sorted, lowering the
/// threshold (by 16x) until the gathered mass reaches `p`. The last threshold tried is one below
/// which the whole remainder cannot reach `1 - p`, so the search always ends; for GPT-2 it
/// typically sorts hundreds of tokens, not 50257.
public struct TopPFilter: CandidateFilter {
    /// The probability mass to keep, in `(0, 1]`; `1` is off.
    public let p: Float

    private var weights: [Float] = []
    private var gathered: [TokenCandidates.Entry] = []

    /// Creates the filter; `p` must be in `(0, 1]`, and `1` turns it off.
    public init(p: Float) {
        self.p = p
    }

    public mutating func apply(to candidates: inout TokenCandidates) {
        let n = candidates.count
        guard p < 1, n > 1 else { return }
        let m = candidates.maximumLogit

        if candidates.isSorted {
            var total = 0.0
            for e in candidates.entries { total += Double(exp(e.logit - m)) }
            let keep = nucleusCount(candidates.entries, maximum: m, target: Double(p) * total)
            candidates.entries.removeLast(n - keep.count)
            return
        }

        weights.removeAll(keepingCapacity: true)
        weights.reserveCapacity(n)
        var total = 0.0
        for e in candidates.entries {
            let w = exp(e.logit - m)
            weights.append(w)
            total += Double(w)
        }
        let target = Double(p) * total
        // Tokens with weight below `sufficient` hold less than total - target together.
        let sufficient = Float((total - target) / Double(n))

        // Thresholds tried: 1/64, then 16x lower each time, clamped at `sufficient`, then 0
        // (every token), which always ends the search.
        var threshold: Float = max(1.0 / 64, sufficient)
        while true {
            gathered.removeAll(keepingCapacity: true)
            var mass = 0.0
            for i in 0..<n where weights[i] >= threshold {
                gathered.append(candidates.entries[i])
                mass += Double(weights[i])
            }
            if mass >= target || threshold == 0 {
                gathered.sort { $0.ranksAbove($1) }
                let keep = nucleusCount(gathered, maximum: m, target: target)
                if keep.reached || threshold == 0 {
                    swap(&candidates.entries, &gathered)
                    candidates.entries.removeLast(candidates.count - keep.count)
                    candidates.isSorted = true
                    return
                }
            }
            threshold = threshold <= sufficient ? 0 : max(threshold / 16, sufficient)
        }
    }

    /// How many leading entries (in rank order) to keep: an entry is kept while the mass above
    /// it is below `target`. `reached` tells whether the mass reached the target within `sorted`.
    private func nucleusCount(
        _ sorted: [TokenCandidates.Entry], maximum m: Float, target: Double
    ) -> (count: Int, reached: Bool) {
        var above = 0.0
        var count = 0
        for e in sorted {
            if above >= target { return (count, true) }
            above += Double(exp(e.logit - m))
            count += 1
        }
        return (count, above >= target)
    }
}
