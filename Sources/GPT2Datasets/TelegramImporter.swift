import Foundation

/// Telegram Desktop's JSON export (`result.json`): one chat (`name`, `messages`) or a full
/// export (`chats.list`, each such a chat). A message's `text` is a string or an array of
/// strings and entity objects (`{"type": "link", "text": ...}`) whose texts are joined. Service
/// messages (joins, calls, pins) and messages with only a photo, file or sticker are skipped
/// and counted. The time is `date_unixtime` when present, else `date` read as UTC.
public struct TelegramImporter: DatasetImporter {
    public init() {}

    public func read(_ url: URL, into sink: RecordSink) throws {
        let root = try JSONPath.load(url)
        if let chats = root["chats"] {
            for chat in try chats.require("list").array() { try readChat(chat, into: sink) }
        } else {
            try readChat(root, into: sink)
        }
    }

    private func readChat(_ chat: JSONPath, into sink: RecordSink) throws {
        let id = try chat["id"].map { try $0.number() }.map { String(Int64($0)) } ?? "?"
        let name = try chat.optionalString("name") ?? (try chat.optionalString("type") == "saved_messages"
            ? "Saved Messages" : "chat \(id)")
        for message in try chat.require("messages").array() {
            guard try message.optionalString("type") ?? "message" == "message" else {
                sink.skip("service message")
                continue
            }
            let text = try Self.text(of: message)
            if text.allSatisfy(\.isWhitespace) {
                let media = ["photo", "file", "media_type", "sticker_emoji", "poll", "location_information", "contact_information"]
                sink.skip(media.contains { message[$0] != nil } ? "media" : "empty message")
                continue
            }
            let sender = try message.optionalString("from") ?? message.optionalString("from_id") ?? "Deleted Account"
            try sink.emit(message: ChatMessage(conversation: name, sender: sender, date: try Self.date(of: message),
                                               text: text.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
    }

    static func text(of message: JSONPath) throws -> String {
        guard let text = message["text"] else { return "" }
        if let plain = text.value as? String { return plain }
        guard text.value is [Any] else { throw text.mismatch("a string or an array of strings and entities") }
        var joined = ""
        for part in try text.array() {
            if let plain = part.value as? String {
                joined += plain
            } else if part.isObject {
                joined += try part.optionalString("text") ?? ""
            } else {
                throw part.mismatch("a string or an entity object")
            }
        }
        return joined
    }

    static func date(of message: JSONPath) throws -> Date? {
        if let unix = message["date_unixtime"] { return Date(timeIntervalSince1970: try unix.number()) }
        guard let text = try message.optionalString("date") else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withDashSeparatorInDate, .withColonSeparatorInTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        guard let date = formatter.date(from: text) else {
            throw try message.require("date").mismatch("a date such as \"2023-01-05T10:15:00\"")
        }
        return date
    }
}
