import Foundation

/// Receives an importer's records in order and counts what the importer skipped, by reason
/// ("system message", "media", ...), for the summary.
public final class RecordSink {
    private let handler: (DatasetRecord) throws -> Void
    /// How many items were skipped for each reason.
    public private(set) var skipped: [String: Int] = [:]

    public init(_ handler: @escaping (DatasetRecord) throws -> Void) {
        self.handler = handler
    }

    /// Passes one record on.
    public func emit(_ record: DatasetRecord) throws { try handler(record) }

    /// Passes one message on, or counts it as skipped when its text is empty.
    public func emit(message: ChatMessage) throws {
        if message.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            skip("empty message")
        } else {
            try handler(.message(message))
        }
    }

    /// Counts one skipped item.
    public func skip(_ reason: String) { skipped[reason, default: 0] += 1 }
}
