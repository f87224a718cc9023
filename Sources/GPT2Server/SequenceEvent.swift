import GPT2Generation

/// One sequence the scheduler is asked to generate: a prompt, its parameters (validated, with a
/// seed), and what to measure.
public struct SequenceRequest: Sendable {
    /// Prompt token ids (at least one).
    public var promptIDs: [Int]
    /// The generation's parameters.
    public var parameters: GenerateParameters
    /// `nil`: no log-probabilities; otherwise the chosen token's and this many alternatives.
    public var topLogprobs: Int?
    /// Whether to report the prompt's own log-probabilities (OpenAI's `echo` with `logprobs`).
    public var promptLogprobs: Bool

    public init(promptIDs: [Int], parameters: GenerateParameters, topLogprobs: Int? = nil, promptLogprobs: Bool = false) {
        self.promptIDs = promptIDs
        self.parameters = parameters
        self.topLogprobs = topLogprobs
        self.promptLogprobs = promptLogprobs
    }
}

/// What a sequence reports, in order: optionally its prompt's log-probabilities, then steps, then
/// (when a privacy guard was on) its privacy report, then exactly one `finished` or `failed`.
public enum SequenceEvent: Sendable {
    /// The prompt's tokens' log-probabilities (`nil` for the first token) with top alternatives.
    case promptLogprobs([TokenLogprob?])
    /// One generated token (or the end-of-text that ended the text) and the text it made final.
    case step(GenerationStep)
    /// What the privacy guards did, just before `finished`, when any guard was on.
    case privacy(PrivacyReport)
    /// The end, with OpenAI's reason and the counts for `usage`.
    case finished(reason: FinishReason, promptTokens: Int, completionTokens: Int)
    /// The sequence failed after it was accepted (the error reaches a stream as an `error` event).
    case failed(APIError)
}
