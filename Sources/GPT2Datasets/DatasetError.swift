import Foundation

/// Why a dataset could not be imported or written. Every case names the file and, where it
/// applies, the line or JSON path, what was expected and what was found.
public enum DatasetError: Error, LocalizedError, Equatable, Sendable {
    /// The input does not exist or cannot be read.
    case unreadable(file: String, reason: String)
    /// The input's bytes are not UTF-8 text; `offset` is the first bad byte.
    case notUTF8(file: String, offset: Int)
    /// No importer recognises the content (and `--format` was not given).
    case unknownFormat(file: String)
    /// `--format` named something this code does not know.
    case unknownFormatName(String)
    /// A malformed record: `location` is "line N" or a JSON path such as `messages[3].date`.
    case malformed(file: String, location: String, expected: String, found: String)
    /// A CSV or JSONL file lacks the column or field that holds the text.
    case missingField(file: String, field: String, available: [String])
    /// The output would replace one of the inputs.
    case outputIsInput(output: String)
    /// The output exists and `--force` was not given.
    case outputExists(output: String)
    /// The output could not be written.
    case unwritable(file: String, reason: String)
    /// A command-line value (gap, date, fraction) that does not parse.
    case badOption(name: String, value: String, expected: String)
    /// A zip archive needs `unzip`, which is not installed, or it failed.
    case unzipFailed(file: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadable(file, reason):
            return "Could not read \(file): \(reason)."
        case let .notUTF8(file, offset):
            return "\(file) is not UTF-8 text: byte \(offset) does not start a valid UTF-8 character (convert it with iconv first)."
        case let .unknownFormat(file):
            return "Could not tell the format of \(file); name it with --format (one of \(DatasetFormat.allNames))."
        case let .unknownFormatName(name):
            return "Unknown format \"\(name)\"; expected one of \(DatasetFormat.allNames)."
        case let .malformed(file, location, expected, found):
            return "\(file), \(location): expected \(expected), found \(found)."
        case let .missingField(file, field, available):
            let list = available.isEmpty ? "none" : available.map { "\"\($0)\"" }.joined(separator: ", ")
            return "\(file) has no field \"\(field)\" holding the text (available: \(list)); choose one with --field or --column."
        case let .outputIsInput(output):
            return "The output \(output) is also an input; write to another file."
        case let .outputExists(output):
            return "The output \(output) already exists; pass --force to replace it."
        case let .unwritable(file, reason):
            return "Could not write \(file): \(reason)."
        case let .badOption(name, value, expected):
            return "--\(name) \(value) is not valid: expected \(expected)."
        case let .unzipFailed(file, reason):
            return "Could not open the zip archive \(file): \(reason)."
        }
    }
}
