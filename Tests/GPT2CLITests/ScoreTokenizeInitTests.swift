import Foundation
import Testing

@Suite struct ScoreTokenizeInitTests {
    struct Reference: Decodable {
        struct Case: Decodable { let text: String?; let ids: [Int]; let token_logprobs: [Double?] }
        let cases: [Case]
    }

    @Test func scoreJSON_matchesTransformersLogprobs() throws {
        let folder = CLIRunner.model("full-vocab-f32")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/reference.json")))
        for item in reference.cases where item.text != nil && item.ids.count > 1 {
            let result = try CLIRunner.run(["score", "--model", folder, "--text", item.text!, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let json = try CLIRunner.json(result.stdout)
            #expect(json["ids"] as? [Int] == item.ids)
            let logprobs = json["token_logprobs"] as! [Any]
            #expect(logprobs.first is NSNull)
            for (ours, theirs) in zip(logprobs.dropFirst(), item.token_logprobs.dropFirst()) {
                #expect(abs((ours as! Double) - theirs!) <= 1e-4)
            }
        }
    }

    @Test func tokenize_printsIdsForStdinAndJSONLines() throws {
        let plain = try CLIRunner.run(["tokenize"], stdin: "Hello world")
        #expect(plain.stdout == "[15496,995]\n")
        let lines = try CLIRunner.run(["tokenize", "--model", CLIRunner.model("full-vocab-f32"), "--jsonl"],
                                      stdin: "\"Hello world\"\n\" <|endoftext|>\"\n")
        #expect(lines.stdout == "[15496,995]\n[1279,91,437,1659,5239,91,29]\n")
        let bad = try CLIRunner.run(["tokenize", "--jsonl"], stdin: "not json\n")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("Line 1"))
    }

    @Test func initThenGenerate_roundTrips() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = try CLIRunner.run(["init", "--preset", "tiny", "--out", folder.path, "--seed", "3"])
        #expect(made.status == 0, "\(made.stderr)")
        for file in ["config.json", "model.safetensors", "vocab.json", "merges.txt"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path))
        }
        let again = try CLIRunner.run(["init", "--preset", "tiny", "--out", folder.path])
        #expect(again.status != 0)
        #expect(again.stderr.contains("--force"))
        let generated = try CLIRunner.run(["generate", "--model", folder.path, "--prompt", "Hi", "--max-tokens", "5",
                                           "--ignore-eos", "--seed", "1", "--json"])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect((try CLIRunner.json(generated.stdout)["ids"] as? [Int])?.count == 5)
    }
}
