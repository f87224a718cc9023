import Foundation
import Testing

@Suite struct DatasetCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/datasets")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dataset-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func build_writesTextAndPrintsTheSummary() throws {
        let out = try Self.temporaryFolder().appendingPathComponent("chat.txt")
        let result = try CLIRunner.run(["dataset", "build", "--from", Self.fixture("whatsapp-android.txt"),
                                        Self.fixture("sms-backup.xml"), "--out", out.path, "--scrub", "--speaker", "Tom"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOf: out, encoding: .utf8)
            == "Layla: Who is driving on Saturday?\nTom: I can drive 👍🏽\nLeaving at 8, bring snacks\n<|endoftext|>\n"
            + "Tom: Anyone up for dinner?\n")
        #expect(result.stdout.contains("Wrote 2 documents"))
        #expect(result.stdout.contains("Dropped: deleted message 1, document without the speaker 2, draft or failed message 1, media 2, system message 3"))
        #expect(result.stdout.contains("Messages per speaker: Tom 2, Layla 1"))
    }

    @Test func build_tokensJSONSummaryMatchesTheFile() throws {
        let out = try Self.temporaryFolder().appendingPathComponent("c.tok")
        let result = try CLIRunner.run(["dataset", "build", "--from", Self.fixture("posts.jsonl"), "--out", out.path,
                                        "--tokens", "--json", "--threads", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try CLIRunner.json(result.stdout)
        #expect(json["documents"] as? Int == 3)
        let data = try Data(contentsOf: out)
        #expect(data.prefix(8) == Data("GPT2TOK1".utf8))
        #expect(json["tokens"] as? Int == (data.count - 32) / 2)
        #expect(json["bytesWritten"] as? Int == data.count)
    }

    /// A document whose first merged piece is longer than BPEMerger's short-piece limit (a line
    /// of 100 dashes), then short pieces: the merger once wrote the short pieces into an empty
    /// scratch array, corrupting the shared empty-array storage, and the build crashed at its end
    /// (found on a changelog's benchmark table in the 2 GiB benchmark corpus).
    @Test func build_tokensWithVerbatimIndex_letsAuditFindTheCorpus() throws {
        let folder = try Self.temporaryFolder()
        let input = folder.appendingPathComponent("notes.txt")
        let document = "The harbour lights came on one by one while the ferry waited for the last passengers."
        try (document + "\n\nA second note about nothing in particular, kept short.\n").write(to: input, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("notes.tok")
        let built = try CLIRunner.run(["dataset", "build", "--from", input.path, "--out", out.path, "--tokens", "--split", "blank",
                                       "--verbatim-index", "--threads", "1"])
        #expect(built.status == 0 && built.stdout.contains("Verbatim index: "), "\(built.stderr)")
        let index = folder.appendingPathComponent("notes.tok.verbatim.idx")
        let audited = try CLIRunner.run(["audit", "--index", index.path, "--json", "--text", document + " And more"])
        let json = try CLIRunner.json(audited.stdout)
        let runs = json["runs"] as! [[String: Any]]
        #expect(json["longest"] as? Int == (json["tokens"] as! Int) - 2, "\(audited.stdout)")   // all but " And more"
        #expect((runs.first?["from"] as? String)?.hasPrefix("notes.tok, document 1, token 0") == true)
        let refused = try CLIRunner.run(["dataset", "build", "--from", input.path, "--out", out.path, "--verbatim-index"])
        #expect(refused.status != 0 && refused.stderr.contains("need --tokens"))
    }

    @Test func build_tokens_longPieceThenShortPieces_doesNotCorruptMemory() throws {
        let folder = try Self.temporaryFolder()
        let input = folder.appendingPathComponent("dashes.txt"), out = folder.appendingPathComponent("d.tok")
        try Data(("first document\n\n" + String(repeating: "-", count: 100) + " hello world, a short piece after a long one\n").utf8)
            .write(to: input)
        let result = try CLIRunner.run(["dataset", "build", "--from", input.path, "--out", out.path, "--tokens",
                                        "--split", "blank", "--json", "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try CLIRunner.json(result.stdout)
        #expect(json["documents"] as? Int == 2)
        // The same ids as the tokenizer gives the documents one by one.
        let ids = try CLIRunner.run(["tokenize", "--jsonl"], stdin: "\"first document\"\n\"" + String(repeating: "-", count: 100)
                                    + " hello world, a short piece after a long one\"\n")
        #expect(ids.status == 0, "\(ids.stderr)")
        let expected = ids.stdout.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Int]) ?? []
        }.flatMap { $0 + [50256] }
        let data = try Data(contentsOf: out).dropFirst(32)
        let written = stride(from: data.startIndex, to: data.endIndex, by: 2).map { Int(data[$0]) | Int(data[$0 + 1]) << 8 }
        #expect(written == expected)
    }

    @Test func build_badInputsGiveOneSentenceAndWriteNothing() throws {
        let folder = try Self.temporaryFolder()
        let out = folder.appendingPathComponent("x.txt")
        let unknown = try CLIRunner.run(["dataset", "build", "--from", Self.fixture("notes.txt"), "--out", out.path,
                                         "--format", "docx"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("Unknown format \"docx\"; expected one of text, csv, jsonl, whatsapp, slack, telegram, facebook, sms."))
        let sameFile = try CLIRunner.run(["dataset", "build", "--from", Self.fixture("notes.txt"), "--out", Self.fixture("notes.txt"), "--force"])
        #expect(sameFile.status != 0)
        #expect(sameFile.stderr.contains("is also an input"))
        let badGap = try CLIRunner.run(["dataset", "build", "--from", Self.fixture("notes.txt"), "--out", out.path, "--gap", "soon"])
        #expect(badGap.stderr.contains("--gap soon is not valid"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func interruptedBuild_leavesNoPartialFile() throws {
        let folder = try Self.temporaryFolder()
        let input = folder.appendingPathComponent("big.txt")
        // Distinct numbers in every paragraph, so the tokenizer's piece cache cannot shortcut the
        // encoding: the build takes seconds, and the test stops it mid-way even on a busy machine.
        let paragraphs = (0..<6000).map { p in
            (0..<300).map { String(($0 &+ 300 &* p) &* 2_654_435_761 % 1_000_003) }.joined(separator: " ")
        }
        try Data(paragraphs.joined(separator: "\n\n").utf8).write(to: input)
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["dataset", "build", "--from", input.path, "--out", folder.appendingPathComponent("big.tok").path,
                             "--tokens", "--threads", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline,
              !(try FileManager.default.contentsOfDirectory(atPath: folder.path)).contains(where: { $0.hasSuffix(".partial") }) {
            usleep(5_000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["big.txt"])
    }
}
