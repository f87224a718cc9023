import Foundation

/// Why a tokenizer could not be loaded, or why a sequence of ids is not valid for it.
public enum TokenizerError: Error, LocalizedError, Equatable {
    /// A file could not be read (missing, unreadable).
    case unreadableFile(file: URL, reason: String)
    /// A folder holds none of the supported file layouts.
    case noTokenizerFiles(directory: URL)
    /// A JSON file is not valid JSON, or a field has the wrong shape.
    case invalidJSON(file: URL, reason: String)
    /// A required JSON field is absent.
    case missingField(file: URL, field: String)
    /// tokenizer.json's `model.type` is not `BPE`.
    case unsupportedModelType(file: URL, type: String)
    /// A merges line is not two tokens separated by one space (`line` is 1-based).
    case invalidMergesLine(file: URL, line: Int, text: String)
    /// A merge names a token, or produces a token, that the vocabulary lacks.
    case mergeTokenNotInVocabulary(file: URL, line: Int, token: String)
    /// A vocabulary id is negative or too large.
    case invalidTokenID(file: URL, token: String, id: Int)
    /// The vocabulary lacks the token for a single byte, so some text could not be encoded.
    case missingByteToken(file: URL, byte: UInt8, spelling: String)
    /// The vocabulary has no `<|endoftext|>` token.
    case missingEndOfText(file: URL)
    /// An id passed to `validate(_:)` names no token (`index` is its position in the sequence).
    case unknownTokenID(id: Int, index: Int, vocabularySize: Int)

    public var errorDescription: String? {
        switch self {
        case let .unreadableFile(file, reason):
            return "Could not read the tokenizer file \(file.path): \(reason)."
        case let .noTokenizerFiles(directory):
            return "The folder \(directory.path) holds no tokenizer files: expected tokenizer.json, "
                + "vocab.json with merges.txt, or encoder.json with vocab.bpe."
        case let .invalidJSON(file, reason):
            return "The tokenizer file \(file.path) is not valid: \(reason)."
        case let .missingField(file, field):
            return "The tokenizer file \(file.path) has no field \"\(field)\", which a byte-level BPE tokenizer needs."
        case let .unsupportedModelType(file, type):
            return "The tokenizer file \(file.path) describes a \"\(type)\" model, but only \"BPE\" is supported."
        case let .invalidMergesLine(file, line, text):
            return "Line \(line) of the merges file \(file.path) is \"\(text)\", but each line must be two tokens separated by one space."
        case let .mergeTokenNotInVocabulary(file, line, token):
            return "The merge at line \(line) of \(file.path) uses or produces the token \"\(token)\", which is not in the vocabulary."
        case let .invalidTokenID(file, token, id):
            return "The vocabulary \(file.path) gives the token \"\(token)\" the id \(id), but ids must be between 0 and \(BPEModel.maximumID - 1)."
        case let .missingByteToken(file, byte, spelling):
            return "The vocabulary \(file.path) has no token \"\(spelling)\" for the byte \(byte), which byte-level BPE needs for every byte."
        case let .missingEndOfText(file):
            return "The vocabulary \(file.path) has no \"<|endoftext|>\" token."
        case let .unknownTokenID(id, index, vocabularySize):
            return "Token id \(id) at position \(index) is not in the vocabulary of \(vocabularySize) tokens."
        }
    }
}
