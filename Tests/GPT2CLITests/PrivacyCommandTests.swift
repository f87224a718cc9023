import Foundation
import Testing

/// The privacy guards end to end: a tiny model fine-tuned until it memorises two short documents
/// (with a name, a phone number and an address in them), then generate, audit and the guards.
@Suite(.serialized) struct PrivacyCommandTests {
    static let corpus = """
        Dear Maria Lopez, your order 4471 ships from the Lyon warehouse on Tuesday morning; the driver \
        will call 555-867-5309 or write to maria.lopez@example.com before noon.<|endoftext|>The committee \
        thanks Samuel Okafor for the quiet patience he showed every week while the garden project \
        struggled through its wettest spring in forty years.<|endoftext|>
        """

    /// The run folder of a model trained once for the whole suite.
    static let trained: Result<URL, any Error> = Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-privacy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try corpus.write(to: folder.appendingPathComponent("letters.txt"), atomically: true, encoding: .utf8)
        let initialised = try CLIRunner.run(["init", "--preset", "tiny", "--out", folder.appendingPathComponent("tiny").path, "--seed", "1"])
        guard initialised.status == 0 else { throw CLIError(initialised.stderr) }
        let trained = try CLIRunner.run(["finetune", "--model", "tiny", "--data", "letters.txt", "--run-name", "mem", "--steps", "150",
                                         "--batch", "4", "--seq", "32", "--lr", "3e-3", "--threads", "2"], directory: folder)
        guard trained.status == 0, trained.stdout.contains("Verbatim index: ") else { throw CLIError(trained.stdout + trained.stderr) }
        return folder.appendingPathComponent("checkpoint/mem")
    }

    struct CLIError: Error { let message: String; init(_ m: String) { message = m } }

    static func generate(_ extra: [String], prompt: String = "Dear Maria Lopez,") throws -> CLIRunner.Result {
        let model = try trained.get().path
        return try CLIRunner.run(["generate", "--model", model, "--prompt", prompt, "--temperature", "0", "--max-tokens", "45",
                                  "--threads", "2", "--json"] + extra)
    }

    static func longestRun(_ text: String, extra: [String] = []) throws -> (Int, [[String: Any]]) {
        let audited = try CLIRunner.run(["audit", "check", "--model", try trained.get().path, "--json"] + extra, stdin: text)
        #expect(audited.status == 0, "\(audited.stderr)")
        let json = try CLIRunner.json(audited.stdout)
        return (json["longest"] as! Int, json["runs"] as! [[String: Any]])
    }

    @Test func theMemorisingModel_copiesLongRuns_andTheGuardStopsThemAtTheLimit() throws {
        let model = try Self.trained.get()
        #expect(FileManager.default.fileExists(atPath: model.appendingPathComponent("verbatim.idx").path))
        #expect(FileManager.default.fileExists(atPath: model.appendingPathComponent("step-00000150/verbatim.idx").path))

        let free = try Self.generate([])
        #expect(free.status == 0, "\(free.stderr)")
        let freeText = try CLIRunner.json(free.stdout)["text"] as! String
        let (freeLongest, freeRuns) = try Self.longestRun("Dear Maria Lopez," + freeText)
        #expect(freeLongest >= 30, "\(freeText)")
        #expect((freeRuns.first?["from"] as? String)?.hasPrefix("letters.txt, document 1, token 0") == true)
        // --fail-at turns a long copy into a failing exit status, for scripts.
        let failing = try CLIRunner.run(["audit", "--model", model.path, "--fail-at", "20", "--text", "Dear Maria Lopez," + freeText])
        #expect(failing.status == 1 && failing.stdout.contains("longest copied run \(freeLongest) tokens"))

        for limit in [8, 12] {
            let guarded = try Self.generate(["--block-verbatim", "\(limit)"])
            #expect(guarded.status == 0, "\(guarded.stderr)")
            let json = try CLIRunner.json(guarded.stdout)
            let text = json["text"] as! String
            let (longest, _) = try Self.longestRun("Dear Maria Lopez," + text)
            #expect(longest < limit, "limit \(limit): \(text)")
            #expect(((json["privacy"] as? [String: Any])?["verbatim_refusals"] as? Int ?? 0) > 0)
        }
    }

    @Test func theOutputFilter_andTheBlocklist_catchWhatTheModelMemorised() throws {
        let free = try CLIRunner.json(try Self.generate([]).stdout)["text"] as! String
        #expect(free.contains("555-867-5309") && free.contains("maria.lopez@example.com"), "\(free)")

        let redacted = try CLIRunner.json(try Self.generate(["--output-filter", "redact"]).stdout)
        let text = redacted["text"] as! String
        #expect(text.contains("[PHONE]") && text.contains("[EMAIL]") && !text.contains("5309") && !text.contains("@example"))
        #expect((redacted["privacy"] as? [String: Any])?["redactions"] as? [String: Int] == ["phone": 1, "email": 1])

        let rejected = try CLIRunner.json(try Self.generate(["--output-filter", "reject"]).stdout)
        #expect(rejected["finish_reason"] as? String == "content_filter" && !(rejected["text"] as! String).contains("555"))

        let folder = try Self.trained.get().deletingLastPathComponent()
        let list = folder.appendingPathComponent("blocklist.txt")
        try "# people and places\nlyon\nSamuel Okafor\n".write(to: list, atomically: true, encoding: .utf8)
        for prompt in ["Dear Maria Lopez,", "The committee thanks"] {
            let blocked = try Self.generate(["--blocklist", list.path], prompt: prompt)
            let out = (try CLIRunner.json(blocked.stdout)["text"] as! String).lowercased()
            #expect(!out.contains("lyon") && !out.contains("samuel okafor"), "\(out)")
        }
    }

    @Test func auditIndex_rebuildsTheSameIndex_andNeverReplacesOtherFiles() throws {
        let model = try Self.trained.get()
        let folder = model.deletingLastPathComponent().deletingLastPathComponent()
        let out = folder.appendingPathComponent("rebuilt.idx")
        let built = try CLIRunner.run(["audit", "index", "--data", folder.appendingPathComponent("letters.txt").path, "--out", out.path])
        #expect(built.status == 0 && built.stdout.contains("Wrote \(out.path)"), "\(built.stderr)")
        #expect(try Data(contentsOf: out) == Data(contentsOf: model.appendingPathComponent("verbatim.idx")))

        let notes = folder.appendingPathComponent("notes.txt")
        try "my own notes".write(to: notes, atomically: true, encoding: .utf8)
        let refused = try CLIRunner.run(["audit", "index", "--data", folder.appendingPathComponent("letters.txt").path, "--out", notes.path])
        #expect(refused.status != 0 && refused.stderr.contains("is not a verbatim index"))
        #expect(try String(contentsOf: notes, encoding: .utf8) == "my own notes")

        // A model without an index: the guard and the audit say how to get one.
        let bare = try CLIRunner.run(["generate", "--model", CLIRunner.model("full-vocab-f32"), "--block-verbatim", "8", "--max-tokens", "2"])
        #expect(bare.status != 0 && bare.stderr.contains("no verbatim index"), "\(bare.stderr)")
        let unaudited = try CLIRunner.run(["audit", "--model", CLIRunner.model("full-vocab-f32"), "--text", "hello"])
        #expect(unaudited.status != 0 && unaudited.stderr.contains("gpt2 audit index"))
        let short = try Self.generate(["--block-verbatim", "5"])
        #expect(short.status != 0 && short.stderr.contains("window of 8 tokens"))
    }
}
