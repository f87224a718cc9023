import Foundation
import GPT2Tokenizer
import Testing

@Suite("StreamingDecoder")
struct StreamingDecoderTests {
    let tokenizer = gpt2Tokenizer

    /// The id of the single-byte token for `byte`.
    func byteToken(_ byte: UInt8) -> Int {
        (0..<256).first { tokenizer.tokenBytes($0) == [byte] }!
    }

    @Test func concatenation_equalsDecode_forFixturesAndRandomText() {
        let texts = RoundTripTests.randomTexts(count: 200, seed: 11) + TokenizerFixtures.shared.cases.map(\.text)
        for text in texts {
            let ids = tokenizer.encode(text)
            var decoder = StreamingDecoder(tokenizer: tokenizer)
            var streamed = ""
            for id in ids {
                let chunk = decoder.append(id)
                // Valid input never produces a replacement character on the way.
                #expect(!chunk.unicodeScalars.contains("\u{FFFD}") || text.unicodeScalars.contains("\u{FFFD}"))
                streamed += chunk
            }
            streamed += decoder.finish()
            #expect(Array(streamed.utf8) == Array(text.utf8))
        }
    }

    @Test func emojiSplitAcrossTokens_waitsForTheWholeCharacter() {
        let text = "👨‍👩‍👧‍👦 🏳️‍🌈 😀🇯🇵"
        let ids = tokenizer.encode(text)
        #expect(ids.count > text.unicodeScalars.count)  // some scalars span several tokens
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var chunks: [String] = []
        for id in ids { chunks.append(decoder.append(id)) }
        #expect(decoder.finish() == "")
        #expect(chunks.contains(""))  // held back at least once
        for chunk in chunks {
            #expect(!chunk.unicodeScalars.contains("\u{FFFD}"), "chunk \(chunk.debugDescription) is broken")
        }
        #expect(chunks.joined() == text)
    }

    @Test func oneByteAtATime_emitsEachCharacterWhenComplete() {
        // "é😀" is C3 A9 F0 9F 98 80, fed as six single-byte tokens.
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        let outputs = [0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80].map { decoder.append(byteToken($0)) }
        #expect(outputs == ["", "é", "", "", "", "😀"])
        #expect(decoder.finish() == "")
    }

    @Test func brokenBytes_matchDecodeIncludingReplacements() {
        for fixture in TokenizerFixtures.shared.decodeCases {
            var decoder = StreamingDecoder(tokenizer: tokenizer)
            var streamed = ""
            for id in fixture.ids { streamed += decoder.append(id) }
            streamed += decoder.finish()
            #expect(Array(streamed.unicodeScalars) == Array(fixture.text.unicodeScalars), "ids \(fixture.ids)")
        }
    }

    @Test func truncatedCharacter_isReplacedWhenInterruptedOrFinished() {
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        #expect(decoder.append(byteToken(0xF0)) == "")
        #expect(decoder.append(byteToken(0x9F)) == "")
        #expect(decoder.append(tokenizer.encode("A")[0]) == "\u{FFFD}A")
        #expect(decoder.append(byteToken(0xE2)) == "")
        #expect(decoder.finish() == "\u{FFFD}")
        #expect(decoder.finish() == "")
    }

    @Test func invalidLeadSequences_areEmittedAtOnce() {
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        // E0 80 can never start a valid character (E0 needs A0...BF next): no reason to wait.
        #expect(decoder.append(byteToken(0xE0)) == "")
        #expect(decoder.append(byteToken(0x80)) == "\u{FFFD}\u{FFFD}")
        // A lone continuation byte and FF are invalid at once.
        #expect(decoder.append(byteToken(0x80)) == "\u{FFFD}")
        #expect(decoder.append(byteToken(0xFF)) == "\u{FFFD}")
        #expect(decoder.finish() == "")
    }
}
