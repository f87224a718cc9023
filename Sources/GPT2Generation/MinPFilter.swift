/// Min-p truncation with Hugging Face's `MinPLogitsWarper` semantics: keeps the candidates whose
/// probability is at least `minP` times the most likely candidate's, i.e. whose
/// `exp(logit - maxLogit) >= minP`. The top candidate always survives.
public struct MinPFilter: CandidateFilter {
    /// The fraction of the top probability a token needs, in `[0, 1]`; `0` is off.
    public let minP: Float

    private var weights: [Float] = []

    /// Creates the filter; `minP == 0` turns it off.
    public init(minP: Float) {
        self.minP = minP
    }

    public mutating func apply(to candidates: inout TokenCandidates) {
        let n = candidates.count
        guard minP > 0, n > 1 else { return }
        let m = candidates.maximumLogit
        if m == -.infinity { return }
        if weights.count < n { weights = [Float](repeating: 0, count: n) }
        _ = candidates.logits.withUnsafeBufferPointer { logits in
            weights.withUnsafeMutableBufferPointer { VectorMath.expShifted(logits, minus: m, into: $0) }
        }
        // The top candidate has weight exp(0) = 1 >= minP, so it always stays.
        weights.withUnsafeBufferPointer { candidates.retain(weights: $0, atLeast: minP) }
    }
}
