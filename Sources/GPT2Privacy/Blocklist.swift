import Foundation

/// Words and phrases that must never be generated, matched on the text's bytes so that every
/// tokenization of a phrase is caught (" Smith" as one token, " Sm" + "ith", byte tokens...).
///
/// Matching ignores ASCII case, and a phrase must start at a word boundary: at the start of the
/// text or after a byte that is not an ASCII letter or digit and not part of a multi-byte
/// character. The end is not checked (the next token is not known yet), so "Ann" also blocks
/// "Anna"; list phrases as specific as you need.
public struct Blocklist: Sendable {
    /// The phrases, lowercased, as UTF-8 bytes.
    public let phrases: [[UInt8]]
    /// The longest phrase in bytes.
    public let longestPhrase: Int
    /// Phrase indices by their last byte, so a text position is compared with few phrases.
    private let byLastByte: [[Int]]

    /// - Throws: ``PrivacyError/badList(file:reason:)`` when no phrase is given.
    public init(phrases: [String], file: String = "the blocklist") throws(PrivacyError) {
        var seen = Set<[UInt8]>()
        var list: [[UInt8]] = []
        for phrase in phrases {
            let bytes = phrase.utf8.map(Self.lower)
            if !bytes.isEmpty && seen.insert(bytes).inserted { list.append(bytes) }
        }
        guard !list.isEmpty else { throw .badList(file: file, reason: "it lists no words or phrases") }
        var buckets = [[Int]](repeating: [], count: 256)
        for (i, phrase) in list.enumerated() { buckets[Int(phrase.last!)].append(i) }
        self.phrases = list
        longestPhrase = list.map(\.count).max() ?? 0
        byLastByte = buckets
    }

    /// Reads a blocklist file: one word or phrase per line, `#` starts a comment line.
    public init(file url: URL) throws(PrivacyError) {
        try self.init(phrases: try ListFile.entries(url), file: url.path)
    }

    /// The phrase (its index in ``phrases``) that `next` completes after `tail`, or `nil`.
    ///
    /// Only occurrences that end inside `next` count: a phrase already whole in `tail` was not
    /// made by `next`. `tail` should hold at least ``longestPhrase`` bytes of the text before
    /// `next` (all of it when shorter), so the byte before any phrase that ends in `next` is seen.
    public func phraseCompleted(tail: [UInt8], next: [UInt8]) -> Int? {
        let joined = tail + next
        for end in tail.count..<joined.count {
            for index in byLastByte[Int(Self.lower(joined[end]))] {
                let phrase = phrases[index]
                let start = end + 1 - phrase.count
                guard start >= 0 else { continue }
                var equal = true
                for k in 0..<phrase.count where Self.lower(joined[start + k]) != phrase[k] {
                    equal = false
                    break
                }
                guard equal else { continue }
                // With a tail of `longestPhrase` bytes, start 0 is the start of the text.
                let boundary = start == 0 || !(Self.isWordByte(joined[start - 1]) && Self.isWordByte(phrase[0]))
                if boundary { return index }
            }
        }
        return nil
    }

    /// The phrase at `index` as text.
    public func phrase(_ index: Int) -> String { String(decoding: phrases[index], as: UTF8.self) }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
    }

    /// ASCII letters and digits, and the bytes of multi-byte characters.
    @inline(__always)
    static func isWordByte(_ byte: UInt8) -> Bool {
        let b = lower(byte)
        return (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b >= 0x80
    }
}
