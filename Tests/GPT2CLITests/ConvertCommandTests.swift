import Foundation
import Testing

/// `gpt2 convert` and TensorFlow folders as `--model`, through the real binary.
@Suite struct ConvertCommandTests {
    static let tfFixture = CLIRunner.fixtures.appendingPathComponent("tf/with-prefix").path
    static let text = "hello world, hello again"

    static func scores(_ model: String) throws -> [String: Any] {
        let scored = try CLIRunner.run(["score", "--model", model, "--text", text, "--json"])
        #expect(scored.status == 0, "\(scored.stderr)")
        return try CLIRunner.json(scored.stdout)
    }

    @Test func tensorFlowFolder_convertsBothWaysAndScoresLikeTheSource() throws {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temp) }
        let hf = temp.appendingPathComponent("hf").path, tf = temp.appendingPathComponent("tf").path
        let reference = try Self.scores(CLIRunner.model("with-prefix"))
        // The TensorFlow fixture holds the with-prefix weights: as --model it scores the same.
        let direct = try Self.scores(Self.tfFixture)
        #expect(direct["token_logprobs"] as? [Double?] == reference["token_logprobs"] as? [Double?])

        let toHF = try CLIRunner.run(["convert", "--from", Self.tfFixture, "--to", hf])
        #expect(toHF.status == 0, "\(toHF.stderr)")
        for file in ["config.json", "model.safetensors", "vocab.json", "merges.txt"] {
            #expect(FileManager.default.fileExists(atPath: hf + "/" + file), "\(file)")
        }
        #expect(try Self.scores(hf)["token_logprobs"] as? [Double?] == reference["token_logprobs"] as? [Double?])

        let toTF = try CLIRunner.run(["convert", "--from", hf, "--to-tf", tf])
        #expect(toTF.status == 0, "\(toTF.stderr)")
        for file in ["checkpoint", "hparams.json", "model-1.index", "model-1.data-00000-of-00001", "encoder.json", "vocab.bpe"] {
            #expect(FileManager.default.fileExists(atPath: tf + "/" + file), "\(file)")
        }
        #expect(try Self.scores(tf)["token_logprobs"] as? [Double?] == reference["token_logprobs"] as? [Double?])

        let again = try CLIRunner.run(["convert", "--from", hf, "--to-tf", tf])
        #expect(again.status != 0 && again.stderr.contains("--force"), "\(again.stderr)")
    }

    @Test func badArguments_areRefusedWithOneSentence() throws {
        let both = try CLIRunner.run(["convert", "--from", Self.tfFixture, "--to", "/tmp/a", "--to-tf", "/tmp/b"])
        #expect(both.status != 0 && both.stderr.contains("exactly one"))
        let dtype = try CLIRunner.run(["convert", "--from", Self.tfFixture, "--to-tf", "/tmp/gpt2-never", "--dtype", "f16"])
        #expect(dtype.status != 0 && dtype.stderr.contains("fp32"))
        let missing = try CLIRunner.run(["convert", "--from", "/nonexistent/model", "--to", "/tmp/gpt2-never"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/model"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/gpt2-never"))
    }
}
