import Foundation

/// Facebook "Download your information" JSON: a Messenger thread (`participants`, `messages[]`
/// with `sender_name`, `timestamp_ms`, `content`; newest first in the file, emitted oldest
/// first) or posts (an array, or an object holding one, of `{"timestamp", "data": [{"post"}]}`;
/// each post a document). Every string is passed through `Mojibake.repair`. Unsent messages and
/// messages with only photos, videos, stickers or files are skipped and counted.
public struct FacebookImporter: DatasetImporter {
    public init() {}

    public func read(_ url: URL, into sink: RecordSink) throws {
        let root = try JSONPath.load(url)
        if root["messages"] != nil { return try readThread(root, into: sink) }
        var posts = root
        if root.isObject {
            guard let key = root.keys.first(where: { (root[$0]?.value as? [Any]) != nil }) else {
                throw root.mismatch("a Messenger thread with \"messages\" or a list of posts")
            }
            posts = root[key]!
        }
        for post in try posts.array() {
            var texts: [String] = []
            for item in try post["data"]?.array() ?? [] {
                if let text = try item.optionalString("post") { texts.append(Mojibake.repair(text)) }
            }
            let text = texts.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { sink.skip(post["attachments"] != nil ? "media" : "empty post") } else {
                try sink.emit(.document(text))
            }
        }
    }

    private func readThread(_ root: JSONPath, into sink: RecordSink) throws {
        let title = Mojibake.repair(try root.optionalString("title") ?? root.optionalString("thread_path") ?? "Messenger")
        var messages: [(Double, ChatMessage)] = []
        for message in try root.require("messages").array() {
            if (message["is_unsent"]?.value as? NSNumber)?.boolValue == true {
                sink.skip("deleted message")
                continue
            }
            let milliseconds = try message.require("timestamp_ms").number()
            guard let content = try message.optionalString("content"), !content.allSatisfy(\.isWhitespace) else {
                let media = ["photos", "videos", "audio_files", "gifs", "sticker", "files", "share"]
                sink.skip(media.contains { message[$0] != nil } ? "media" : "empty message")
                continue
            }
            let sender = Mojibake.repair(try message.require("sender_name").string())
            messages.append((milliseconds, ChatMessage(conversation: title, sender: sender,
                                                       date: Date(timeIntervalSince1970: milliseconds / 1000),
                                                       text: Mojibake.repair(content))))
        }
        for (_, message) in messages.sorted(by: { $0.0 < $1.0 }) { try sink.emit(message: message) }
    }
}
