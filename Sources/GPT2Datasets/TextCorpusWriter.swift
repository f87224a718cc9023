import Foundation

/// Text output: documents separated by a line holding `<|endoftext|>`
/// (`doc1\n<|endoftext|>\ndoc2\n`). The bytes stream to a hidden temporary file beside the
/// destination, which `finish()` syncs and renames onto it.
public final class TextCorpusWriter: CorpusWriter {
    public static let separator = "\n" + PlainTextImporter.endOfText + "\n"
    public private(set) var documentCount = 0
    public private(set) var byteCount = 0
    public var tokenCount: Int? { nil }

    private let file: StreamingFile

    public init(url: URL) throws {
        file = try StreamingFile(url: url)
    }

    public func append(_ document: String) throws {
        let text = (documentCount == 0 ? "" : Self.separator) + document
        byteCount += text.utf8.count
        try file.append(text)
        documentCount += 1
    }

    public func finish() throws {
        if documentCount > 0 {
            try file.append("\n")
            byteCount += 1
        }
        try file.finish()
    }

    public func cancel() { file.cancel() }
}
