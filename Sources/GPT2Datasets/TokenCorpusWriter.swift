import Dispatch
import Foundation
import GPT2Tokenizer

/// Token output through `TokenFileWriter`: documents are collected into batches of about
/// 1 MiB of text, each batch is encoded on `threads` threads at once, and the ids are appended
/// in document order, so memory holds one batch of text and its ids, whatever the corpus size.
public final class TokenCorpusWriter: CorpusWriter {
    public var documentCount: Int { writer.documentCount + pending.count }
    public var tokenCount: Int? { writer.tokenCount }
    public var byteCount: Int { TokenFile.headerSize + 2 * writer.tokenCount }

    private let tokenizer: BPETokenizer
    private let writer: TokenFileWriter
    private let threads: Int
    private var pending: [String] = []
    private var pendingBytes = 0
    private static let batchBytes = 1 << 20

    /// - Parameter threads: encoding threads (at least 1).
    public init(url: URL, tokenizer: BPETokenizer, threads: Int) throws {
        guard tokenizer.vocabularySize <= TokenFile.maximumVocabularySize else {
            throw DatasetError.unwritable(file: url.path, reason:
                "the tokenizer has \(tokenizer.vocabularySize) tokens, more than the \(TokenFile.maximumVocabularySize) that 16-bit ids hold")
        }
        self.tokenizer = tokenizer
        self.threads = max(1, threads)
        writer = try TokenFileWriter(url: url, vocabularySize: tokenizer.vocabularySize, endOfTextID: tokenizer.endOfTextID)
    }

    public func append(_ document: String) throws {
        pending.append(document)
        pendingBytes += document.utf8.count
        if pendingBytes >= Self.batchBytes { try flush() }
    }

    public func finish() throws {
        try flush()
        try writer.finish()
    }

    public func cancel() { writer.cancel() }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        let documents = pending
        let results = EncodedBatch(count: documents.count)
        let tokenizer = tokenizer
        let workers = min(threads, documents.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < documents.count {
                results.store(tokenizer.encode(documents[index]).map { UInt16(truncatingIfNeeded: $0) }, at: index)
                index += workers
            }
        }
        for ids in results.ids { try writer.append(document: ids) }
        pending.removeAll(keepingCapacity: true)
        pendingBytes = 0
    }
}

/// The ids of one batch, filled by several threads at distinct indices.
private final class EncodedBatch: @unchecked Sendable {
    // Each index is written by exactly one thread and read only after all of them finish.
    // Ids are kept as UInt16 (the token file's width; the vocabulary was checked to fit).
    private(set) var ids: [[UInt16]]

    init(count: Int) { ids = Array(repeating: [], count: count) }

    func store(_ value: [UInt16], at index: Int) {
        ids.withUnsafeMutableBufferPointer { $0[index] = value }
    }
}
