import Foundation
import Testing
@testable import GPT2Datasets

@Suite("Text, CSV and JSON Lines importers")
struct TextImporterTests {
    @Test func plainText_blankLinesSplitDocuments() throws {
        #expect(try PlainTextImporter.detectSplit(Fixture.url("notes.txt")) == .blankLines)
        let (documents, _) = try Fixture.documents(PlainTextImporter(), "notes.txt")
        #expect(documents == ["The first note\nspans two lines.", "The second note.", "The first note\nspans two lines."])
    }

    @Test func plainText_modes() throws {
        let url = try Fixture.write("one\r\ntwo\r\n<|endoftext|>three\nfour<|endoftext|>\n", name: "a.txt")
        #expect(try PlainTextImporter.detectSplit(url) == .endOfText)
        #expect(try Fixture.documents(PlainTextImporter(), url: url).documents == ["one\ntwo", "three\nfour"])
        #expect(try Fixture.documents(PlainTextImporter(split: .lines), url: url).documents
            == ["one", "two", "<|endoftext|>three", "four<|endoftext|>"])
        #expect(try Fixture.documents(PlainTextImporter(split: .file), url: url).documents
            == ["one\ntwo\n<|endoftext|>three\nfour<|endoftext|>"])
        let lines = try Fixture.write("\u{FEFF}alpha\nbeta\n\n", name: "b.txt")
        #expect(try PlainTextImporter.detectSplit(lines) == .lines)
        #expect(try Fixture.documents(PlainTextImporter(), url: lines).documents == ["alpha", "beta"])
    }

    @Test func plainText_fortuneFiles_splitAtPercentLines() throws {
        // The layout of /usr/share/games/fortunes: `%` lines between texts, which may hold blank
        // lines and tab-indented attributions; a single `%` inside a text is not enough to detect.
        let text = "\"Quote one,\n\ncontinued.\"\n\t\t-- Someone\n%\nTwo\n%\n%\nThree 100%\n"
        let url = try Fixture.write(text, name: "cookie")
        #expect(try PlainTextImporter.detectSplit(url) == .percent)
        #expect(try Fixture.documents(PlainTextImporter(), url: url).documents
            == ["\"Quote one,\n\ncontinued.\"\n\t\t-- Someone", "Two", "Three 100%"])
        let single = try Fixture.write("A\n%\nB\n\nC\n", name: "single")
        #expect(try PlainTextImporter.detectSplit(single) == .blankLines)
    }

    @Test func plainText_invalidUTF8_namesTheByteOffset() throws {
        let url = try Fixture.temporaryFolder().appendingPathComponent("bad.txt")
        try Data([0x61, 0x0A, 0x62, 0x63, 0xFF, 0x0A]).write(to: url)
        #expect(throws: DatasetError.notUTF8(file: url.path, offset: 4)) {
            try PlainTextImporter(split: .lines).read(url, into: RecordSink { _ in })
        }
    }

    @Test func lineReader_streamsAcrossChunkBoundaries() throws {
        let line = String(repeating: "é", count: 300_000)  // 600,000 bytes: lines straddle the 1 MiB reads
        let url = try Fixture.write((0..<5).map { "\($0)\(line)" }.joined(separator: "\n"), name: "long.txt")
        let reader = try LineReader(url: url)
        var lines: [String] = []
        while let next = try reader.next() { lines.append(next) }
        #expect(lines == (0..<5).map { "\($0)\(line)" })
        #expect(reader.lineNumber == 5)
    }

    @Test func csv_quotedMultilineFieldsAndDoubledQuotes() throws {
        let (documents, skipped) = try Fixture.documents(CSVImporter(), "reviews.csv")
        #expect(documents == ["Great little café, would come back.",
                              "The menu said \"vegan\" but\nthe soup had cream.\n\nNot great.", "Fine"])
        #expect(skipped == ["empty text": 1])
        #expect(try Fixture.documents(CSVImporter(column: "AUTHOR"), "reviews.csv").documents == ["ana", "bo", "cy", "dee"])
    }

    @Test func csv_errorsNameColumnsAndLines() throws {
        let reviews = Fixture.url("reviews.csv")
        #expect(throws: DatasetError.missingField(file: reviews.path, field: "review", available: ["id", "author", "body", "stars"])) {
            try CSVImporter(column: "review").read(reviews, into: RecordSink { _ in })
        }
        let open = try Fixture.write("text\n\"never closed\nstill open\n", name: "open.csv")
        #expect(throws: DatasetError.malformed(file: open.path, location: "line 2",
                                               expected: "a closing quote for the field opened there", found: "the end of the file")) {
            try CSVImporter().read(open, into: RecordSink { _ in })
        }
        let short = try Fixture.write("id,text\n1,a\n2\n", name: "short.csv")
        #expect(throws: DatasetError.malformed(file: short.path, location: "line 3", expected: "2 fields as in the header", found: "1")) {
            try CSVImporter().read(short, into: RecordSink { _ in })
        }
    }

    @Test func jsonLines_defaultAndDottedFields() throws {
        let (documents, skipped) = try Fixture.documents(JSONLinesImporter(), "posts.jsonl")
        #expect(documents == ["First post 😀 with an escaped emoji", "مرحبا", "Line one\nLine two"])
        #expect(skipped == ["empty text": 1])
        let url = try Fixture.write(#"{"a": {"b": "deep"}}"# + "\n", name: "d.jsonl")
        #expect(try Fixture.documents(JSONLinesImporter(field: "a.b"), url: url).documents == ["deep"])
    }

    @Test func jsonLines_errorsNameTheLine() throws {
        let broken = try Fixture.write("{\"text\": \"ok\"}\n{\"text\": \"no end\n", name: "e.jsonl")
        #expect(throws: DatasetError.malformed(file: broken.path, location: "line 2", expected: "one JSON object per line",
                                               found: "text that is not JSON: \"{\"text\": \"no end\"")) {
            try JSONLinesImporter().read(broken, into: RecordSink { _ in })
        }
        let number = try Fixture.write("{\"text\": 3}\n", name: "n.jsonl")
        #expect(throws: DatasetError.malformed(file: number.path, location: "line 1, field \"text\"", expected: "a string",
                                               found: "a number 3")) {
            try JSONLinesImporter().read(number, into: RecordSink { _ in })
        }
        let untitled = try Fixture.write("{\"title\": \"x\"}\n", name: "t.jsonl")
        #expect(throws: DatasetError.missingField(file: untitled.path, field: "text\" or \"content\" or \"body\" or \"message",
                                                  available: ["title"])) {
            try JSONLinesImporter().read(untitled, into: RecordSink { _ in })
        }
    }

    @Test func textTrimming_matchesUnicodeWhiteSpace() {
        #expect(TextTrimming.trimmed(" \u{3000}\t x  y\r\n\u{A0}") == "x  y")
        #expect(TextTrimming.trimmed("\n \n") == "")
        #expect(TextTrimming.trimmed("\u{200E}x") == "\u{200E}x")  // a direction mark is not white space
        #expect(TextTrimming.isBlank(" \u{2028}\t") && !TextTrimming.isBlank(" .") && TextTrimming.isBlank(""))
        #expect(TextTrimming.containsEndOfText("a<|endoftext|>"))
        #expect(!TextTrimming.containsEndOfText("a<|endoftext|") && !TextTrimming.containsEndOfText("<|"))
    }
}
