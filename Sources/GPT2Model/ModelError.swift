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
        case let .cacheMismatch(reason):
            return "The KV cache does not fit this model: \(reason)."
        }
    }
}
