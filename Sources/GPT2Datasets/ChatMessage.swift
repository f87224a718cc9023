import Foundation

/// One message of a chat export, before it is shaped into documents.
public struct ChatMessage: Sendable, Equatable {
    /// Which conversation it belongs to (a chat, channel or thread); documents never mix two.
    public var conversation: String
    /// Display name of the sender.
    public var sender: String
    /// When it was sent (exports without a time zone are read as UTC); nil when unknown.
    public var date: Date?
    /// The message text; never empty.
    public var text: String

    public init(conversation: String, sender: String, date: Date?, text: String) {
        self.conversation = conversation
        self.sender = sender
        self.date = date
        self.text = text
    }
}

/// What an importer produces: a finished document (text, CSV, JSONL, posts) or a chat message
/// that `ConversationShaper` groups into documents.
public enum DatasetRecord: Sendable, Equatable {
    case document(String)
    case message(ChatMessage)
}
