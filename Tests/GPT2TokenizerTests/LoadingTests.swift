import Foundation
import GPT2Tokenizer
import Testing

@Suite("Loading tokenizer files")
struct LoadingTests {
    static let sample = "Hello, world! It's 2024 — 日本語 😀 <|endoftext|>\n\n  x"

    /// The bundled files, as Data.
    static func defaultFiles() throws -> (vocabulary: Data, merges: Data) {
        try withTemporaryDirectory { directory in
            try BPETokenizer.writeDefaultFiles(to: directory)
            return (
                try Data(contentsOf: directory.appendingPathComponent("vocab.json")),
                try Data(contentsOf: directory.appendingPathComponent("merges.txt"))
            )
        }
    }

    /// A tokenizer.json built from the default files; `stringMerges` picks the merges format.
    static func tokenizerJSON(stringMerges: Bool, addedTokens: [[String: Any]]? = nil) throws -> Data {
        let files = try defaultFiles()
        let vocabulary = try JSONSerialization.jsonObject(with: files.vocabulary)
        let lines = String(decoding: files.merges, as: UTF8.self).split(separator: "\n").dropFirst()
        let merges: [Any] = stringMerges
            ? lines.map(String.init) : lines.map { $0.split(separator: " ").map(String.init) }
        let added = addedTokens ?? [["id": 50256, "content": "<|endoftext|>", "special": true]]
        let root: [String: Any] = [
            "version": "1.0", "added_tokens": added,
            "model": ["type": "BPE", "vocab": vocabulary, "merges": merges],
        ]
        return try JSONSerialization.data(withJSONObject: root)
    }

    func expectSameAsDefault(_ tokenizer: BPETokenizer) {
        let reference = gpt2Tokenizer
        #expect(tokenizer.vocabularySize == 50257)
        #expect(tokenizer.endOfTextID == 50256)
        #expect(tokenizer.encode(Self.sample) == reference.encode(Self.sample))
        #expect(tokenizer.encode(Self.sample, allowSpecialTokens: true) == reference.encode(Self.sample, allowSpecialTokens: true))
        for fixture in TokenizerFixtures.shared.cases.prefix(200) {
            #expect(tokenizer.encode(fixture.text) == fixture.ids)
        }
    }

    @Test func writeDefaultFiles_roundTripsThroughHuggingFaceNames() throws {
        try withTemporaryDirectory { directory in
            try BPETokenizer.writeDefaultFiles(to: directory)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            #expect(names == ["merges.txt", "vocab.json"])
            expectSameAsDefault(try BPETokenizer(directory: directory))
            // Writing again replaces the files.
            try BPETokenizer.writeDefaultFiles(to: directory)
            expectSameAsDefault(try BPETokenizer(directory: directory))
        }
    }

    @Test func directory_withOpenAINames_loads() throws {
        try withTemporaryDirectory { directory in
            let files = try Self.defaultFiles()
            try files.vocabulary.write(to: directory.appendingPathComponent("encoder.json"))
            try files.merges.write(to: directory.appendingPathComponent("vocab.bpe"))
            expectSameAsDefault(try BPETokenizer(directory: directory))
        }
    }

    @Test(arguments: [true, false])
    func directory_withTokenizerJSON_loads(stringMerges: Bool) throws {
        try withTemporaryDirectory { directory in
            try Self.tokenizerJSON(stringMerges: stringMerges).write(to: directory.appendingPathComponent("tokenizer.json"))
            let tokenizer = try BPETokenizer(directory: directory)
            expectSameAsDefault(tokenizer)
            #expect(tokenizer.specialTokens == ["<|endoftext|>": 50256])
        }
    }

    @Test func tokenizerJSON_addedTokens_areSpecialAndDecodeToTheirText() throws {
        try withTemporaryDirectory { directory in
            let added: [[String: Any]] = [
                ["id": 50256, "content": "<|endoftext|>"], ["id": 50257, "content": "<|im start|>"],
                ["id": 50258, "content": "<|im"],
            ]
            let file = directory.appendingPathComponent("tokenizer.json")
            try Self.tokenizerJSON(stringMerges: true, addedTokens: added).write(to: file)
            let tokenizer = try BPETokenizer(tokenizerJSON: file)
            #expect(tokenizer.vocabularySize == 50259)
            let text = "a<|im start|>b<|im"
            // Longest special token wins at a position; without permission it is plain text.
            #expect(tokenizer.encode(text, allowSpecialTokens: true) == [64, 50257, 65, 50258])
            #expect(tokenizer.encode(text) == gpt2Tokenizer.encode(text))
            #expect(tokenizer.decode([64, 50257, 65]) == "a<|im start|>b")
        }
    }

    /// JSON escapes decode to the right text, and added tokens that are canonically equivalent
    /// Unicode but different bytes (precomposed "é" against "e" + U+0301) stay two tokens.
    @Test func tokenizerJSON_escapedAndCanonicallyEquivalentAddedTokens_stayDistinct() throws {
        try withTemporaryDirectory { directory in
            var text = String(decoding: try Self.tokenizerJSON(stringMerges: false, addedTokens: []), as: UTF8.self)
            let added = #"[{"id":50256,"content":"<|endoftext|>"},{"id":50257,"content":"<\u00e9>"},"#
                + #"{"id":50258,"content":"<e\u0301>"},{"id":50259,"content":"\ud83d\ude00\t\"\\\/"}]"#
            text = text.replacingOccurrences(of: #""added_tokens":[]"#, with: #""added_tokens":"# + added)
            #expect(text.contains("ude00"))
            let file = directory.appendingPathComponent("tokenizer.json")
            try Data(text.utf8).write(to: file)
            let tokenizer = try BPETokenizer(tokenizerJSON: file)
            #expect(tokenizer.encode("<\u{E9}><e\u{301}>", allowSpecialTokens: true) == [50257, 50258])
            #expect(tokenizer.encode("x😀\t\"\\/", allowSpecialTokens: true) == [87, 50259])
            #expect(tokenizer.tokenBytes(50258) == Array("<e\u{301}>".utf8))
            #expect(tokenizer.decode([50259]) == "😀\t\"\\/")
        }
    }

    @Test func emptyDirectory_errorNamesFolderAndExpectedFiles() throws {
        try withTemporaryDirectory { directory in
            try Data("{}".utf8).write(to: directory.appendingPathComponent("vocab.json"))  // no merges.txt
            #expect(throws: TokenizerError.noTokenizerFiles(directory: directory)) {
                try BPETokenizer(directory: directory)
            }
            let message = TokenizerError.noTokenizerFiles(directory: directory).errorDescription!
            #expect(message.contains(directory.path))
            for name in ["tokenizer.json", "vocab.json", "merges.txt", "encoder.json", "vocab.bpe"] {
                #expect(message.contains(name))
            }
        }
    }

    @Test func missingFile_isReported() throws {
        try withTemporaryDirectory { directory in
            let vocabulary = directory.appendingPathComponent("vocab.json")
            let merges = directory.appendingPathComponent("merges.txt")
            #expect(throws: TokenizerError.unreadableFile(file: vocabulary, reason: "no such file")) {
                try BPETokenizer(vocabulary: vocabulary, merges: merges)
            }
            #expect(
                TokenizerError.unreadableFile(file: vocabulary, reason: "no such file").errorDescription
                    == "Could not read the tokenizer file \(vocabulary.path): no such file.")
        }
    }

    @Test func badMergesLine_isReportedWithFileAndLine() throws {
        try withTemporaryDirectory { directory in
            let files = try Self.defaultFiles()
            let vocabulary = directory.appendingPathComponent("vocab.json")
            let merges = directory.appendingPathComponent("merges.txt")
            try files.vocabulary.write(to: vocabulary)
            try Data("#version: 0.2\nĠ t\nĠ a\nhe llo there\n".utf8).write(to: merges)
            #expect(throws: TokenizerError.invalidMergesLine(file: merges, line: 4, text: "he llo there")) {
                try BPETokenizer(vocabulary: vocabulary, merges: merges)
            }
            try Data("#version: 0.2\nĠ t\nq zzzzzz\n".utf8).write(to: merges)
            #expect(throws: TokenizerError.mergeTokenNotInVocabulary(file: merges, line: 3, token: "zzzzzz")) {
                try BPETokenizer(vocabulary: vocabulary, merges: merges)
            }
            let message = TokenizerError.invalidMergesLine(file: merges, line: 4, text: "he llo there").errorDescription!
            #expect(message.contains("Line 4") && message.contains(merges.path))
        }
    }

    @Test func mergesFile_withCRLFAndNoHeader_loads() throws {
        try withTemporaryDirectory { directory in
            let files = try Self.defaultFiles()
            let vocabulary = directory.appendingPathComponent("vocab.json")
            let merges = directory.appendingPathComponent("merges.txt")
            try files.vocabulary.write(to: vocabulary)
            let lines = String(decoding: files.merges, as: UTF8.self).split(separator: "\n").dropFirst()
            try Data(lines.joined(separator: "\r\n").utf8).write(to: merges)
            expectSameAsDefault(try BPETokenizer(vocabulary: vocabulary, merges: merges))
        }
    }

    @Test func badJSON_isReported() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("tokenizer.json")
            try Data("{ not json".utf8).write(to: file)
            #expect {
                try BPETokenizer(tokenizerJSON: file)
            } throws: { error in
                guard case .invalidJSON(let reported, _) = error as? TokenizerError else { return false }
                return reported == file
            }
            try Data(#"{"model": {"type": "BPE", "merges": []}}"#.utf8).write(to: file)
            #expect(throws: TokenizerError.missingField(file: file, field: "model.vocab")) {
                try BPETokenizer(tokenizerJSON: file)
            }
            try Data(#"{"model": {"type": "WordPiece", "vocab": {}}}"#.utf8).write(to: file)
            #expect(throws: TokenizerError.unsupportedModelType(file: file, type: "WordPiece")) {
                try BPETokenizer(tokenizerJSON: file)
            }
            try Data(#"{"model": {"vocab": {"a": "one"}, "merges": []}}"#.utf8).write(to: file)
            #expect {
                try BPETokenizer(tokenizerJSON: file)
            } throws: { error in
                (error as? TokenizerError)?.errorDescription?.contains("\"a\"") == true
            }
        }
    }

    @Test func vocabularyWithBadIDsOrWithoutByteTokensOrEndOfText_isRejected() throws {
        try withTemporaryDirectory { directory in
            let vocabulary = directory.appendingPathComponent("vocab.json")
            let merges = directory.appendingPathComponent("merges.txt")
            try Data("#version: 0.2\n".utf8).write(to: merges)
            try Data(#"{"a": -1}"#.utf8).write(to: vocabulary)
            #expect(throws: TokenizerError.invalidTokenID(file: vocabulary, token: "a", id: -1)) {
                try BPETokenizer(vocabulary: vocabulary, merges: merges)
            }
            try Data(#"{"a": 4000000000}"#.utf8).write(to: vocabulary)
            #expect(throws: TokenizerError.invalidTokenID(file: vocabulary, token: "a", id: 4_000_000_000)) {
                try BPETokenizer(vocabulary: vocabulary, merges: merges)
            }
            try Data(#"{"a": 0}"#.utf8).write(to: vocabulary)
            #expect(throws: TokenizerError.missingByteToken(file: vocabulary, byte: 0, spelling: "Ā")) {
                try BPETokenizer(vocabulary: vocabulary, merges: merges)
            }
            // All 256 byte tokens but no <|endoftext|>.
            var bytesOnly: [String: Int] = [:]
            let full = try JSONSerialization.jsonObject(with: Self.defaultFiles().vocabulary) as! [String: Int]
            for (token, id) in full where id < 256 { bytesOnly[token] = id }
            try JSONSerialization.data(withJSONObject: bytesOnly).write(to: vocabulary)
            #expect(throws: TokenizerError.missingEndOfText(file: vocabulary)) {
                try BPETokenizer(vocabulary: vocabulary, merges: merges)
            }
        }
    }
}
