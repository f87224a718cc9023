/// Hugging Face's repetition penalty (`RepetitionPenaltyLogitsProcessor`, Keskar et al. 2019):
/// every distinct token id in the prompt and the generated tokens gets its logit divided by
/// `penalty` when it is positive and multiplied by it when it is negative, once however often the
/// token occurs. A penalty above 1 discourages repetition; below 1 encourages it.
public struct RepetitionPenalty: LogitsProcessor {
    /// The penalty factor, `> 0`; `1` changes nothing.
    public let penalty: Float

    // stamps[id] == stamp marks an id already penalized in this call; a fresh stamp per call
    // avoids clearing the vocabulary-sized array every token.
    private var stamps: [UInt32] = []
    private var stamp: UInt32 = 0

    /// Creates the processor; `penalty` must be `> 0`.
    public init(penalty: Float) {
        self.penalty = penalty
    }

    public mutating func process(_ logits: UnsafeMutableBufferPointer<Float>, context: SamplingContext) {
        if penalty == 1 { return }
        let vocabularySize = logits.count
        if stamps.count != vocabularySize {
            stamps = [UInt32](repeating: 0, count: vocabularySize)
            stamp = 0
        }
        stamp &+= 1
        if stamp == 0 {  // wrapped after 2^32 calls: forget every old mark
            for i in stamps.indices { stamps[i] = 0 }
            stamp = 1
        }
        let penalty = penalty
        let current = stamp
        stamps.withUnsafeMutableBufferPointer { marks in
            func apply(_ tokens: [Int]) {
                for id in tokens where id >= 0 && id < vocabularySize && marks[id] != current {
                    marks[id] = current
                    let x = logits[id]
                    logits[id] = x < 0 ? x * penalty : x / penalty
                }
            }
            apply(context.promptTokens)
            apply(context.generatedTokens)
        }
    }
}
