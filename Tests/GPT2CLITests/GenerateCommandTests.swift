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
}
