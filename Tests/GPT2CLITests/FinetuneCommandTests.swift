import Foundation
import Testing

/// `gpt2 finetune` end to end on a small fixture model with a tokenizer.
@Suite struct FinetuneCommandTests {
    static func folder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-ft-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let text = (0..<40).map { "Story \($0): the cat sat on the mat and looked at the hat.<|endoftext|>" }.joined()

    @Test func trainsSavesResumesAndTheCheckpointLoads() throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("train.txt")
        try Self.text.write(to: data, atomically: true, encoding: .utf8)
        let common = ["finetune", "--model", CLIRunner.model("with-prefix"), "--data", data.path,
                      "--checkpoint-dir", dir.appendingPathComponent("checkpoint").path, "--run-name", "cats",
                      "--batch", "2", "--seq", "16", "--lr", "1e-3", "--val-fraction", "0.2", "--val-every", "2",
                      "--threads", "2", "--seed", "3"]
        let first = try CLIRunner.run(common + ["--steps", "4", "--sample-every", "4", "--sample-length", "8"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("step 4/4 | loss"))
        #expect(first.stdout.contains("tok/s | ETA"))
        #expect(first.stdout.contains("--- sample at step 4 ---"))
        #expect(first.stdout.contains("Best validation loss"))
        let run = dir.appendingPathComponent("checkpoint/cats")
        for name in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "best/config.json", "log.jsonl",
                     "step-00000004/state.json"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(name).path), "\(name)")
        }
        let resumed = try CLIRunner.run(common + ["--steps", "6", "--resume", "latest"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("Resuming") && resumed.stdout.contains("step 6/6"))
        #expect(!resumed.stdout.contains("step 4/6"))
        // The checkpoint is a model every command loads.
        let scored = try CLIRunner.run(["score", "--model", run.path, "--text", "the cat sat", "--json"])
        #expect(scored.status == 0, "\(scored.stderr)")
        let log = try String(contentsOf: run.appendingPathComponent("log.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 6)
    }

    @Test func badInputsFailWithOneSentence() throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty.txt")
        try "".write(to: empty, atomically: true, encoding: .utf8)
        let base = ["finetune", "--model", CLIRunner.model("with-prefix"), "--run-name", "x", "--steps", "1",
                    "--checkpoint-dir", dir.appendingPathComponent("checkpoint").path]
        let noText = try CLIRunner.run(base + ["--data", empty.path])
        #expect(noText.status != 0 && noText.stderr.contains("has 0 tokens"), "\(noText.stderr)")
        let missing = try CLIRunner.run(base + ["--data", dir.appendingPathComponent("nope.txt").path])
        #expect(missing.status != 0 && missing.stderr.contains("not a readable file"), "\(missing.stderr)")
        try Self.text.write(to: empty, atomically: true, encoding: .utf8)
        let notAModel = try CLIRunner.run(["finetune", "--model", dir.path, "--run-name", "x", "--steps", "1",
                                           "--data", empty.path])
        #expect(notAModel.status != 0 && notAModel.stderr.contains("config.json"), "\(notAModel.stderr)")
        let noCheckpoint = try CLIRunner.run(base + ["--data", empty.path, "--resume", "latest"])
        #expect(noCheckpoint.status != 0 && noCheckpoint.stderr.contains("no step-N checkpoint"), "\(noCheckpoint.stderr)")
        let layers = try CLIRunner.run(base + ["--data", empty.path, "--train-layers", "1-5"])
        #expect(layers.status != 0 && layers.stderr.contains("--train-layers"), "\(layers.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("checkpoint/x/model.safetensors").path))
    }
}
