import Foundation
import GPT2Tokenizer
import Testing
@testable import GPT2Datasets
import GPT2Privacy

@Suite("Dataset builder")
struct DatasetBuilderTests {
    @Test func textOutput_separatesDocumentsAndSummarises() throws {
        let output = try Fixture.temporaryFolder().appendingPathComponent("corpus.txt")
        var options = DatasetBuildOptions(inputs: [Fixture.url("notes.txt"), Fixture.url("whatsapp-es.txt")], output: output)
        options.scrubber = PIIScrubber(names: ["Ana"])
        let summary = try DatasetBuilder(options: options).build()
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(text == "The first note\nspans two lines.\n<|endoftext|>\nThe second note.\n<|endoftext|>\n"
            + "[NAME]: Hola, ¿cómo estás?\nLuis: Bien, ¿y tú?\n<|endoftext|>\n[NAME]: Nos vemos mañana\n")
        #expect(summary.documents == 4)
        #expect(summary.tokens == nil)
        #expect(summary.inputs.map(\.format) == ["text", "whatsapp"])
        #expect(summary.dropped == ["exact duplicate": 1, "media": 1, "deleted message": 1])
        #expect(summary.scrubbed == ["name": 2])
        #expect(summary.messagesPerSpeaker == ["Ana": 2, "Luis": 1])
        #expect(summary.bytesWritten == text.utf8.count)
        #expect(summary.text.contains("Wrote 4 documents"))
        // Reading the corpus back as text gives the same documents.
        #expect(try Fixture.documents(PlainTextImporter(), url: output).documents.count == 4)
    }

    @Test func tokenOutput_roundTripsThroughTheTokenFile() throws {
        let tokenizer = try BPETokenizer.gpt2()
        let output = try Fixture.temporaryFolder().appendingPathComponent("corpus.tok")
        var options = DatasetBuildOptions(inputs: [Fixture.url("slack"), Fixture.url("posts.jsonl")], output: output)
        options.tokens = true
        options.threads = 2
        let summary = try DatasetBuilder(options: options, tokenizer: tokenizer).build()
        let file = try TokenFile(contentsOf: output)
        let expected = ChatImporterTests.slackDocuments + ["First post 😀 with an escaped emoji", "مرحبا", "Line one\nLine two"]
        #expect(file.documentCount == expected.count)
        #expect(summary.documents == expected.count && summary.tokens == file.tokenCount)
        #expect(summary.bytesWritten == 32 + 2 * file.tokenCount)
        var ids: [Int] = []
        for document in expected { ids += tokenizer.encode(document) + [tokenizer.endOfTextID] }
        #expect(file.tokens.map(Int.init) == ids)
    }

    @Test func validationSplit_isDeterministicAndDisjoint() throws {
        let folder = try Fixture.temporaryFolder()
        let input = folder.appendingPathComponent("many.txt")
        try Data((0..<400).map { "document number \($0)" }.joined(separator: "\n").utf8).write(to: input)
        var options = DatasetBuildOptions(inputs: [input], output: folder.appendingPathComponent("train.txt"))
        options.validationFraction = 0.1
        let summary = try DatasetBuilder(options: options).build()
        let train = try Fixture.documents(PlainTextImporter(), url: folder.appendingPathComponent("train.txt")).documents
        let held = try Fixture.documents(PlainTextImporter(), url: folder.appendingPathComponent("train.validation.txt")).documents
        #expect(train.count + held.count == 400)
        #expect(summary.validationDocuments == held.count && summary.documents == train.count)
        #expect((20...60).contains(held.count))
        #expect(Set(train).isDisjoint(with: held))
        options.force = true
        _ = try DatasetBuilder(options: options).build()
        #expect(try Fixture.documents(PlainTextImporter(), url: folder.appendingPathComponent("train.validation.txt")).documents == held)
    }

    @Test func outputs_refuseInputsAndExistingFilesWithoutForce() throws {
        let folder = try Fixture.temporaryFolder()
        let input = folder.appendingPathComponent("in.txt")
        try Data("hello\n".utf8).write(to: input)
        let link = folder.appendingPathComponent("link.txt")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: input)
        var options = DatasetBuildOptions(inputs: [input], output: link)
        options.force = true
        #expect(throws: DatasetError.outputIsInput(output: link.path)) { try DatasetBuilder(options: options).build() }
        let existing = folder.appendingPathComponent("out.txt")
        try Data("keep me".utf8).write(to: existing)
        options = DatasetBuildOptions(inputs: [input], output: existing)
        #expect(throws: DatasetError.outputExists(output: existing.path)) { try DatasetBuilder(options: options).build() }
        options.force = true
        _ = try DatasetBuilder(options: options).build()
        #expect(try String(contentsOf: existing, encoding: .utf8) == "hello\n")
    }

    @Test func failedBuild_leavesNoFileBehind() throws {
        let folder = try Fixture.temporaryFolder()
        let good = folder.appendingPathComponent("good.txt")
        try Data("fine text\n".utf8).write(to: good)
        let bad = folder.appendingPathComponent("bad.jsonl")
        try Data("{\"text\": \"ok\"}\nnot json\n".utf8).write(to: bad)
        let output = folder.appendingPathComponent("out.txt")
        var options = DatasetBuildOptions(inputs: [good, bad], output: output)
        options.importing.format = nil
        #expect(throws: DatasetError.self) { try DatasetBuilder(options: options).build() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["bad.jsonl", "good.txt"])
    }

    @Test func optionParsing() throws {
        #expect(try DatasetBuildOptions.parseDuration("6h", option: "gap") == 21600)
        #expect(try DatasetBuildOptions.parseDuration("90s", option: "gap") == 90)
        #expect(throws: DatasetError.badOption(name: "gap", value: "6", expected: "a number followed by s, m, h or d, such as 6h")) {
            try DatasetBuildOptions.parseDuration("6", option: "gap")
        }
        #expect(try DatasetBuildOptions.parseDay("2024-02-29", option: "since") == Date(timeIntervalSince1970: 1_709_164_800))
        #expect(throws: DatasetError.self) { try DatasetBuildOptions.parseDay("2023-02-29", option: "since") }
    }
}
