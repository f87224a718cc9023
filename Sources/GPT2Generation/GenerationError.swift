import Foundation

/// Why a generation request cannot run, as one sentence a user can act on.
public enum GenerationError: Error, LocalizedError, Equatable, Sendable {
    /// A field of ``GenerateParameters`` is out of range: its name, the offending value as a phrase
    /// (such as "1.5" or "an empty string at index 2"), and what was expected (such as
    /// "a number in (0, 1]").
    case invalidParameter(name: String, found: String, expected: String)

    /// The one-sentence description shown to users and returned by the server.
    public var errorDescription: String? {
        switch self {
        case let .invalidParameter(name, found, expected):
            return "The generation parameter `\(name)` must be \(expected), but got \(found)."
        }
    }
}
