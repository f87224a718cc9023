import Foundation

/// Min-p truncation with Hugging Face's `MinPLogitsWarper` semantics: keeps the candidates whose
/// probability is at least `minP` times the most likely candidate's, i.e. whose
/// `exp(logit - maxLogit) >= minP`. The top candidate always survives.
public struct MinPFilter: CandidateFilter {
    /// The fraction of the top probability a token needs, in `[0, 1]`; `0` is off.
    public let minP: Float

    /// Creates the filter; `minP == 0` turns it off.
    public init(minP: Float) {
        self.minP = minP
    }

    public func apply(to candidates: inout TokenCandidates) {
        let n = candidates.count
        guard minP > 0, n > 1 else { return }
        let m = candidates.maximumLogit
        let minP = minP
        var kept = 0
        candidates.entries.withUnsafeMutableBufferPointer { entries in
            for r in 0..<n {
                let e = entries[r]
                if e.logit == m || exp(e.logit - m) >= minP {
                    entries[kept] = e
                    kept += 1
                }
            }
        }
        candidates.entries.removeLast(n - kept)
    }
}
