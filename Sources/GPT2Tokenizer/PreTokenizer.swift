/// GPT-2's pre-tokenizer: splits text into the pieces that BPE then merges independently.
///
/// It matches OpenAI's `encoder.py` pattern under Python `regex` semantics,
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
/// written out by hand over UTF-8 bytes (see `PieceScanner`). Contractions are lowercase ASCII
/// only, as in `encoder.py`.
public enum PreTokenizer {
    /// The pieces of `text` in order; concatenated they give `text` back.
    public static func pieces(of text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var pieces: [String] = []
            ScalarClassTable.shared.blocks.withUnsafeBufferPointer { blocks in
                ScalarClassTable.shared.blockIndex.withUnsafeBufferPointer { index in
                    var scanner = PieceScanner(bytes: bytes, blocks: blocks.baseAddress!, blockIndex: index.baseAddress!)
                    while let piece = scanner.next() {
                        pieces.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[piece]), as: UTF8.self))
                    }
                }
            }
            return pieces
        }
    }
}

/// Walks valid UTF-8 and returns the byte ranges of successive pre-tokenizer pieces.
///
/// The alternatives of the pattern are tried in order at each start, as the regex engine does:
/// 1. an apostrophe followed by `s t m d` or `re ve ll` (case-sensitive) is a contraction;
/// 2. an optional single space, then a run of letters, numbers, or "other" scalars;
/// 3. a whitespace run: if it reaches the end of the text it is one piece; if a non-space
///    follows, the run minus its last scalar is a piece (`\s+(?!\S)`), or the single scalar is a
///    piece when the run has only one (`\s+`).
struct PieceScanner {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    private let blocks: UnsafePointer<UInt8>
    private let blockIndex: UnsafePointer<UInt16>
    private(set) var position = 0

    private static let whitespace = ScalarClass.whitespace.rawValue

    /// `bytes` must be valid UTF-8 (a Swift `String`'s storage is).
    init(bytes: UnsafeBufferPointer<UInt8>, blocks: UnsafePointer<UInt8>, blockIndex: UnsafePointer<UInt16>) {
        // An empty buffer may have no base address; any non-nil pointer serves for count 0.
        self.base = bytes.baseAddress ?? UnsafePointer(blocks)
        self.count = bytes.count
        self.blocks = blocks
        self.blockIndex = blockIndex
    }

    /// Class and byte length of the scalar starting at `i`.
    @inline(__always)
    private func scalarClass(at i: Int) -> (UInt8, Int) {
        let b0 = base[i]
        if b0 < 0x80 { return (blocks[Int(b0)], 1) }
        let codePoint: UInt32
        let length: Int
        if b0 < 0xE0 {
            codePoint = UInt32(b0 & 0x1F) << 6 | UInt32(base[i + 1] & 0x3F)
            length = 2
        } else if b0 < 0xF0 {
            codePoint = UInt32(b0 & 0x0F) << 12 | UInt32(base[i + 1] & 0x3F) << 6 | UInt32(base[i + 2] & 0x3F)
            length = 3
        } else {
            codePoint = UInt32(b0 & 0x07) << 18 | UInt32(base[i + 1] & 0x3F) << 12
                | UInt32(base[i + 2] & 0x3F) << 6 | UInt32(base[i + 3] & 0x3F)
            length = 4
        }
        let block = Int(blockIndex[Int(codePoint >> 8)])
        return (blocks[block << 8 | Int(codePoint & 0xFF)], length)
    }

    /// End of the run of scalars of class `cls` that starts at `i`.
    @inline(__always)
    private func runEnd(from start: Int, of cls: UInt8) -> Int {
        var i = start
        while i < count {
            let b = base[i]
            if b < 0x80 {
                if blocks[Int(b)] != cls { break }
                i += 1
            } else {
                let (c, length) = scalarClass(at: i)
                if c != cls { break }
                i += length
            }
        }
        return i
    }

    /// The next piece's byte range, or nil at the end of the text.
    mutating func next() -> Range<Int>? {
        let start = position
        guard start < count else { return nil }
        let b0 = base[start]

        if b0 == UInt8(ascii: "'"), start + 1 < count {
            let b1 = base[start + 1]
            switch b1 {
            case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
                position = start + 2
                return start..<position
            case UInt8(ascii: "r"), UInt8(ascii: "v"), UInt8(ascii: "l"):
                if start + 2 < count {
                    let b2 = base[start + 2]
                    if (b1 == UInt8(ascii: "l") && b2 == UInt8(ascii: "l")) || (b1 != UInt8(ascii: "l") && b2 == UInt8(ascii: "e")) {
                        position = start + 3
                        return start..<position
                    }
                }
            default:
                break
            }
        }

        if b0 == UInt8(ascii: " "), start + 1 < count {
            let (c1, length1) = scalarClass(at: start + 1)
            if c1 != Self.whitespace {
                position = runEnd(from: start + 1 + length1, of: c1)
                return start..<position
            }
        }

        let (c0, length0) = scalarClass(at: start)
        if c0 != Self.whitespace {
            position = runEnd(from: start + length0, of: c0)
            return start..<position
        }

        // A whitespace run: find its end and the start of its last scalar.
        var lastStart = start
        var i = start + length0
        while i < count {
            let (c, length) = scalarClass(at: i)
            if c != Self.whitespace { break }
            lastStart = i
            i += length
        }
        if i == count || lastStart == start {
            position = i
        } else {
            position = lastStart
        }
        return start..<position
    }
}
