import Foundation
import Testing

/// A copied binary, alone in a folder and run from another one, has GPT-2's tokenizer and the
/// default model inside it; GPT2_TOKENIZER_DIR still replaces the tokenizer files.
struct EmbeddedResourcesTests {
    /// A copy of the binary alone in a fresh folder, and an empty working directory beside it;
    /// the caller removes `folder`.
    func lonelyBinary() throws -> (folder: URL, binary: URL, workingDirectory: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-alone-\(UUID().uuidString)")
        let work = folder.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let binary = folder.appendingPathComponent("bin/gpt2")
        try FileManager.default.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CLIRunner.binary, to: binary)
        return (folder, binary, work)
    }

    @Test func copiedBinary_tokenizesWithItsOwnFiles() throws {
        let (folder, binary, work) = try lonelyBinary()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try CLIRunner.run(["tokenize"], stdin: "Hello world", environment: ["GPT2_TOKENIZER_DIR": ""],
                                       executable: binary, directory: work)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[15496,995]")
    }

    @Test func tokenizerDirVariable_replacesTheBuiltInFiles() throws {
        let (folder, binary, work) = try lonelyBinary()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("no-tokenizer-here").path
        let missing = try CLIRunner.run(["tokenize"], stdin: "Hello world", environment: ["GPT2_TOKENIZER_DIR": empty],
                                        executable: binary, directory: work)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains(empty), "\(missing.stderr)")
        #expect(missing.stdout.isEmpty)
        let sources = CLIRunner.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/GPT2Tokenizer/Resources")
        let named = try CLIRunner.run(["tokenize"], stdin: "Hello world", environment: ["GPT2_TOKENIZER_DIR": sources.path],
                                      executable: binary, directory: work)
        #expect(named.status == 0, "\(named.stderr)")
        #expect(named.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[15496,995]")
    }

    /// With no --model, generate and score use the built-in model, unpacked once into the
    /// cache folder, and give the same answers as the repository's Models/default folder.
    @Test func noModelFlag_usesTheBuiltInModel() throws {
        let (folder, binary, work) = try lonelyBinary()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = folder.appendingPathComponent("cache")
        let environment = ["GPT2_CACHE_DIR": cache.path]
        let arguments = ["generate", "--prompt", "The meaning of life is", "--max-tokens", "12", "--temperature", "0"]
        let first = try CLIRunner.run(arguments, environment: environment, executable: binary, directory: work)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!first.stdout.isEmpty)
        let unpacked = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        #expect(unpacked.count == 1 && unpacked[0].hasPrefix("default-"), "\(unpacked)")
        let files = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent(unpacked[0]).path)
        #expect(files.sorted() == ["config.json", "model.safetensors", "verbatim.idx"])
        // The second run reuses the cache; `--model default` names the same model.
        let second = try CLIRunner.run(arguments + ["--model", "default"], environment: environment,
                                       executable: binary, directory: work)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout == first.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path) == unpacked)
        let repository = CLIRunner.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Models/default").path
        let fromFolder = try CLIRunner.run(arguments + ["--model", repository])
        #expect(fromFolder.stdout == first.stdout, "the built-in model differs from Models/default: rebuild after training")
        let score = try CLIRunner.run(["score", "--text", "A fortune a day."], environment: environment,
                                      executable: binary, directory: work)
        #expect(score.status == 0, "\(score.stderr)")
    }

    /// The built-in model carries its training text's verbatim index: `gpt2 audit` finds a
    /// fortune of the training split, and `--block-verbatim` works without any file beside the
    /// binary (greedy decoding copies a run of attribution tabs from the training text, and the
    /// guard keeps every copied run under its limit).
    @Test func builtInModel_hasItsVerbatimIndex() throws {
        let (folder, binary, work) = try lonelyBinary()
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = ["GPT2_CACHE_DIR": folder.appendingPathComponent("cache").path]
        let audit = try CLIRunner.run(["audit", "--text", "A journey of a thousand miles begins with a single step."],
                                      environment: environment, executable: binary, directory: work)
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("longest copied run 9 tokens") && audit.stdout.contains("fortunes.tokens"), "\(audit.stdout)")

        func longestCopy(_ arguments: [String]) throws -> (Int, String) {
            let generated = try CLIRunner.run(["generate", "--prompt", "A journey of a thousand miles", "--max-tokens", "16",
                                               "--temperature", "0"] + arguments,
                                              environment: environment, executable: binary, directory: work)
            #expect(generated.status == 0, "\(generated.stderr)")
            let checked = try CLIRunner.run(["audit", "--json"], stdin: generated.stdout, environment: environment,
                                            executable: binary, directory: work)
            let object = try JSONSerialization.jsonObject(with: Data(checked.stdout.utf8)) as? [String: Any]
            return (object?["longest"] as? Int ?? -1, generated.stderr)
        }
        let (unguarded, _) = try longestCopy([])
        #expect(unguarded >= 8, "greedy decoding no longer copies 8 tokens: pick another prompt")
        let (guarded, stderr) = try longestCopy(["--block-verbatim", "8"])
        #expect(guarded >= 0 && guarded < 8, "\(stderr)")
        #expect(stderr.contains("refused as verbatim copies"), "\(stderr)")
    }

    @Test func unwritableCache_isAClearError() throws {
        let (folder, binary, work) = try lonelyBinary()
        defer { try? FileManager.default.removeItem(at: folder) }
        let blocker = folder.appendingPathComponent("a-file")
        try Data("not a folder".utf8).write(to: blocker)
        // Every cache root is under a regular file, so none can be created.
        let environment = ["GPT2_CACHE_DIR": blocker.appendingPathComponent("x").path,
                           "XDG_CACHE_HOME": blocker.appendingPathComponent("y").path,
                           "HOME": blocker.path, "TMPDIR": blocker.path]
        let result = try CLIRunner.run(["generate", "--prompt", "Hi", "--max-tokens", "2"], environment: environment,
                                       executable: binary, directory: work)
        #expect(result.status != 0)
        #expect(result.stderr.contains("GPT2_CACHE_DIR") && result.stderr.contains("--model"), "\(result.stderr)")
    }
}
