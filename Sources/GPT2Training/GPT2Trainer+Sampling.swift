extension GPT2Trainer {
    /// Continues `prompt` by `count` tokens drawn from the model's distribution (temperature 1,
    /// the `topK` likeliest tokens), for a look at what training has taught so far. Uses its own
    /// generator (`seed`), so sampling never changes the training data's order. Runs full
    /// forward passes over one window of at most the context length: the positions after the
    /// current one are padding the causal mask keeps from mattering.
    public func sample(prompt: [Int32], count: Int, topK: Int = 40, seed: UInt64) -> [Int32] {
        guard !prompt.isEmpty, count > 0 else { return [] }
        let window = min(config.contextLength, prompt.count + count)
        var ids = Array(prompt.suffix(window))
        var rng = TrainingRNG(seed: seed)
        var produced: [Int32] = []
        while produced.count < count {
            if ids.count > window { ids.removeFirst(ids.count - window) }
            let inputs = ids + Array(repeating: 0, count: window - ids.count)
            _ = forward(tokens: inputs, targets: Array(repeating: 0, count: window), batch: 1, time: window)
            let probs = probabilities(row: ids.count - 1)
            let candidates = probs.indices.sorted { probs[$0] > probs[$1] }.prefix(max(1, topK))
            let total = candidates.reduce(Float(0)) { $0 + probs[$1] }
            var pick = rng.unit() * total
            var chosen = candidates.last!
            for id in candidates {
                pick -= probs[id]
                if pick <= 0 { chosen = id; break }
            }
            ids.append(Int32(chosen))
            produced.append(Int32(chosen))
        }
        return produced
    }
}
