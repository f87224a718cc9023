import Foundation
import GPT2Tokenizer
import Testing

@Suite("Round trips, long inputs and thread safety")
struct RoundTripTests {
    let tokenizer = gpt2Tokenizer

    /// Random strings over a mix of scripts, emoji, marks, whitespace and any scalar at all.
    static func randomTexts(count: Int, seed: UInt64) -> [String] {
        var rng = SplitMix64(seed: seed)
        let pools: [[ClosedRange<UInt32>]] = [
            [0x20...0x7E], [0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x3000...0x3000],
            [0xC0...0x24F, 0x370...0x3FF, 0x400...0x4FF], [0x4E00...0x4FFF, 0xAC00...0xAD00, 0x3040...0x30FF],
            [0x300...0x36F, 0x900...0x97F, 0xE00...0xE7F], [0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x200D...0x200D],
            [0x0...0x10FFFF],
        ]
        return (0..<count).map { _ in
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...120, using: &rng) {
                let pool = pools.randomElement(using: &rng)!
                let range = pool.randomElement(using: &rng)!
                if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &rng)) { scalars.append(scalar) }
            }
            return String(scalars)
        }
    }

    @Test func decodeEncode_randomText_isIdentity() {
        for text in Self.randomTexts(count: 400, seed: 7) {
            let ids = tokenizer.encode(text)
            #expect(ids.allSatisfy { (0..<tokenizer.vocabularySize).contains($0) })
            #expect(tokenizer.decodeBytes(ids) == Array(text.utf8))
            #expect(Array(tokenizer.decode(ids).utf8) == Array(text.utf8))
        }
    }

    /// A long input takes the cached path (and its long pieces the heap merger); the result
    /// must equal the reference ids of its parts. The parts are joined by NUL, a piece of its
    /// own (class "other") when the parts hold no "other" scalars and do not end in whitespace
    /// (a whitespace run before a non-space gives up its last scalar).
    @Test func encode_longText_equalsConcatenationOfReferenceParts() {
        let parts = TokenizerFixtures.shared.cases.filter { fixture in
            guard let last = fixture.text.unicodeScalars.last else { return false }
            return ScalarClass(last) != .whitespace
                && !fixture.text.unicodeScalars.contains { ScalarClass($0) == .other }
        }
        let joint = "\u{0}"
        #expect(tokenizer.encode(joint) == [188])
        var expected: [Int] = []
        for (index, part) in parts.enumerated() {
            if index > 0 { expected.append(188) }
            expected += part.ids
        }
        let text = parts.map(\.text).joined(separator: joint)
        #expect(parts.count > 200)
        #expect(text.utf8.count > 20_000)
        #expect(tokenizer.encode(text) == expected)
    }

    @Test func encode_repeatedDocument_isTheSameEachTime() {
        // The second and later copies come from the per-call cache.
        let document = TokenizerFixtures.shared.cases.prefix(300).map(\.text).joined(separator: "\n")
        let once = tokenizer.encode(document + "\u{0}")
        let thrice = tokenizer.encode(String(repeating: document + "\u{0}", count: 3))
        #expect(thrice == once + once + once)
    }

    @Test func decode_outOfRangeIDs_areSkippedAndRejectedByValidate() throws {
        let hello = tokenizer.encode("Hello")
        #expect(tokenizer.decode([-1] + hello + [tokenizer.vocabularySize, 1 << 40]) == "Hello")
        #expect(tokenizer.tokenBytes(tokenizer.vocabularySize).isEmpty)
        #expect(tokenizer.tokenBytes(-5).isEmpty)
        try tokenizer.validate(hello)
        #expect(throws: TokenizerError.unknownTokenID(id: 50257, index: 1, vocabularySize: 50257)) {
            try tokenizer.validate([0, 50257])
        }
        let message = TokenizerError.unknownTokenID(id: 50257, index: 1, vocabularySize: 50257).errorDescription
        #expect(message == "Token id 50257 at position 1 is not in the vocabulary of 50257 tokens.")
    }

    @Test func tokenBytes_knownTokens() {
        #expect(tokenizer.tokenBytes(50256) == Array("<|endoftext|>".utf8))
        #expect(tokenizer.tokenBytes(220) == [0x20])
        #expect(tokenizer.tokenBytes(198) == [0x0A])
        #expect(tokenizer.encode("Hello world") == [15496, 995])
        #expect(tokenizer.encode(" Hello world") == [18435, 995])
        #expect(tokenizer.encode("") == [])
    }

    @Test func tokenizer_isUsableFromManyTasksAtOnce() async {
        let texts = Self.randomTexts(count: 32, seed: 3).map { String(repeating: $0 + " ", count: 40) }
        let shared = tokenizer
        let expected = texts.map { shared.encode($0) }
        let results = await withTaskGroup(of: (Int, [Int]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, shared.encode(text)) }
            }
            var results = [[Int]](repeating: [], count: texts.count)
            for await (index, ids) in group { results[index] = ids }
            return results
        }
        #expect(results == expected)
    }
}
