import Foundation
import GPT2Model

/// A compact index of a training text's token windows: the 64-bit hash of every run of
/// ``window`` consecutive tokens (those holding no end-of-text), each with the position of its
/// first occurrence, sorted by hash; plus where each source file and document starts, so a
/// position can be named as "file, document, token".
///
/// The verbatim guard asks it, while sampling, whether a candidate token would extend a run of
/// copied windows; `gpt2 audit` asks it for the longest copied run in a text. A run of `m`
/// consecutive windows that all occur in the training text covers `m + window - 1` tokens; that
/// is what "a run copied from the training text" means here. It can overstate a copy (each
/// window may come from a different place), never understate one. A hash collision makes a
/// window look copied with a probability of about entries / 2^64.
///
/// The file (`verbatim.idx` beside a model) is: the 8-byte magic `GPT2VIX1`, a little-endian
/// UInt64 header length, a JSON header (padded with spaces to a multiple of 8 bytes), then the
/// sorted hashes (UInt64 each), the positions (UInt32 each), padding to 8 bytes, and the
/// documents' first positions (UInt32 each). It is memory-mapped, not read.
public final class VerbatimIndex: @unchecked Sendable {
    // Immutable once loaded; the mapping is read-only.

    /// One file the index was built from.
    public struct Source: Codable, Sendable, Equatable {
        /// The file's name as given to the builder.
        public var name: String
        /// Its first token's position in the indexed stream.
        public var firstToken: Int
        /// Its token count.
        public var tokens: Int
        /// The number of documents before it.
        public var firstDocument: Int

        enum CodingKeys: String, CodingKey {
            case name, tokens
            case firstToken = "first_token"
            case firstDocument = "first_document"
        }
    }

    /// Where a position of the indexed stream lies.
    public struct Location: Sendable, Equatable {
        /// The source file's name.
        public var source: String
        /// The document's number within that file, from 1.
        public var document: Int
        /// The token's offset within the document, from 0.
        public var token: Int

        public init(source: String, document: Int, token: Int) {
            self.source = source
            self.document = document
            self.token = token
        }
    }

    struct Header: Codable {
        var format: String
        var window: Int
        var entries: Int
        var tokens: Int
        var documents: Int
        var sources: [Source]
    }

    /// The index's file name inside a model folder.
    public static let fileName = "verbatim.idx"

    static let magic = Array("GPT2VIX1".utf8)
    static let format = "splitmix64-windows-v1"

    /// Tokens per window.
    public let window: Int
    /// Distinct windows stored.
    public let entryCount: Int
    /// Tokens of training text indexed.
    public let tokenCount: Int
    /// Documents indexed.
    public let documentCount: Int
    /// The source files, in order.
    public let sources: [Source]
    /// The file's size in bytes.
    public var byteCount: Int { file.count }
    /// Where the index was read from.
    public var url: URL { file.url }

    private let file: MappedFile
    private let hashes: UnsafeBufferPointer<UInt64>
    private let positions: UnsafeBufferPointer<UInt32>
    private let documentStarts: UnsafeBufferPointer<UInt32>

    /// Maps the index at `url` and checks its structure.
    ///
    /// - Throws: ``PrivacyError/unreadable(file:reason:)`` or ``PrivacyError/badIndex(file:reason:)``.
    public static func load(_ url: URL) throws(PrivacyError) -> VerbatimIndex {
        let file: MappedFile
        do {
            file = try MappedFile(url: url, expected: "a verbatim index (verbatim.idx)", copyThreshold: .max)
        } catch {
            switch error {
            case .missingFile: throw .unreadable(file: url.path, reason: "no such file")
            case .emptyFile: throw .badIndex(file: url.path, reason: "it is empty")
            default: throw .unreadable(file: url.path, reason: error.errorDescription ?? "\(error)")
            }
        }
        return try VerbatimIndex(file: file)
    }

    private init(file: MappedFile) throws(PrivacyError) {
        self.file = file
        let bytes = file.bytes
        let path = file.url.path
        func bad(_ reason: String) -> PrivacyError { .badIndex(file: path, reason: reason) }
        guard bytes.count >= 16, Array(bytes[0..<8]) == Self.magic else {
            throw bad("it does not start with GPT2VIX1")
        }
        let headerLength = Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        guard headerLength % 8 == 0, headerLength <= bytes.count - 16 else { throw bad("its header length is wrong") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + headerLength)]))
        } catch {
            throw bad("its header is not the expected JSON")
        }
        guard header.format == Self.format else { throw bad("it uses the unknown format \"\(header.format)\"") }
        guard header.window >= 2, header.entries >= 0, header.documents >= 0, header.tokens >= 0 else {
            throw bad("its header holds impossible counts")
        }
        let hashStart = 16 + headerLength
        let positionStart = hashStart + 8 * header.entries
        let documentStart = (positionStart + 4 * header.entries + 7) / 8 * 8
        guard documentStart + 4 * header.documents == bytes.count else {
            throw bad("it has \(bytes.count) bytes where its header promises \(documentStart + 4 * header.documents)")
        }
        let base = bytes.baseAddress!
        hashes = UnsafeBufferPointer(start: (base + hashStart).assumingMemoryBound(to: UInt64.self), count: header.entries)
        positions = UnsafeBufferPointer(start: (base + positionStart).assumingMemoryBound(to: UInt32.self), count: header.entries)
        documentStarts = UnsafeBufferPointer(start: (base + documentStart).assumingMemoryBound(to: UInt32.self),
                                             count: header.documents)
        window = header.window
        entryCount = header.entries
        tokenCount = header.tokens
        documentCount = header.documents
        sources = header.sources
    }

    /// The hash of the window `tokens` (exactly ``window`` ids); the builder and every lookup use it.
    public static func hash<Tokens: Sequence>(_ tokens: Tokens) -> UInt64 where Tokens.Element: BinaryInteger {
        var h: UInt64 = 0x6A09_E667_F3BC_C909
        for token in tokens {
            h = mix(h ^ UInt64(truncatingIfNeeded: token))
        }
        return h
    }

    /// SplitMix64's finalizer: every input bit moves every output bit.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The first position in the training text of a window with hash `hash`, or `nil` when the
    /// training text has no such window.
    public func position(ofHash hash: UInt64) -> Int? {
        var low = 0, high = hashes.count
        while low < high {
            let middle = (low + high) / 2
            if hashes[middle] < hash { low = middle + 1 } else { high = middle }
        }
        return low < hashes.count && hashes[low] == hash ? Int(positions[low]) : nil
    }

    /// The first position in the training text of the window `tokens` (``window`` ids), or `nil`.
    public func position(ofWindow tokens: some Sequence<Int>) -> Int? {
        position(ofHash: Self.hash(tokens))
    }

    /// Names the training-text position `position`.
    public func locate(_ position: Int) -> Location {
        var low = 0, high = documentStarts.count
        while low < high {
            let middle = (low + high) / 2
            if Int(documentStarts[middle]) <= position { low = middle + 1 } else { high = middle }
        }
        let document = max(low - 1, 0)
        let documentStart = documentStarts.isEmpty ? 0 : Int(documentStarts[document])
        let source = sources.last { $0.firstToken <= position } ?? sources.first
        return Location(source: source?.name ?? "?", document: document - (source?.firstDocument ?? 0) + 1,
                        token: position - documentStart)
    }
}
