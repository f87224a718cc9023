import Foundation

/// The model's log-probability of one chosen token, with the most likely alternatives: what
/// OpenAI's `logprobs` field reports for each token.
///
/// Log-probabilities are natural logs of the model's own distribution (the softmax of the raw
/// logits, before penalties, bias, temperature or truncation), as OpenAI and vLLM report them.
public struct TokenLogprob: Sendable, Equatable {
    /// The chosen token id.
    public var tokenID: Int
    /// `log p(tokenID)`; `-infinity` for an impossible token.
    public var logprob: Double
    /// The `count` most likely tokens with their log-probabilities, most likely first (lowest id
    /// first on ties).
    public var top: [(tokenID: Int, logprob: Double)]

    public init(tokenID: Int, logprob: Double, top: [(tokenID: Int, logprob: Double)]) {
        self.tokenID = tokenID
        self.logprob = logprob
        self.top = top
    }

    public static func == (a: TokenLogprob, b: TokenLogprob) -> Bool {
        a.tokenID == b.tokenID && a.logprob == b.logprob
            && a.top.map(\.tokenID) == b.top.map(\.tokenID) && a.top.map(\.logprob) == b.top.map(\.logprob)
    }

    /// Measures `tokenID` and the `topCount` best tokens in `logits` (one row, `vocabularySize`
    /// floats, finite). Costs one pass for the log-sum-exp and one for the top entries.
    public init(logits: UnsafeBufferPointer<Float>, tokenID: Int, topCount: Int) {
        let logNormalizer = Self.logSumExp(logits)
        self.tokenID = tokenID
        logprob = tokenID >= 0 && tokenID < logits.count ? Double(logits[tokenID]) - logNormalizer : -.infinity
        top = Self.largest(logits, count: topCount).map { ($0, Double(logits[$0]) - logNormalizer) }
    }

    /// `log(sum(exp(x)))`, shifted by the maximum so nothing overflows.
    static func logSumExp(_ x: UnsafeBufferPointer<Float>) -> Double {
        guard let m = x.max(), m.isFinite else { return x.max().map(Double.init) ?? 0 }
        var sum = 0.0
        for v in x { sum += Foundation.exp(Double(v - m)) }
        return Double(m) + Foundation.log(sum)
    }

    /// Indices of the `count` largest values, largest first, lowest index first on ties.
    static func largest(_ x: UnsafeBufferPointer<Float>, count: Int) -> [Int] {
        guard count > 0 else { return [] }
        var best: [Int] = []   // kept sorted, at most `count` entries
        best.reserveCapacity(count + 1)
        func better(_ a: Int, _ b: Int) -> Bool { x[a] > x[b] || (x[a] == x[b] && a < b) }
        for i in x.indices {
            if best.count == count, !better(i, best[count - 1]) { continue }
            var at = best.count
            while at > 0, better(i, best[at - 1]) { at -= 1 }
            best.insert(i, at: at)
            if best.count > count { best.removeLast() }
        }
        return best
    }
}
