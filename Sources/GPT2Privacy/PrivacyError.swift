import Foundation

/// A privacy guard's input that cannot be used, named with the file at fault.
public enum PrivacyError: Error, LocalizedError, Equatable, Sendable {
    /// A file could not be read.
    case unreadable(file: String, reason: String)
    /// A verbatim index file is damaged or of another kind.
    case badIndex(file: String, reason: String)
    /// A blocklist or names file holds nothing usable, or an entry that cannot work.
    case badList(file: String, reason: String)
    /// A verbatim index cannot be built from this data.
    case cannotIndex(reason: String)
    /// The index could not be written; nothing was left half written.
    case writeFailed(file: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadable(file, reason): "Cannot read \(file): \(reason)."
        case let .badIndex(file, reason):
            "\(file) is not a usable verbatim index: \(reason). Rebuild it with `gpt2 audit index`."
        case let .badList(file, reason): "\(file) cannot be used: \(reason)."
        case let .cannotIndex(reason): "Cannot build a verbatim index: \(reason)."
        case let .writeFailed(file, reason): "Cannot write \(file): \(reason); nothing was written."
        }
    }
}

/// Reads a UTF-8 list file (blocklist, names): one entry per line, `#` starts a comment line,
/// blank lines are skipped, surrounding spaces trimmed.
enum ListFile {
    static func entries(_ url: URL) throws(PrivacyError) -> [String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadable(file: url.path, reason: (error as NSError).localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .badList(file: url.path, reason: "it is not UTF-8 text")
        }
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
