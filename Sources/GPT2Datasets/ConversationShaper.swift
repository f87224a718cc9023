import Foundation

/// How chat messages become documents.
public struct ShapingOptions: Sendable {
    /// A silence longer than this (seconds) starts a new document (`--gap`, default 6 hours).
    public var gap: TimeInterval = 6 * 3600
    /// Keep only documents in which this person speaks (`--speaker`, case-insensitive).
    public var speaker: String?
    /// With `speaker`: keep only their lines (`--speaker-only`), instead of their lines together
    /// with the conversation before each of them.
    public var speakerOnly = false
    /// Messages before this moment are dropped (`--since`, inclusive).
    public var since: Date?
    /// Messages at or after this moment are dropped (`--until DAY` is the end of DAY).
    public var until: Date?

    public init() {}
}

/// Groups chat messages into documents of "Name: message" lines: a document holds consecutive
/// messages of one conversation with no silence longer than `gap` between them. Messages arrive
/// in order (importers guarantee it); only the current group is held in memory.
public final class ConversationShaper {
    public let options: ShapingOptions
    /// Messages kept per sender, in the documents handed on.
    public private(set) var messagesPerSpeaker: [String: Int] = [:]
    /// Counts of what was dropped, by reason.
    public private(set) var dropped: [String: Int] = [:]

    private var group: [ChatMessage] = []
    private let emit: (String) throws -> Void
    private let speakerKey: String?

    /// - Parameter emit: receives each finished document.
    public init(options: ShapingOptions, emit: @escaping (String) throws -> Void) {
        self.options = options
        self.emit = emit
        speakerKey = options.speaker.map(Self.key)
    }

    /// Adds the next message; may finish the previous document.
    public func add(_ message: ChatMessage) throws {
        if let date = message.date {
            if let since = options.since, date < since { return drop("message outside the date range") }
            if let until = options.until, date >= until { return drop("message outside the date range") }
        }
        if let last = group.last {
            let silence = both(last.date, message.date).map { $1.timeIntervalSince($0) } ?? 0
            if last.conversation != message.conversation || silence > options.gap { try finish() }
        }
        group.append(message)
    }

    /// Hands on the document being collected, if any.
    public func finish() throws {
        guard !group.isEmpty else { return }
        defer { group.removeAll(keepingCapacity: true) }
        var lines = group[...]
        if let speakerKey {
            guard let last = group.lastIndex(where: { Self.key($0.sender) == speakerKey }) else {
                return drop("document without the speaker")
            }
            if options.speakerOnly {
                lines = group.filter { Self.key($0.sender) == speakerKey }[...]
            } else {
                lines = group[...last]
            }
        }
        for message in lines { messagesPerSpeaker[message.sender, default: 0] += 1 }
        try emit(lines.map { "\($0.sender): \($0.text)" }.joined(separator: "\n"))
    }

    private func drop(_ reason: String) { dropped[reason, default: 0] += 1 }

    static func key(_ name: String) -> String { name.trimmingCharacters(in: .whitespaces).lowercased() }
}

private func both<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
