/// Turns a stream of token ids into text as soon as the text is complete.
///
/// A token can end in the middle of a UTF-8 character (an emoji is often two or three byte
/// tokens). The decoder keeps such an incomplete tail until later ids complete it, so every
/// string it returns is whole characters, and the concatenation of everything `append` and
/// `finish` return equals `tokenizer.decode(allIDs)`. Bytes that can never become valid
/// UTF-8 are emitted at once as U+FFFD, exactly where `decode` puts them.
public struct StreamingDecoder: Sendable {
    public let tokenizer: BPETokenizer
    /// Bytes of an incomplete but so far valid UTF-8 sequence (at most 3).
    private var pending: [UInt8] = []

    public init(tokenizer: BPETokenizer) {
        self.tokenizer = tokenizer
    }

    /// Adds one id and returns the text it completed (possibly ""). Ids that name no token are
    /// skipped, as in `BPETokenizer.decode(_:)`.
    public mutating func append(_ id: Int) -> String {
        pending.append(contentsOf: tokenizer.tokenBytes(id))
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[0..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Returns what is still held (a broken tail becomes U+FFFD) and empties the decoder.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the prefix of `bytes` to emit now: everything but a trailing sequence that is a
    /// valid start of a UTF-8 character still missing bytes.
    ///
    /// Cutting before a lead byte never changes how the prefix decodes (no sequence continues
    /// through a lead byte), so emitted text matches a one-shot decode.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        var start = count - 1
        // A character has at most 4 bytes, so an incomplete one starts within the last 3.
        while start >= 0 && start >= count - 3 {
            let byte = bytes[start]
            if byte < 0x80 { return count }
            if byte >= 0xC0 {
                return isIncompletePrefix(bytes[start...]) ? start : count
            }
            start -= 1
        }
        return count
    }

    /// Whether `tail` (a lead byte and what follows it) is a proper prefix of a well-formed
    /// UTF-8 sequence (Unicode table 3-7).
    private static func isIncompletePrefix(_ tail: ArraySlice<UInt8>) -> Bool {
        let lead = tail[tail.startIndex]
        let needed: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: needed = 2
        case 0xE0: needed = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: needed = 3
        case 0xED: needed = 3; secondRange = 0x80...0x9F
        case 0xF0: needed = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: needed = 4
        case 0xF4: needed = 4; secondRange = 0x80...0x8F
        default: return false
        }
        guard tail.count < needed else { return false }
        for (offset, byte) in tail.dropFirst().enumerated() {
            let range = offset == 0 ? secondRange : 0x80...0xBF
            if !range.contains(byte) { return false }
        }
        return true
    }
}
