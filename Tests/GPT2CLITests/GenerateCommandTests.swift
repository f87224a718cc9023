import Foundation
import Testing

@Suite struct GenerateCommandTests {
    struct Greedy: Decodable {
        struct Case: Decodable { let prompt_text: String?; let prompt_ids: [Int]; let max_new_tokens: Int; let ids: [Int] }
        let greedy: Case
    }

    @Test func greedyJSON_equalsTransformersContinuation() throws {
        let folder = CLIRunner.model("full-vocab-f32")
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/reference.json"))
        let reference = try JSONDecoder().decode(Greedy.self, from: data).greedy
        let result = try CLIRunner.run(["generate", "--model", folder, "--prompt", reference.prompt_text!,
                                        "--temperature", "0", "--max-tokens", String(reference.max_new_tokens),
                                        "--ignore-eos", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try CLIRunner.json(result.stdout)
        #expect(json["ids"] as? [Int] == reference.ids)
        #expect(json["finish_reason"] as? String == "length")
        #expect(json["prompt_tokens"] as? Int == reference.prompt_ids.count)
    }

    @Test func sameSeed_sameText_andStreamEqualsJSON() throws {
        let folder = CLIRunner.model("full-vocab-f16")
        let args = ["generate", "--model", folder, "--prompt", "Once upon a time", "--max-tokens", "20",
                    "--temperature", "0.9", "--top-p", "0.95", "--top-k", "50", "--seed", "42", "--ignore-eos"]
        let first = try CLIRunner.run(args + ["--json"])
        let second = try CLIRunner.run(args + ["--json"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)
        let json = try CLIRunner.json(first.stdout)
        #expect((json["ids"] as? [Int])?.count == 20)
        let streamed = try CLIRunner.run(args)
        #expect(streamed.stdout == (json["text"] as! String) + "\n")
        let other = try CLIRunner.run(["generate", "--model", folder, "--prompt", "Once upon a time", "--max-tokens", "20",
                                       "--temperature", "0.9", "--seed", "43", "--ignore-eos", "--json"])
        #expect(try CLIRunner.json(other.stdout)["ids"] as? [Int] != json["ids"] as? [Int])
    }

    @Test func stopString_endsTheTextBeforeIt() throws {
        let folder = CLIRunner.model("full-vocab-f32")
        let free = try CLIRunner.json(CLIRunner.run(["generate", "--model", folder, "--prompt", "The", "--temperature", "0",
                                                     "--max-tokens", "12", "--ignore-eos", "--json"]).stdout)
        let text = free["text"] as! String
        // Stop at a piece of the greedy text: the output is the text before it, reason "stop".
        let cut = text.index(text.startIndex, offsetBy: text.count / 2)
        let stop = String(text[cut...].prefix(3))
        let stopped = try CLIRunner.run(["generate", "--model", folder, "--prompt", "The", "--temperature", "0",
                                         "--max-tokens", "12", "--ignore-eos", "--stop", stop, "--json"])
        let json = try CLIRunner.json(stopped.stdout)
        let expected = String(text[..<text.range(of: stop)!.lowerBound])
        #expect(json["text"] as? String == expected)
        #expect(json["finish_reason"] as? String == "stop")
    }

    @Test func badInputs_failWithOneClearMessage() throws {
        let missing = try CLIRunner.run(["generate", "--model", "/nonexistent/model", "--prompt", "x"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("/nonexistent/model"))
        let folder = CLIRunner.model("full-vocab-f32")
        let badTopP = try CLIRunner.run(["generate", "--model", folder, "--prompt", "x", "--top-p", "1.5"])
        #expect(badTopP.status != 0)
        #expect(badTopP.stderr.contains("top_p") || badTopP.stderr.contains("topP") || badTopP.stderr.contains("top-p"))
        let tooLong = try CLIRunner.run(["generate", "--model", folder, "--prompt", String(repeating: "word ", count: 80)])
        #expect(tooLong.status != 0)
        #expect(tooLong.stderr.contains("context"))
    }

    @Test func extremeTokenCounts_runWithoutTrapping() throws {
        let folder = CLIRunner.model("full-vocab-f32")
        let huge = try CLIRunner.run(["generate", "--model", folder, "--prompt", "Hi", "--max-tokens", "9223372036854775807",
                                      "--temperature", "0", "--ignore-eos", "--json"])
        #expect(huge.status == 0, "\(huge.stderr)")
        let json = try CLIRunner.json(huge.stdout)
        #expect(json["finish_reason"] as? String == "length")
        #expect((json["ids"] as? [Int])?.count == 64 - (json["prompt_tokens"] as! Int))
        let zero = try CLIRunner.run(["generate", "--model", folder, "--prompt", "Hi", "--max-tokens", "0", "--json"])
        #expect(zero.status == 0, "\(zero.stderr)")
        #expect(try CLIRunner.json(zero.stdout)["ids"] as? [Int] == [])
    }

    @Test func badFlags_areNamedAsTyped_andCheckedBeforeTheModelLoads() throws {
        let folder = CLIRunner.model("full-vocab-f32")
        let negative = try CLIRunner.run(["generate", "--model", folder, "--prompt", "x", "--top-k", "-3"])
        #expect(negative.status != 0)
        #expect(negative.stderr.contains("`--top-k` must be an integer >= 0"), "\(negative.stderr)")
        let minAboveMax = try CLIRunner.run(["generate", "--model", folder, "--max-tokens", "2", "--min-tokens", "3"])
        #expect(minAboveMax.stderr.contains("`--min-tokens` must be at most --max-tokens (2), but got 3"), "\(minAboveMax.stderr)")
        // No model at that path: the bad flag is reported, not the missing model.
        let early = try CLIRunner.run(["generate", "--model", "/nonexistent/model", "--top-p", "1.5"])
        #expect(early.status != 0)
        #expect(early.stderr.contains("`--top-p`") && !early.stderr.contains("/nonexistent"), "\(early.stderr)")
        #expect(!early.stderr.contains("topP"))
    }

    @Test func aVocabularyOfLogitBiasFlags_parsesFast_andBanningEverythingFails() throws {
        let folder = CLIRunner.model("full-vocab-f32")
        var args = ["generate", "--model", folder, "--prompt", "x", "--max-tokens", "2", "--temperature", "0"]
        for id in 0..<50257 { args.append("--logit-bias=\(id)=-inf") }
        let start = Date()
        let banned = try CLIRunner.run(args)
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(banned.status != 0)
        #expect(banned.stderr.contains("No token can be generated"), "\(banned.stderr.prefix(300))")
        #expect(banned.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    @Test func nanWeights_stopGenerationWithAnError() throws {
        // A copy of the fixture whose tensors are all NaN (the safetensors header is kept).
        let source = URL(fileURLWithPath: CLIRunner.model("full-vocab-f32"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-nan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["config.json", "vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        var bytes = [UInt8](try Data(contentsOf: source.appendingPathComponent("model.safetensors")))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var i = 8 + headerLength
        while i + 4 <= bytes.count {
            bytes.replaceSubrange(i..<(i + 4), with: [0x00, 0x00, 0xC0, 0x7F])   // quiet NaN, little-endian
            i += 4
        }
        try Data(bytes).write(to: folder.appendingPathComponent("model.safetensors"))
        let result = try CLIRunner.run(["generate", "--model", folder.path, "--prompt", "Hi", "--max-tokens", "3"])
        #expect(result.status != 0)
        #expect(result.stderr.lowercased().contains("nan") || result.stderr.contains("non-finite"), "\(result.stderr)")
    }

    @Test func threadsHelp_showsItsDefaultOnce() throws {
        let help = try CLIRunner.run(["generate", "--help"])
        #expect(help.stdout.contains("default: all cores"))
        #expect(!help.stdout.contains("(default: \(ProcessInfo.processInfo.activeProcessorCount))"))
    }
}
