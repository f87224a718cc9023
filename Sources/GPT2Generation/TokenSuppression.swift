/// Makes some token ids impossible (logit `-Float.infinity`), always or only while fewer than a
/// given number of tokens have been generated, like Hugging Face's `SuppressTokensLogitsProcessor`
/// and `MinNewTokensLengthLogitsProcessor`.
///
/// The chain uses it to hold back end-of-text before `minTokens` (or always, with `ignoreEOS`);
/// a privacy guard can use it to ban ids outright.
public struct TokenSuppression: LogitsProcessor {
    /// The banned token ids.
    public let tokenIDs: [Int]
    /// The ban applies while `generatedTokens.count < generatedFewerThan`; `Int.max` means always.
    public let generatedFewerThan: Int

    /// Bans `tokenIDs` while fewer than `generatedFewerThan` tokens have been generated
    /// (by default, always).
    public init(tokenIDs: [Int], whileGeneratedFewerThan generatedFewerThan: Int = .max) {
        self.tokenIDs = tokenIDs
        self.generatedFewerThan = generatedFewerThan
    }

    public func process(_ logits: UnsafeMutableBufferPointer<Float>, context: SamplingContext) {
        guard context.generatedTokens.count < generatedFewerThan else { return }
        for id in tokenIDs where id >= 0 && id < logits.count {
            logits[id] = -.infinity
        }
    }
}
