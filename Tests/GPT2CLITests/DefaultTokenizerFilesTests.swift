import Foundation
import Testing

/// GPT-2's own tokenizer files are found beside a deployed binary, or named in
/// GPT2_TOKENIZER_DIR; a binary without them says where it looked instead of crashing.
struct DefaultTokenizerFilesTests {
    /// A copy of the binary alone in a fresh folder, removed by the caller.
    func lonelyBinary() throws -> (folder: URL, binary: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let binary = folder.appendingPathComponent("gpt2")
        try FileManager.default.copyItem(at: CLIRunner.binary, to: binary)
        return (folder, binary)
    }

    @Test func missingFiles_giveAnErrorNamingWhereItLooked() throws {
        let (folder, binary) = try lonelyBinary()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("no-tokenizer-here").path
        let result = try CLIRunner.run(["tokenize"], stdin: "Hello world", environment: ["GPT2_TOKENIZER_DIR": empty],
                                       executable: binary)
        #expect(result.status != 0)
        #expect(result.stderr.contains(empty) && result.stderr.contains("GPT2_TOKENIZER_DIR"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func filesBesideTheBinary_orNamedByTheVariable_areUsed() throws {
        let (folder, binary) = try lonelyBinary()
        defer { try? FileManager.default.removeItem(at: folder) }
        let resources = folder.appendingPathComponent("gpt2_GPT2Tokenizer.resources")
        try FileManager.default.createDirectory(at: resources, withIntermediateDirectories: true)
        let sources = CLIRunner.fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/GPT2Tokenizer/Resources")
        for name in ["encoder.json", "vocab.bpe"] {
            try FileManager.default.copyItem(at: sources.appendingPathComponent(name), to: resources.appendingPathComponent(name))
        }
        // Beside the binary, as a container image lays it out.
        let beside = try CLIRunner.run(["tokenize"], stdin: "Hello world", environment: ["GPT2_TOKENIZER_DIR": ""],
                                       executable: binary)
        #expect(beside.status == 0, "\(beside.stderr)")
        #expect(beside.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[15496,995]")
        // Named by the variable.
        let named = try CLIRunner.run(["tokenize"], stdin: "Hello world", environment: ["GPT2_TOKENIZER_DIR": resources.path],
                                      executable: binary)
        #expect(named.status == 0, "\(named.stderr)")
        #expect(named.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[15496,995]")
    }
}
