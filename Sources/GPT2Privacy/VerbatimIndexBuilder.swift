import Foundation
import GPT2Model

/// Builds a ``VerbatimIndex`` from training token streams: every window of `window` tokens that
/// holds no end-of-text, hashed, with its position; sorted and deduplicated on ``write(to:)``.
///
/// It holds 16 bytes per indexed token until written, so it suits fine-tuning corpora (a few
/// hundred MB of text at most), not pre-training ones.
public struct VerbatimIndexBuilder: Sendable {
    struct Entry: Sendable {
        var hash: UInt64
        var position: UInt32
    }

    /// What ``write(to:)`` stored.
    public struct Summary: Sendable, Equatable {
        public var window: Int
        public var tokens: Int
        public var documents: Int
        /// Distinct windows stored.
        public var entries: Int
        /// The file's size.
        public var bytes: Int
    }

    public let window: Int
    public let endOfTextID: Int
    private var entries: [Entry] = []
    private var sources: [VerbatimIndex.Source] = []
    private var documentStarts: [UInt32] = []
    private var tokenCount = 0

    /// The default window: 8 tokens, about six words of English.
    public static let defaultWindow = 8

    /// - Parameters:
    ///   - window: tokens per window (at least 2); the verbatim guard's shortest blockable run.
    ///   - endOfTextID: the document separator; windows holding it are not indexed.
    public init(window: Int = defaultWindow, endOfTextID: Int) throws(PrivacyError) {
        guard (2...256).contains(window) else {
            throw .cannotIndex(reason: "the window must be 2 to 256 tokens, but got \(window)")
        }
        self.window = window
        self.endOfTextID = endOfTextID
    }

    /// Adds one source's tokens (documents separated by end-of-text), named `source`.
    public mutating func add(_ tokens: UnsafeBufferPointer<UInt16>, source: String) throws(PrivacyError) {
        guard tokenCount + tokens.count < Int(UInt32.max) else {
            throw .cannotIndex(reason: "the training text has more than \(UInt32.max) tokens")
        }
        sources.append(.init(name: source, firstToken: tokenCount, tokens: tokens.count, firstDocument: documentStarts.count))
        let n = tokens.count
        var atDocumentStart = true
        for i in 0..<n {
            if atDocumentStart && Int(tokens[i]) != endOfTextID { documentStarts.append(UInt32(tokenCount + i)) }
            atDocumentStart = Int(tokens[i]) == endOfTextID
        }
        if n >= window {
            entries.reserveCapacity(entries.count + n - window + 1)
            // `clean` counts the tokens since the last end-of-text, so a window is indexed only
            // when all its tokens belong to one document.
            var clean = 0
            for i in 0..<n {
                clean = Int(tokens[i]) == endOfTextID ? 0 : clean + 1
                guard clean >= window else { continue }
                let start = i - window + 1
                entries.append(Entry(hash: VerbatimIndex.hash(tokens[start...i]), position: UInt32(tokenCount + start)))
            }
        }
        tokenCount += n
    }

    /// ``add(_:source:)`` for token ids.
    public mutating func add(ids: [Int], source: String) throws(PrivacyError) {
        if let bad = ids.first(where: { $0 < 0 || $0 > Int(UInt16.max) }) {
            throw .cannotIndex(reason: "token id \(bad) does not fit the index's 16-bit tokens")
        }
        let narrow = ids.map { UInt16($0) }
        try narrow.withUnsafeBufferPointer { (buffer) throws(PrivacyError) in try add(buffer, source: source) }
    }

    /// Sorts, deduplicates (keeping each window's first position) and writes the index to `url`
    /// atomically: a reader sees the old file or the new one, never a part.
    @discardableResult
    public mutating func write(to url: URL) throws(PrivacyError) -> Summary {
        entries.sort { $0.hash != $1.hash ? $0.hash < $1.hash : $0.position < $1.position }
        var kept = 0
        for i in entries.indices where i == 0 || entries[i].hash != entries[kept - 1].hash {
            entries[kept] = entries[i]
            kept += 1
        }
        entries.removeSubrange(kept...)

        let header = VerbatimIndex.Header(format: VerbatimIndex.format, window: window, entries: entries.count,
                                          tokens: tokenCount, documents: documentStarts.count, sources: sources)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var json: [UInt8]
        do { json = Array(try encoder.encode(header)) } catch {
            throw .cannotIndex(reason: "its header cannot be encoded")
        }
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var prefix = VerbatimIndex.magic
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { prefix.append(contentsOf: $0) }
        var hashBytes = [UInt8](repeating: 0, count: 8 * entries.count)
        var positionBytes = [UInt8](repeating: 0, count: (4 * entries.count + 7) / 8 * 8)
        hashBytes.withUnsafeMutableBytes { out in
            for (i, entry) in entries.enumerated() { out.storeBytes(of: entry.hash.littleEndian, toByteOffset: 8 * i, as: UInt64.self) }
        }
        positionBytes.withUnsafeMutableBytes { out in
            for (i, entry) in entries.enumerated() {
                out.storeBytes(of: entry.position.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        }
        var documentBytes = [UInt8](repeating: 0, count: 4 * documentStarts.count)
        documentBytes.withUnsafeMutableBytes { out in
            for (i, start) in documentStarts.enumerated() { out.storeBytes(of: start.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        let chunks = [prefix, json, hashBytes, positionBytes, documentBytes]
        do { try AtomicFile.write(chunks, to: url) } catch {
            throw .writeFailed(file: url.path, reason: Self.reason(error))
        }
        return Summary(window: window, tokens: tokenCount, documents: documentStarts.count, entries: entries.count,
                       bytes: chunks.reduce(0) { $0 + $1.count })
    }

    static func reason(_ error: CheckpointError) -> String {
        if case let .writeFailed(_, reason) = error { return reason }
        return error.errorDescription ?? "\(error)"
    }
}
