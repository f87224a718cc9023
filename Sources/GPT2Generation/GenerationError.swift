import Foundation

/// Why a generation request cannot run or cannot go on, as one sentence a user can act on.
public enum GenerationError: Error, LocalizedError, Equatable, Sendable {
    /// A field of ``GenerateParameters`` is out of range: its name as the caller spells it (a flag
    /// such as `--top-p`, a JSON field such as `top_p`), the offending value as a phrase (such as
    /// "1.5" or "an empty string at index 2"), and what was expected (such as "a number in (0, 1]").
    case invalidParameter(name: String, found: String, expected: String)
    /// Every token was banned (by logit bias, end-of-text suppression or non-finite logits) at
    /// generated-token index `step`: nothing can be sampled.
    case noPossibleToken(step: Int)
    /// The model produced a NaN or infinite logit (`value`) for token `tokenID` at generated-token
    /// index `step`: the weights or the arithmetic are broken, so the text would be noise.
    case nonFiniteLogits(step: Int, tokenID: Int, value: Float)
    /// The prompt has no tokens.
    case emptyPrompt
    /// The prompt (`promptTokens` tokens) leaves no room in the context window of `contextLength`.
    case promptTooLong(promptTokens: Int, contextLength: Int)

    /// The one-sentence description shown to users and returned by the server.
    public var errorDescription: String? {
        switch self {
        case let .invalidParameter(name, found, expected):
            return "The generation parameter `\(name)` must be \(expected), but got \(found)."
        case let .noPossibleToken(step):
            return "No token can be generated at step \(step): the logit bias, end-of-text suppression or banned tokens exclude the whole vocabulary; ban fewer tokens."
        case let .nonFiniteLogits(step, tokenID, value):
            return "The model produced a non-finite logit (\(value) for token \(tokenID)) at step \(step); the weights hold NaN or infinite values, so generation stopped."
        case .emptyPrompt:
            return "The prompt has no tokens; give at least one token."
        case let .promptTooLong(promptTokens, contextLength):
            return "The prompt has \(promptTokens) tokens but the model's context holds at most \(contextLength) tokens, including at least one new token; shorten the prompt."
        }
    }
}
