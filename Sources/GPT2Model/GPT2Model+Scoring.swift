import GPT2Kernels

extension GPT2Model {
    /// Natural-log probability of every token given the tokens before it: `[nil, lp1, ...]`.
    /// Texts longer than the context are scored in windows that keep the latter half as context.
    /// - Throws: `ModelError` for bad ids, `.nonFiniteLogits` when the model's logits overflow.
    public func tokenLogProbabilities(_ ids: [Int], workspace: ForwardWorkspace) throws -> [Double?] {
        var result: [Double?] = [nil]
        guard ids.count > 1 else { return ids.isEmpty ? [] : result }
        let window = config.contextLength
        let stride = max(1, window / 2)
        var start = 0          // first token of the current window
        var scoredUpTo = 1     // next token index that still needs a log-probability
        while scoredUpTo < ids.count {
            let end = min(ids.count, start + window)
            let cache = makeCache(capacity: end - start)
            let logits = try forward([.init(tokens: Array(ids[start..<end]), cache: cache)], logits: .all, workspace: workspace)
            for target in scoredUpTo..<end {
                let row = logits[target - 1 - start]
                Kernels.logSoftmax(row.baseAddress!, count: row.count)
                let logProbability = row[ids[target]]
                // Finite weights can still overflow to inf and then NaN; say so instead of
                // returning numbers that JSON cannot hold.
                guard logProbability.isFinite else {
                    let block = try firstNonFiniteBlock(tokens: Array(ids[start..<end]), workspace: workspace)
                    throw ModelError.nonFiniteLogits(position: target - 1, block: block)
                }
                result.append(Double(logProbability))
            }
            scoredUpTo = end
            start += stride
        }
        return result
    }
}
