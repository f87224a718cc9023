import Foundation

/// SMS Backup & Restore XML (`<smses>` of `<sms>` and `<mms>` elements).
///
/// `<sms>`: `address`, `date` (Unix milliseconds), `type` (1 received, 2 sent; drafts, outbox
/// and failed messages are skipped), `body`, `contact_name`. `<mms>`: `msg_box` (1 received,
/// 2 sent), the `text` of its `text/plain` parts, and the sender among its `<addr type="137">`.
/// Sent messages are from `ownName`; received ones from the contact's name, or the address when
/// the name is "(Unknown)". Each contact is a conversation, its messages in time order, the
/// conversations in order of first appearance.
public struct SMSBackupImporter: DatasetImporter {
    /// The sender name of sent messages.
    public var ownName: String

    public init(ownName: String = "Me") { self.ownName = ownName }

    public func read(_ url: URL, into sink: RecordSink) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        var scanner = XMLTagScanner(bytes: [UInt8](data), file: url.path)
        var order: [String] = []
        var conversations: [String: [(Double, ChatMessage)]] = [:]
        func add(_ message: ChatMessage, time: Double) {
            if conversations[message.conversation] == nil { order.append(message.conversation) }
            conversations[message.conversation, default: []].append((time, message))
        }
        var mms: (attributes: [String: String], line: Int, texts: [String], from: String?)?
        var sawRoot = false
        while let event = try scanner.next() {
            switch event {
            case .start("smses", _, _):
                sawRoot = true
            case let .start("sms", attributes, line):
                guard let type = attributes["type"], type == "1" || type == "2" else {
                    sink.skip("draft or failed message")
                    continue
                }
                let body = attributes["body"] ?? ""
                guard !body.allSatisfy(\.isWhitespace) else {
                    sink.skip("empty message")
                    continue
                }
                let time = try Self.time(attributes, line: line, file: url.path)
                let contact = Self.contact(attributes)
                add(ChatMessage(conversation: contact, sender: type == "2" ? ownName : contact,
                                date: Date(timeIntervalSince1970: time / 1000), text: body), time: time)
            case let .start("mms", attributes, line):
                mms = (attributes, line, [], nil)
            case let .start("part", attributes, _):
                if attributes["ct"] == "text/plain", let text = attributes["text"] { mms?.texts.append(text) }
            case let .start("addr", attributes, _):
                if attributes["type"] == "137", let address = attributes["address"] { mms?.from = address }
            case .end("mms"):
                guard let message = mms else { continue }
                mms = nil
                let box = message.attributes["msg_box"]
                guard box == "1" || box == "2" else {
                    sink.skip("draft or failed message")
                    continue
                }
                let text = message.texts.joined(separator: "\n")
                guard !text.allSatisfy(\.isWhitespace) else {
                    sink.skip("media")
                    continue
                }
                let time = try Self.time(message.attributes, line: message.line, file: url.path)
                let contact = Self.contact(message.attributes)
                var sender = contact
                if box == "2" { sender = ownName } else if contact.contains("~") || Self.isUnknown(message.attributes) {
                    sender = message.from ?? contact
                }
                add(ChatMessage(conversation: contact, sender: sender,
                                date: Date(timeIntervalSince1970: time / 1000), text: text), time: time)
            default:
                continue
            }
        }
        guard sawRoot else {
            throw DatasetError.malformed(file: url.path, location: "line 1", expected: "an <smses> element (SMS Backup & Restore XML)",
                                         found: "none")
        }
        for key in order {
            for (_, message) in conversations[key]!.sorted(by: { $0.0 < $1.0 }) { try sink.emit(message: message) }
        }
    }

    static func isUnknown(_ attributes: [String: String]) -> Bool {
        let name = attributes["contact_name"] ?? ""
        return name.isEmpty || name == "(Unknown)"
    }

    static func contact(_ attributes: [String: String]) -> String {
        isUnknown(attributes) ? attributes["address"] ?? "(Unknown)" : attributes["contact_name"]!
    }

    static func time(_ attributes: [String: String], line: Int, file: String) throws -> Double {
        guard let text = attributes["date"], let milliseconds = Double(text) else {
            throw DatasetError.malformed(file: file, location: "line \(line)", expected: "a date attribute in Unix milliseconds",
                                         found: attributes["date"].map { "\"\($0)\"" } ?? "none")
        }
        return milliseconds
    }
}
