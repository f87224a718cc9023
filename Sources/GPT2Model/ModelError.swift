import Foundation

/// Inputs a forward pass refuses before touching any cache.
public enum ModelError: Error, LocalizedError, Equatable {
    /// A sequence would grow past the context length (or its cache's capacity).
    case contextOverflow(position: Int, limit: Int)
    /// A token id outside the vocabulary.
    case tokenOutOfRange(id: Int, vocabularySize: Int)
    /// A sequence was given no new tokens.
    case emptySequence(index: Int)
    /// The same cache appears twice in one batch.
    case duplicateCache(index: Int)
    /// A cache made for another model shape.
    case cacheMismatch(reason: String)
    /// The logits after token `position` (0-based) hold NaN or an infinity although the weights are
    /// finite (checked at load): the activations overflowed, first after transformer block
    /// `block` (nil: in the embeddings, final LayerNorm or LM head; see `firstNonFiniteBlock`).
    case nonFiniteLogits(position: Int, block: Int?)

    public var errorDescription: String? {
        switch self {
        case let .contextOverflow(position, limit):
            return "The sequence needs \(position) positions but the model's context holds at most \(limit) tokens; shorten the prompt or ask for fewer new tokens."
        case let .tokenOutOfRange(id, size):
            return "Token id \(id) is outside the vocabulary of \(size) tokens."
        case let .emptySequence(index):
            return "Sequence \(index) of the batch has no new tokens to process."
        case let .duplicateCache(index):
            return "Sequence \(index) of the batch reuses the cache of an earlier sequence; each sequence needs its own cache."
        case let .nonFiniteLogits(position, block):
            let place = block.map { "transformer block \($0)" } ?? "the embeddings, final LayerNorm or LM head"
            return "The model's logits after token \(position) are not finite numbers (NaN or infinity) although its weights are: its activations overflow, first in \(place)."
        case let .cacheMismatch(reason):
            return "The KV cache does not fit this model: \(reason)."
        }
    }
}
