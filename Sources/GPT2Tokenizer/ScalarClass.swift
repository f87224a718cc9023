/// The four classes GPT-2's pre-tokenizer pattern distinguishes among Unicode scalars.
///
/// The classes follow Python's `regex` module, which OpenAI's `encoder.py` uses:
/// `letter` is `\p{L}`, `number` is `\p{N}`, `whitespace` is `\s` (the Unicode `White_Space`
/// property: it does not include U+001C...U+001F, unlike Python's `str.isspace`), and `other`
/// is everything else (marks, punctuation, symbols, controls, unassigned code points).
/// The table is generated from `regex`'s own Unicode data, which can be newer than the Unicode
/// version of the Swift standard library.
public enum ScalarClass: UInt8, Sendable, CaseIterable {
    /// `\p{L}`: a letter of any script (Lu, Ll, Lt, Lm, Lo).
    case letter = 0
    /// `\p{N}`: a number (Nd, Nl, No).
    case number = 1
    /// `\s`: a Unicode `White_Space` character.
    case whitespace = 2
    /// Anything else.
    case other = 3

    /// The class of `scalar` as Python `regex` sees it.
    public init(_ scalar: Unicode.Scalar) {
        self = ScalarClass(rawValue: ScalarClassTable.shared.classOf(scalar.value))!
    }
}

/// A two-stage lookup table from a code point to its `ScalarClass` raw value.
///
/// Stage one maps the high bits (`codePoint >> 8`, 0x1100 entries) to a block number; stage two
/// holds 256 classes per distinct block. Block 0 covers U+0000...U+00FF, so an ASCII byte's
/// class is simply `blocks[byte]`.
struct ScalarClassTable: Sendable {
    /// The table built from `encodedRanges` on first use.
    static let shared = ScalarClassTable(encoded: encodedRanges)

    /// Block number of each 256-code-point block, 0x1100 entries.
    let blockIndex: [UInt16]
    /// 256 class values per distinct block.
    let blocks: [UInt8]

    init(encoded: String) {
        var starts: [UInt32] = []
        var classes: [UInt8] = []
        var value: UInt32 = 0
        var digits = 0
        for byte in encoded.utf8 {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: continue
            }
            if digits < 6 {
                value = value << 4 | digit
                digits += 1
            } else {
                precondition(digit <= 3, "ScalarClassTable: class digit out of range")
                starts.append(value)
                classes.append(UInt8(digit))
                value = 0
                digits = 0
            }
        }
        precondition(starts.first == 0 && digits == 0, "ScalarClassTable: malformed encoded ranges")

        var blockIndex = [UInt16](repeating: 0, count: 0x1100)
        var blocks: [UInt8] = []
        var known: [[UInt8]: UInt16] = [:]
        var uniform = [UInt16?](repeating: nil, count: 4)
        var range = 0
        var block = [UInt8](repeating: 0, count: 256)
        for high in 0..<0x1100 {
            let first = UInt32(high << 8)
            while range + 1 < starts.count && starts[range + 1] <= first { range += 1 }
            let rangeEnd = range + 1 < starts.count ? starts[range + 1] : 0x110000
            let number: UInt16
            if rangeEnd >= first + 256 {
                // The whole block lies in one range (most of the code space): share one block per class.
                let cls = Int(classes[range])
                if let existing = uniform[cls] {
                    number = existing
                } else {
                    number = UInt16(known.count)
                    let filled = [UInt8](repeating: classes[range], count: 256)
                    known[filled] = number
                    uniform[cls] = number
                    blocks.append(contentsOf: filled)
                }
            } else {
                var r = range
                for low in 0..<256 {
                    let codePoint = first + UInt32(low)
                    while r + 1 < starts.count && starts[r + 1] <= codePoint { r += 1 }
                    block[low] = classes[r]
                }
                if let existing = known[block] {
                    number = existing
                } else {
                    number = UInt16(known.count)
                    known[block] = number
                    blocks.append(contentsOf: block)
                }
            }
            blockIndex[high] = number
        }
        self.blockIndex = blockIndex
        self.blocks = blocks
    }

    /// The class raw value of `codePoint` (must be below 0x110000).
    func classOf(_ codePoint: UInt32) -> UInt8 {
        blocks[Int(blockIndex[Int(codePoint >> 8)]) << 8 | Int(codePoint & 0xFF)]
    }
}
