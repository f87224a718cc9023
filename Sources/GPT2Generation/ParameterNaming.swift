/// How error messages spell the fields of ``GenerateParameters``: as the caller typed them.
///
/// A message about `topP` means little to someone who typed `--top-p` or sent `"top_p"`.
public enum ParameterNaming: Sendable, Equatable {
    /// Swift property names (`maxTokens`).
    case swift
    /// Command-line flags (`--max-tokens`).
    case commandLine
    /// JSON request fields (`max_tokens`), as OpenAI's API spells them.
    case json

    /// The name of `property` (a ``GenerateParameters`` property name) in this naming.
    public func name(_ property: String) -> String {
        switch self {
        case .swift:
            return property
        case .commandLine:
            if property == "ignoreEOS" { return "--ignore-eos" }
            return "--" + Self.words(property).joined(separator: "-")
        case .json:
            if property == "ignoreEOS" { return "ignore_eos" }
            return Self.words(property).joined(separator: "_")
        }
    }

    /// `maxTokens` -> `["max", "tokens"]`.
    static func words(_ camelCase: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in camelCase {
            if character.isUppercase, !current.isEmpty {
                words.append(current)
                current = ""
            }
            current.append(character.lowercased())
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
