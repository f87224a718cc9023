/// OpenAI's logit bias: a fixed amount added to the logit of chosen token ids every step.
/// A bias of `-Float.infinity` bans the token.
public struct LogitBias: LogitsProcessor {
    /// (token id, bias) pairs, sorted by id so the order of application is fixed.
    public let biases: [(id: Int, bias: Float)]

    /// Creates the processor from a token id to bias map; ids outside the vocabulary are ignored
    /// when processing (``GenerateParameters/validate(vocabularySize:)`` reports them).
    public init(_ biases: [Int: Float]) {
        self.biases = biases.sorted { $0.key < $1.key }.map { (id: $0.key, bias: $0.value) }
    }

    public func process(_ logits: UnsafeMutableBufferPointer<Float>, context: SamplingContext) {
        for (id, bias) in biases where id >= 0 && id < logits.count {
            logits[id] += bias
        }
    }
}
