import Foundation

/// The input formats `gpt2 dataset build` reads.
public enum DatasetFormat: String, CaseIterable, Sendable {
    /// Plain text: documents split by `<|endoftext|>`, blank lines or lines (`TextSplit`).
    case text
    /// Comma-separated values with a header row; one document per row (`--column`).
    case csv
    /// One JSON object per line; one document per line (`--field`).
    case jsonl
    /// WhatsApp "Export chat" `.txt` (Android or iOS style).
    case whatsapp
    /// Slack workspace export: a folder or a `.zip` with `users.json` and `channels.json`.
    case slack
    /// Telegram Desktop `result.json`: one chat or a full export with `chats.list`.
    case telegram
    /// Facebook "Download your information" JSON: Messenger threads or posts.
    case facebook
    /// SMS Backup & Restore XML.
    case sms

    /// The names, comma-separated, for error messages and help.
    public static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Parses a `--format` value (case-insensitive).
    public init(name: String) throws(DatasetError) {
        guard let format = DatasetFormat(rawValue: name.lowercased()) else { throw .unknownFormatName(name) }
        self = format
    }
}
