import Foundation

/// Why fine-tuning cannot start or continue, each as one sentence.
public enum TrainingError: Error, LocalizedError, Equatable {
    /// The model cannot be trained (quantized, untied head); the reason completes "The model ...".
    case notTrainable(String)
    /// A corpus with too few tokens: the path (or a description) and how many it has.
    case emptyCorpus(String, tokens: Int)
    /// A token id the model does not know: the file, the id and the vocabulary size.
    case tokenOutOfRange(String, id: Int, vocabulary: Int)
    /// A training option out of range: the option and what it must be.
    case invalidOption(String, expected: String)
    /// A checkpoint that cannot be resumed: the path and why.
    case badCheckpoint(URL, reason: String)
    /// A checkpoint or log that cannot be written: the path and why.
    case writeFailed(URL, reason: String)
    /// The loss became NaN or infinite at a step.
    case diverged(step: Int)

    public var errorDescription: String? {
        switch self {
        case let .notTrainable(reason):
            return "The model cannot be fine-tuned: \(reason)."
        case let .emptyCorpus(source, tokens):
            return "The training data \(source) has \(tokens) token\(tokens == 1 ? "" : "s"): at least 2 are needed to predict one from another."
        case let .tokenOutOfRange(source, id, vocabulary):
            return "\(source) holds token id \(id), but the model's vocabulary has \(vocabulary) ids (0..<\(vocabulary))."
        case let .invalidOption(option, expected):
            return "\(option) must be \(expected)."
        case let .badCheckpoint(url, reason):
            return "\(url.path) cannot be resumed: \(reason)."
        case let .writeFailed(url, reason):
            return "\(url.path) cannot be written: \(reason)."
        case let .diverged(step):
            return "The loss became NaN or infinite at step \(step); lower --lr or raise --warmup."
        }
    }
}
