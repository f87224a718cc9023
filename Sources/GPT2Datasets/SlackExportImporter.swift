import Foundation

/// A Slack workspace export: a folder (or a `.zip` of one) with `users.json`, `channels.json`
/// (and `groups.json`, `mpims.json`, `dms.json` when present) and one folder per conversation
/// holding a `YYYY-MM-DD.json` array of messages per day.
///
/// Each channel becomes the conversation `#name`; each thread (the messages sharing a
/// `thread_ts`, parent first) the conversation `#name thread TS`. User ids become display
/// names, `<@U…>` mentions `@Name`, `<#C…|name>` `#name`, links their label (or address), and
/// `&amp;` `&lt;` `&gt;` their characters. Joins, topic changes and other subtypes, bot
/// messages, deleted messages and file-only messages are skipped and counted.
public struct SlackExportImporter: DatasetImporter {
    static let keptSubtypes: Set<String> = ["thread_broadcast", "me_message", "file_share"]

    public init() {}

    public func read(_ url: URL, into sink: RecordSink) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DatasetError.unreadable(file: url.path, reason: "no such file or folder")
        }
        if isFolder.boolValue { return try readFolder(url, into: sink) }
        let archive = try ZipArchive.extract(url)
        defer { try? FileManager.default.removeItem(at: archive.folder) }
        try readFolder(archive.root, into: sink)
    }

    func readFolder(_ root: URL, into sink: RecordSink) throws {
        let users = try Self.loadUsers(root)
        var conversations: [(folder: String, name: String)] = []
        for (file, prefix) in [("channels.json", "#"), ("groups.json", "#"), ("mpims.json", ""), ("dms.json", "")] {
            let listURL = root.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: listURL.path) else {
                if file == "channels.json" {
                    throw DatasetError.malformed(file: root.path, location: "channels.json", expected: "a Slack export with channels.json",
                                                 found: "no such file")
                }
                continue
            }
            for item in try JSONPath.load(listURL).array() {
                let id = try item.require("id").string()
                if let name = try item.optionalString("name") {
                    conversations.append((name, prefix + name))
                } else {
                    let members = try item["members"]?.array().map { try users[$0.string()] ?? $0.string() } ?? []
                    conversations.append((id, members.isEmpty ? id : members.joined(separator: ", ")))
                }
            }
        }
        let markup = SlackMarkup(users: users)
        for conversation in conversations {
            try readConversation(root.appendingPathComponent(conversation.folder), name: conversation.name,
                                 users: users, markup: markup, sink: sink)
        }
    }

    private func readConversation(_ folder: URL, name: String, users: [String: String], markup: SlackMarkup,
                                  sink: RecordSink) throws {
        guard let days = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        var main: [(Double, ChatMessage)] = []
        var threads: [String: [(Double, ChatMessage)]] = [:]
        for day in days.sorted() where day.hasSuffix(".json") {
            for item in try JSONPath.load(folder.appendingPathComponent(day)).array() {
                let subtype = try item.optionalString("subtype")
                if let subtype, !Self.keptSubtypes.contains(subtype) {
                    sink.skip(subtype == "bot_message" ? "bot message"
                              : subtype.contains("delete") || subtype == "tombstone" ? "deleted message" : "system message")
                    continue
                }
                let ts = try item.require("ts")
                let seconds = try ts.number()
                let userID = try item.optionalString("user") ?? ""
                let profileName = try item["user_profile"]?.optionalString("real_name")
                let sender = users[userID] ?? profileName ?? userID
                let text = markup.plainText(try item.optionalString("text") ?? "")
                if text.allSatisfy(\.isWhitespace) {
                    sink.skip(item["files"] != nil ? "media" : "empty message")
                    continue
                }
                let timestamp = try ts.string()
                let threadTS = try item.optionalString("thread_ts")
                var message = ChatMessage(conversation: name, sender: sender,
                                          date: Date(timeIntervalSince1970: seconds), text: text)
                if let threadTS {
                    message.conversation = "\(name) thread \(threadTS)"
                    threads[threadTS, default: []].append((seconds, message))
                }
                if threadTS == nil || threadTS == timestamp {
                    message.conversation = name
                    main.append((seconds, message))
                }
            }
        }
        for (_, message) in main.sorted(by: { $0.0 < $1.0 }) { try sink.emit(message: message) }
        for thread in threads.values.sorted(by: { $0.map(\.0).min()! < $1.map(\.0).min()! }) where thread.count > 1 {
            for (_, message) in thread.sorted(by: { $0.0 < $1.0 }) { try sink.emit(message: message) }
        }
    }

    /// User id -> the name people see: the display name, else the real name, else the handle.
    static func loadUsers(_ root: URL) throws -> [String: String] {
        let url = root.appendingPathComponent("users.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DatasetError.malformed(file: root.path, location: "users.json", expected: "a Slack export with users.json",
                                         found: "no such file")
        }
        var names: [String: String] = [:]
        for user in try JSONPath.load(url).array() {
            let id = try user.require("id").string()
            let candidates = [try user["profile"]?.optionalString("display_name"),
                              try user["profile"]?.optionalString("real_name"),
                              try user.optionalString("real_name"), try user.optionalString("name")]
            names[id] = candidates.compactMap { $0 }.first { !$0.isEmpty } ?? id
        }
        return names
    }
}
