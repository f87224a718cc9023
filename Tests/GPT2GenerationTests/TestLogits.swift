import Foundation
import GPT2Generation

/// Test inputs and naive references shared by the generation tests.
enum TestLogits {
    /// `count` logits `u^3 * scale` with `u = nextFloat()` of `Xoshiro256StarStar(seed:)`: a skewed
    /// distribution with a few large logits, like a language model's. Only exact float products, so
    /// NumPy computes the same values (see TopPFilterTests for the fixture script).
    static func skewed(seed: UInt64, count: Int = 50257, scale: Float) -> [Float] {
        var rng = Xoshiro256StarStar(seed: seed)
        return (0..<count).map { _ in
            let u = rng.nextFloat()
            return u * u * u * scale
        }
    }

    /// The ids a filter chain keeps from `logits`, ascending.
    static func kept(_ logits: [Float], filters: [any CandidateFilter]) -> [Int] {
        var candidates = TokenCandidates()
        logits.withUnsafeBufferPointer { candidates.load(logits: $0) }
        var filters = filters
        for i in filters.indices { filters[i].apply(to: &candidates) }
        return candidates.ids.map { Int($0) }.sorted()
    }

    /// (count, sum of ids, sum of squared ids): a fingerprint of a kept set.
    static func fingerprint(_ ids: [Int]) -> [Int] {
        [ids.count, ids.reduce(0, +), ids.reduce(0) { $0 + $1 * $1 }]
    }

    /// Softmax in Double.
    static func softmax(_ logits: [Float]) -> [Double] {
        let m = Double(logits.max()!)
        let e = logits.map { exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Naive top-p: full sort (largest first, lower id first on ties), Double softmax, keep a token
    /// while the mass above it is below p.
    static func naiveTopP(_ logits: [Float], p: Double) -> [Int] {
        let probs = softmax(logits)
        let order = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        var above = 0.0
        var kept: [Int] = []
        for i in order {
            if above >= p { break }
            kept.append(i)
            above += probs[i]
        }
        return kept.sorted()
    }

    /// Naive top-k (Hugging Face): keep logits >= the k-th largest.
    static func naiveTopK(_ logits: [Float], k: Int) -> [Int] {
        let kth = logits.sorted(by: >)[k - 1]
        return logits.indices.filter { logits[$0] >= kth }
    }

    /// Runs `chain` once on a copy of `logits`.
    static func sample(_ chain: inout SamplerChain, _ logits: [Float], prompt: [Int] = [], generated: [Int] = []) -> Int {
        var copy = logits
        return chain.sample(logits: &copy, promptTokens: prompt, generatedTokens: generated)
    }
}
