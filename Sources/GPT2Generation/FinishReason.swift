/// Why a generation ended, with OpenAI's names.
public enum FinishReason: String, Sendable, Codable, Equatable {
    /// The model produced end-of-text or the text reached a stop string.
    case stop
    /// `maxTokens` tokens were generated, or the context window is full.
    case length
    /// The output filter found a personal detail and ended the text before it.
    case contentFilter = "content_filter"
}
