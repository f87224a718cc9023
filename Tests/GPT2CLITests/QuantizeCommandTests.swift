import Foundation
import Testing

@Suite struct QuantizeCommandTests {
    @Test func quantize_writesAFolderEveryCommandLoads() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-q-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let source = CLIRunner.model("full-vocab-f32")
        let made = try CLIRunner.run(["quantize", "--model", source, "--to", "int8", "--out", out.path])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("int8"))
        for file in ["config.json", "model.safetensors", "vocab.json", "merges.txt"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path))
        }
        let scored = try CLIRunner.run(["score", "--model", out.path, "--text", "Hello world, again", "--json"])
        #expect(scored.status == 0, "\(scored.stderr)")
        #expect((try CLIRunner.json(scored.stdout)["ids"] as? [Int]) == [15496, 995, 11, 757])
        let again = try CLIRunner.run(["quantize", "--model", out.path, "--to", "q4", "--out", out.path + "-2"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already holds int8"))
    }

    @Test func badTargets_areRefusedWithoutWriting() throws {
        let source = CLIRunner.model("full-vocab-f32")
        let badFormat = try CLIRunner.run(["quantize", "--model", source, "--to", "int3", "--out", "/tmp/never"])
        #expect(badFormat.status != 0 && badFormat.stderr.contains("int8"))
        let sameFolder = try CLIRunner.run(["quantize", "--model", source, "--to", "f16", "--out", source])
        #expect(sameFolder.status != 0 && sameFolder.stderr.contains("another folder"))
        let unaligned = try CLIRunner.run(["quantize", "--model", source, "--to", "q4", "--out", "/tmp/gpt2-never-\(UUID().uuidString)"])
        #expect(unaligned.status != 0 && unaligned.stderr.contains("multiple of 32"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never"))
    }
}
