import Foundation
import GPT2Tokenizer
import Testing

@Suite("Encoding matches OpenAI's encoder.py on the reference corpus")
struct EncodingFixtureTests {
    let fixtures = TokenizerFixtures.shared
    let tokenizer = gpt2Tokenizer

    @Test func fixtureHeader_isCurrentAndDescribesGPT2() {
        #expect(fixtures.magic == "gpt2-tokenizer-cases")
        #expect(fixtures.version == 1)
        #expect(fixtures.regenerate.contains("make-tokenizer-fixtures.py"))
        #expect(fixtures.cases.count >= 500)
        #expect(tokenizer.vocabularySize == fixtures.vocabularySize)
        #expect(tokenizer.endOfTextID == fixtures.endOfTextId)
        #expect(tokenizer.endOfTextID == 50256)
    }

    @Test func encode_everyCase_givesReferenceIDs() {
        var failures: [String] = []
        for fixture in fixtures.cases {
            let ids = tokenizer.encode(fixture.text)
            if ids != fixture.ids {
                failures.append(
                    "[\(fixture.group)] \(fixture.text.debugDescription.prefix(80)): got \(ids.prefix(20)), expected \(fixture.ids.prefix(20))"
                )
            }
        }
        #expect(
            failures.isEmpty,
            "\(failures.count) of \(fixtures.cases.count) cases differ:\n\(failures.prefix(10).joined(separator: "\n"))")
    }

    @Test func preTokenizer_everyCase_givesReferencePieces() {
        var failures: [String] = []
        var checked = 0
        for fixture in fixtures.cases {
            guard let expected = fixture.pieces else { continue }
            checked += 1
            let pieces = PreTokenizer.pieces(of: fixture.text)
            if pieces.map({ Array($0.utf8) }) != expected.map({ Array($0.utf8) }) {
                failures.append(
                    "\(fixture.text.debugDescription.prefix(80)): got \(pieces.map(\.debugDescription)), expected \(expected.map(\.debugDescription))"
                )
            }
        }
        #expect(checked > 500)
        #expect(failures.isEmpty, "\(failures.count) cases differ:\n\(failures.prefix(10).joined(separator: "\n"))")
    }

    @Test func encode_withSpecialTokensAllowed_givesReferenceIDs() {
        #expect(fixtures.specialCases.count >= 20)
        for fixture in fixtures.specialCases {
            #expect(
                tokenizer.encode(fixture.text, allowSpecialTokens: true) == fixture.ids, "\(fixture.text.debugDescription)")
        }
    }

    @Test func encode_endOfTextInText_isPlainTextUnlessAllowed() {
        let text = "a<|endoftext|>b"
        #expect(tokenizer.encode(text) == [64, 27, 91, 437, 1659, 5239, 91, 29, 65])
        #expect(tokenizer.encode(text, allowSpecialTokens: true) == [64, 50256, 65])
        #expect(tokenizer.specialTokens == ["<|endoftext|>": 50256])
    }

    @Test func decode_everyCase_givesTextBack() {
        for fixture in fixtures.cases {
            #expect(
                Array(tokenizer.decode(fixture.ids).utf8) == Array(fixture.text.utf8),
                "\(fixture.text.debugDescription.prefix(80))")
            #expect(tokenizer.decodeBytes(fixture.ids) == Array(fixture.text.utf8))
        }
        for fixture in fixtures.specialCases {
            #expect(tokenizer.decode(fixture.ids) == fixture.text)
        }
    }

    @Test func decode_brokenUTF8_replacesLikePython() {
        #expect(fixtures.decodeCases.count >= 100)
        for fixture in fixtures.decodeCases {
            let text = tokenizer.decode(fixture.ids)
            #expect(Array(text.unicodeScalars) == Array(fixture.text.unicodeScalars), "ids \(fixture.ids)")
        }
    }

    @Test func scalarClass_matchesRegexAtEveryRangeBoundary() {
        #expect(fixtures.classProbes.count > 2800)
        for probe in fixtures.classProbes {
            let scalar = Unicode.Scalar(probe[0])!
            #expect(ScalarClass(scalar).rawValue == UInt8(probe[1]), "U+\(String(probe[0], radix: 16))")
        }
    }

    /// Swift's own Unicode data may be older than Python `regex`'s, but wherever Swift knows a
    /// scalar, both must agree on its class.
    @Test func scalarClass_agreesWithSwiftPropertiesForAssignedScalars() {
        var checked = 0
        var disagreements: [String] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let properties = scalar.properties
            if properties.generalCategory == .unassigned { continue }
            let expected: ScalarClass
            if properties.isWhitespace {
                expected = .whitespace
            } else {
                switch properties.generalCategory {
                case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                    expected = .letter
                case .decimalNumber, .letterNumber, .otherNumber: expected = .number
                default: expected = .other
                }
            }
            checked += 1
            if ScalarClass(scalar) != expected { disagreements.append("U+\(String(value, radix: 16))") }
        }
        #expect(checked > 280_000)
        #expect(disagreements.isEmpty, "\(disagreements.prefix(20))")
    }

    @Test func scalarClass_whitespaceIsRegexWhiteSpaceNotIsspace() {
        #expect(ScalarClass(" ") == .whitespace)
        #expect(ScalarClass("\u{85}") == .whitespace)
        #expect(ScalarClass("\u{3000}") == .whitespace)
        #expect(ScalarClass("\u{1C}") == .other)  // Python's str.isspace() says yes; regex's \s says no
        #expect(ScalarClass("\u{200B}") == .other)
    }
}
