import Foundation

/// A binary file of GPT-2 token ids, written by `gpt2 dataset build --tokens` and memory-mapped
/// by `gpt2 finetune`.
///
/// Layout, all little-endian:
///
/// | bytes | field |
/// |---|---|
/// | 0..<8 | ASCII magic `GPT2TOK1` |
/// | 8..<12 | `UInt32` format version (1) |
/// | 12..<16 | `UInt32` vocabulary size |
/// | 16..<24 | `UInt64` document count |
/// | 24..<32 | `UInt64` token count |
/// | 32... | token count `UInt16` ids |
///
/// Documents are separated by the end-of-text id (50256 for GPT-2): each document is followed by one.
/// Opening a file validates the header and the size, then checks every id against the vocabulary
/// size once (a sequential pass over the mapping), so a reader can index `tokens` without checks.
public struct TokenFile: @unchecked Sendable {
    /// The eight ASCII bytes every token file starts with.
    public static let magic: [UInt8] = Array("GPT2TOK1".utf8)
    /// The only version this code reads and writes.
    public static let version: UInt32 = 1
    /// Header size in bytes.
    public static let headerSize = 32
    /// The largest vocabulary a `UInt16` id can address.
    public static let maximumVocabularySize = Int(UInt16.max) + 1

    /// Where the file lives.
    public let url: URL
    /// Vocabulary size the ids were encoded with; every id is below it.
    public let vocabularySize: Int
    /// Number of documents (each followed by one end-of-text id).
    public let documentCount: Int
    /// Number of ids after the header.
    public var tokenCount: Int { tokens.count }

    /// The ids, read straight from the memory mapping (no copy).
    public let tokens: UnsafeBufferPointer<UInt16>
    private let mapping: TokenFileMapping

    /// Maps `url` and validates the magic, the version, the size against the header's token
    /// count and every id against the vocabulary size.
    public init(contentsOf url: URL) throws {
        let mapping = try TokenFileMapping(url: url)
        let bytes = UnsafeRawBufferPointer(start: mapping.base, count: mapping.length)
        guard bytes.count >= Self.headerSize else {
            throw TokenFileError.truncatedHeader(file: url, size: bytes.count)
        }
        guard Array(bytes[0..<8]) == Self.magic else {
            throw TokenFileError.badMagic(file: url)
        }
        let version = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard version == Self.version else {
            throw TokenFileError.unsupportedVersion(file: url, version: Int(version))
        }
        let vocabularySize = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        guard vocabularySize > 0, vocabularySize <= Self.maximumVocabularySize else {
            throw TokenFileError.badVocabularySize(file: url, size: vocabularySize)
        }
        let documentCount = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        let tokenCount = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        let (payload, overflow) = tokenCount.multipliedReportingOverflow(by: 2)
        guard !overflow, payload <= UInt64(Int.max - Self.headerSize),
              Int(payload) + Self.headerSize == bytes.count
        else {
            throw TokenFileError.sizeMismatch(file: url, tokenCount: tokenCount, size: bytes.count)
        }
        guard documentCount <= tokenCount else {
            throw TokenFileError.tooManyDocuments(file: url, documents: documentCount, tokens: tokenCount)
        }
        let base = mapping.base.map { ($0 + Self.headerSize).assumingMemoryBound(to: UInt16.self) }
        let tokens = UnsafeBufferPointer(start: tokenCount == 0 ? nil : base, count: Int(tokenCount))
        // Ids are stored little-endian; every platform Swift runs this package on is little-endian.
        let limit = UInt16(truncatingIfNeeded: vocabularySize - 1)
        if vocabularySize < Self.maximumVocabularySize {
            for (index, id) in tokens.enumerated() where id > limit {
                throw TokenFileError.idOutOfRange(file: url, index: index, id: Int(id), vocabularySize: vocabularySize)
            }
        }
        self.url = url
        self.vocabularySize = vocabularySize
        self.documentCount = Int(documentCount)
        self.tokens = tokens
        self.mapping = mapping
    }

    /// Starts (in the token stream) of each document: the position after each end-of-text id,
    /// beginning with 0. A trailing empty start after the last separator is not included.
    public func documentStarts(endOfTextID: Int) -> [Int] {
        var starts = tokens.isEmpty ? [] : [0]
        let separator = UInt16(truncatingIfNeeded: endOfTextID)
        for index in tokens.indices where tokens[index] == separator && index + 1 < tokens.count {
            starts.append(index + 1)
        }
        return starts
    }
}

/// Owns the `mmap` of a token file and unmaps it when the last `TokenFile` copy goes away.
final class TokenFileMapping: @unchecked Sendable {
    let base: UnsafeMutableRawPointer?
    let length: Int

    init(url: URL) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw TokenFileError.unreadable(file: url, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw TokenFileError.unreadable(file: url, reason: String(cString: strerror(errno)))
        }
        length = Int(info.st_size)
        if length == 0 {
            base = nil
            return
        }
        let pointer = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let pointer, pointer != MAP_FAILED else {
            throw TokenFileError.unreadable(file: url, reason: String(cString: strerror(errno)))
        }
        base = pointer
    }

    deinit {
        if let base { munmap(base, length) }
    }
}

/// Streams documents into a token file: ids go to a temporary file beside the destination, the
/// header is fixed up by `finish()`, which then renames the file into place. Until then the
/// destination is untouched; a writer dropped without `finish()` removes its temporary file.
public final class TokenFileWriter {
    /// The destination, written only by `finish()`.
    public let url: URL
    /// Every appended id must be below it; it goes into the header.
    public let vocabularySize: Int
    /// The id appended after each document.
    public let endOfTextID: Int
    /// Documents appended so far.
    public private(set) var documentCount = 0
    /// Ids appended so far, end-of-text ids included.
    public private(set) var tokenCount = 0

    private let temporaryURL: URL
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferLimit = 1 << 20

    /// Creates the temporary file and writes a placeholder header.
    /// - Parameters:
    ///   - vocabularySize: every id must be below it; at most 65,536 so ids fit a `UInt16`.
    ///   - endOfTextID: appended after each document (50256 for GPT-2).
    public init(url: URL, vocabularySize: Int, endOfTextID: Int) throws {
        guard vocabularySize > 0, vocabularySize <= TokenFile.maximumVocabularySize else {
            throw TokenFileError.badVocabularySize(file: url, size: vocabularySize)
        }
        guard endOfTextID >= 0, endOfTextID < vocabularySize else {
            throw TokenFileError.idOutOfRange(file: url, index: 0, id: endOfTextID, vocabularySize: vocabularySize)
        }
        self.url = url
        self.vocabularySize = vocabularySize
        self.endOfTextID = endOfTextID
        temporaryURL = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        descriptor = open(temporaryURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw TokenFileError.unwritable(file: url, reason: String(cString: strerror(errno)))
        }
        buffer.reserveCapacity(Self.bufferLimit + 4096)
        buffer.append(contentsOf: [UInt8](repeating: 0, count: TokenFile.headerSize))
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporaryURL.path)
        }
    }

    /// Appends one document's ids followed by the end-of-text id.
    public func append<C: Collection>(document ids: C) throws where C.Element: BinaryInteger {
        guard descriptor >= 0 else { throw TokenFileError.writerClosed(file: url) }
        for id in ids {
            guard id >= 0, id < vocabularySize else {
                throw TokenFileError.idOutOfRange(
                    file: url, index: tokenCount, id: Int(truncatingIfNeeded: id), vocabularySize: vocabularySize)
            }
            let value = UInt16(truncatingIfNeeded: id)
            buffer.append(UInt8(truncatingIfNeeded: value))
            buffer.append(UInt8(truncatingIfNeeded: value >> 8))
            tokenCount += 1
        }
        let separator = UInt16(endOfTextID)
        buffer.append(UInt8(truncatingIfNeeded: separator))
        buffer.append(UInt8(truncatingIfNeeded: separator >> 8))
        tokenCount += 1
        documentCount += 1
        if buffer.count >= Self.bufferLimit { try flush() }
    }

    /// Writes the header, syncs and renames the temporary file onto `url`.
    public func finish() throws {
        guard descriptor >= 0 else { throw TokenFileError.writerClosed(file: url) }
        try flush()
        var header = TokenFile.magic
        withUnsafeBytes(of: TokenFile.version.littleEndian) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(vocabularySize).littleEndian) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(documentCount).littleEndian) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(tokenCount).littleEndian) { header.append(contentsOf: $0) }
        let written = header.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        guard written == header.count, fsync(descriptor) == 0 else { throw failure() }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryURL.path, url.path) == 0 else {
            let error = failure()
            unlink(temporaryURL.path)
            throw error
        }
    }

    /// Abandons the file: removes the temporary file and leaves `url` untouched.
    public func cancel() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(temporaryURL.path)
    }

    private func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let count = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            guard count > 0 else { throw failure() }
            offset += count
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func failure() -> TokenFileError {
        .unwritable(file: url, reason: String(cString: strerror(errno)))
    }
}

/// Why a token file could not be read or written.
public enum TokenFileError: Error, LocalizedError, Equatable {
    case unreadable(file: URL, reason: String)
    case unwritable(file: URL, reason: String)
    case truncatedHeader(file: URL, size: Int)
    case badMagic(file: URL)
    case unsupportedVersion(file: URL, version: Int)
    case badVocabularySize(file: URL, size: Int)
    case sizeMismatch(file: URL, tokenCount: UInt64, size: Int)
    case tooManyDocuments(file: URL, documents: UInt64, tokens: UInt64)
    /// `index` is the id's position among the tokens.
    case idOutOfRange(file: URL, index: Int, id: Int, vocabularySize: Int)
    case writerClosed(file: URL)

    public var errorDescription: String? {
        switch self {
        case let .unreadable(file, reason):
            return "Could not read the token file \(file.path): \(reason)."
        case let .unwritable(file, reason):
            return "Could not write the token file \(file.path): \(reason)."
        case let .truncatedHeader(file, size):
            return "The token file \(file.path) is \(size) bytes, shorter than its \(TokenFile.headerSize)-byte header."
        case let .badMagic(file):
            return "The file \(file.path) is not a token file: it does not start with \"GPT2TOK1\" (write one with gpt2 dataset build --tokens)."
        case let .unsupportedVersion(file, version):
            return "The token file \(file.path) has format version \(version), but only version \(TokenFile.version) is supported."
        case let .badVocabularySize(file, size):
            return "The token file \(file.path) names a vocabulary of \(size) tokens, but it must be between 1 and \(TokenFile.maximumVocabularySize) for 16-bit ids."
        case let .sizeMismatch(file, tokenCount, size):
            return "The token file \(file.path) is \(size) bytes, but its header promises \(tokenCount) tokens, which need \(tokenCount &* 2 &+ 32) bytes: the file is truncated or corrupt."
        case let .tooManyDocuments(file, documents, tokens):
            return "The token file \(file.path) claims \(documents) documents in only \(tokens) tokens, but each document ends with an end-of-text token."
        case let .idOutOfRange(file, index, id, vocabularySize):
            return "Token \(index) of \(file.path) is id \(id), but ids must be below the vocabulary size \(vocabularySize)."
        case let .writerClosed(file):
            return "The token file \(file.path) was already finished or cancelled."
        }
    }
}
