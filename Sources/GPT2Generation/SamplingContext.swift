/// What a sampling step knows besides the logits: the tokens so far and the special ids.
///
/// Token ids are vocabulary indices; ids outside `0..<logits.count` are ignored by every built-in
/// processor rather than trapping.
public struct SamplingContext: Sendable {
    /// The prompt's token ids, in order.
    public var promptTokens: [Int]
    /// The token ids generated so far in this generation, in order (not including the token being
    /// chosen now).
    public var generatedTokens: [Int]
    /// The end-of-text token id (50256 for GPT-2).
    public var endOfTextID: Int

    /// The last `count` tokens of the prompt and the generated tokens together (all of them when
    /// there are fewer), without copying the rest.
    public func lastTokens(_ count: Int) -> [Int] {
        let fromGenerated = generatedTokens.suffix(count)
        return Array(promptTokens.suffix(count - fromGenerated.count)) + fromGenerated
    }

    /// Creates a context.
    public init(promptTokens: [Int], generatedTokens: [Int], endOfTextID: Int) {
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.endOfTextID = endOfTextID
    }
}
