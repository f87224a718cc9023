import Foundation

/// Reads one input file (or folder) and emits its records in order: within a conversation,
/// messages in time order.
public protocol DatasetImporter {
    func read(_ url: URL, into sink: RecordSink) throws
}
