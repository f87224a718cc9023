/// OpenAI's presence and frequency penalties over the generated tokens (the prompt is not
/// counted): for a token generated `count` times,
/// `logit -= count * frequency + (count > 0 ? presence : 0)`.
public struct PresenceFrequencyPenalty: LogitsProcessor {
    /// Subtracted once from every token that was generated at least once; OpenAI allows `[-2, 2]`.
    public let presence: Float
    /// Subtracted once per occurrence; OpenAI allows `[-2, 2]`.
    public let frequency: Float

    // counts[id] is zero between calls: each call counts, applies and clears only the ids it saw.
    private var counts: [Int32] = []

    /// Creates the processor.
    public init(presence: Float, frequency: Float) {
        self.presence = presence
        self.frequency = frequency
    }

    public mutating func process(_ logits: UnsafeMutableBufferPointer<Float>, context: SamplingContext) {
        if presence == 0 && frequency == 0 { return }
        let vocabularySize = logits.count
        if counts.count != vocabularySize {
            counts = [Int32](repeating: 0, count: vocabularySize)
        }
        let presence = presence
        let frequency = frequency
        counts.withUnsafeMutableBufferPointer { counts in
            let tokens = context.generatedTokens
            for id in tokens where id >= 0 && id < vocabularySize {
                counts[id] &+= 1
            }
            for id in tokens where id >= 0 && id < vocabularySize && counts[id] > 0 {
                logits[id] -= Float(counts[id]) * frequency + presence
                counts[id] = 0
            }
        }
    }
}
