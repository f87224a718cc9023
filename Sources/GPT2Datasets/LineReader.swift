import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a text file line by line in fixed-size chunks, so files of any size stream through a
/// bounded buffer. Lines end at `\n`; a `\r` before it is dropped (CRLF files), and a UTF-8
/// byte order mark at the start is skipped. Each line is checked to be UTF-8.
public final class LineReader {
    /// The file, as given (used in errors).
    public let path: String
    /// 1-based number of the line `next()` returned last.
    public private(set) var lineNumber = 0
    /// Bytes consumed so far, including line ends.
    public private(set) var bytesRead = 0

    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private static let chunkSize = 1 << 20

    public init(url: URL) throws {
        path = url.path
        descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw DatasetError.unreadable(file: url.path, reason: String(cString: strerror(errno)))
        }
    }

    deinit { close(descriptor) }

    /// The next line without its terminator, or nil at the end of the file.
    public func next() throws -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = try text(start..<newline, terminatorLength: 1)
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = try text(start..<buffer.count, terminatorLength: 0)
                start = buffer.count
                return line
            }
            try fill()
        }
    }

    private func fill() throws {
        buffer.removeFirst(start)
        start = 0
        let old = buffer.count
        buffer.reserveCapacity(old + Self.chunkSize)
        buffer.append(contentsOf: repeatElement(0, count: Self.chunkSize))
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + old, Self.chunkSize) }
        guard count >= 0 else {
            throw DatasetError.unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        buffer.removeLast(Self.chunkSize - count)
        if count == 0 { atEnd = true }
        if bytesRead == 0 && old == 0 && buffer.starts(with: [0xEF, 0xBB, 0xBF]) {
            start = 3
            bytesRead = 3
        }
    }

    private func text(_ range: Range<Int>, terminatorLength: Int) throws -> String {
        lineNumber += 1
        var end = range.upperBound
        if end > range.lowerBound && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let bytes = buffer[range.lowerBound..<end]
        defer { bytesRead += range.count + terminatorLength }
        if let line = String(validating: bytes, as: UTF8.self) { return line }
        throw DatasetError.notUTF8(file: path, offset: bytesRead + UTF8Validation.firstInvalidOffset(bytes))
    }
}

/// Locating the first byte of invalid UTF-8, for errors.
enum UTF8Validation {
    /// Offset (from the start of `bytes`) of the first byte that does not decode.
    static func firstInvalidOffset<C: Collection<UInt8>>(_ bytes: C) -> Int {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar): offset += UTF8.width(scalar)
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }

    /// Decodes whole-file bytes as UTF-8 text (BOM dropped), or throws naming the first bad byte.
    static func string(_ data: Data, file: String) throws -> String {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        throw DatasetError.notUTF8(file: file, offset: firstInvalidOffset(bytes) + (data.count - bytes.count))
    }
}
