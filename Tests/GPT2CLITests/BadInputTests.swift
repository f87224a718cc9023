import Foundation
import Testing

/// Bad input a new user might give the real binary: each case ends with exit status 1 and one
/// sentence on stderr (never a trap, a raw NSError or unbounded memory), and never damages the
/// model it reads.
@Suite struct BadInputTests {
    /// A copy of a fixture model in a fresh temporary folder, removed by `remove()`.
    struct ModelCopy {
        let root: URL
        let model: URL

        init(_ fixture: String) throws {
            root = FileManager.default.temporaryDirectory.appending(path: "gpt2-bad-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            model = root.appending(path: "src")
            try FileManager.default.copyItem(at: URL(fileURLWithPath: CLIRunner.model(fixture)), to: model)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }

        /// Every file of the model folder with its bytes.
        func snapshot() throws -> [String: Data] {
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: model.path) {
                files[name] = try Data(contentsOf: model.appending(path: name))
            }
            return files
        }

        /// Replaces `old` by `new` in config.json's text.
        func editConfig(_ old: String, _ new: String) throws {
            let url = model.appending(path: "config.json")
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(text.contains(old), "config.json has no \(old)")
            try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
        }

        /// Overwrites element `element` of tensor `tensor` in model.safetensors with `bytes`
        /// (little-endian, one element).
        func poke(_ tensor: String, element: Int, bytes: [UInt8]) throws {
            let url = model.appending(path: "model.safetensors")
            var data = try Data(contentsOf: url)
            let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
            let header = try JSONSerialization.jsonObject(with: data[8..<(8 + headerLength)]) as! [String: Any]
            let entry = try #require(header[tensor] as? [String: Any], "no tensor \(tensor)")
            let begin = try #require((entry["data_offsets"] as? [Int])?.first)
            let offset = 8 + headerLength + begin + element * bytes.count
            data.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            try data.write(to: url)
        }
    }

    /// Status 1 with a one-line message that contains every string of `needles`, no stdout and
    /// none of Foundation's raw error spellings.
    private func expectRefusal(_ result: CLIRunner.Result, _ needles: [String],
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "status \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        for needle in needles {
            #expect(result.stderr.contains(needle), "stderr lacks \(needle): \(result.stderr)", sourceLocation: sourceLocation)
        }
        for raw in ["Error Domain", "NSError", "NSCocoaErrorDomain", "Fatal error", "EncodingError"] {
            #expect(!result.stderr.contains(raw), "raw error: \(result.stderr)", sourceLocation: sourceLocation)
        }
        #expect(result.stdout.isEmpty, "stdout: \(result.stdout)", sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count <= 2, "\(result.stderr)", sourceLocation: sourceLocation)
    }

    // MARK: Data loss

    @Test func quantize_intoTheSourceThroughAnyPath_isRefusedAndTheSourceStaysIntact() throws {
        let copy = try ModelCopy("full-vocab-f32")
        defer { copy.remove() }
        let link = copy.root.appending(path: "link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: copy.model)
        let before = try copy.snapshot()
        let spellings = [link.path, link.path + "/", copy.model.path + "/", copy.model.path + "/../src",
                         link.path + "/.", copy.root.path + "/./link/../src"]
        for out in spellings {
            for format in ["int8", "f32"] {
                let result = try CLIRunner.run(["quantize", "--model", copy.model.path, "--to", format, "--out", out, "--force"])
                expectRefusal(result, ["source model folder", "another folder"])
            }
        }
        // Also with the link as the source and the real folder as the output.
        let reversed = try CLIRunner.run(["quantize", "--model", link.path, "--to", "int8", "--out", copy.model.path, "--force"])
        expectRefusal(reversed, ["source model folder"])
        #expect(try copy.snapshot() == before, "the source model changed")
    }

    @Test func quantize_throughALinkedTokenizerFile_replacesTheLinkNotTheSource() throws {
        let copy = try ModelCopy("odd-f32")
        defer { copy.remove() }
        let out = copy.root.appending(path: "out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for name in ["vocab.json", "merges.txt", "model.safetensors"] {
            try FileManager.default.createSymbolicLink(at: out.appending(path: name), withDestinationURL: copy.model.appending(path: name))
        }
        let before = try copy.snapshot()
        let result = try CLIRunner.run(["quantize", "--model", copy.model.path, "--to", "f16", "--out", out.path, "--force"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try copy.snapshot() == before, "the source model changed")
        let linked = try? FileManager.default.destinationOfSymbolicLink(atPath: out.appending(path: "model.safetensors").path)
        #expect(linked == nil, "model.safetensors is still a link")
    }

    @Test func init_overAModel_needsForce_andNeverWritesBesideShards() throws {
        let copy = try ModelCopy("sharded")
        defer { copy.remove() }
        let before = try copy.snapshot()
        for force in [false, true] {
            let result = try CLIRunner.run(["init", "--preset", "tiny", "--out", copy.model.path] + (force ? ["--force"] : []))
            expectRefusal(result, ["sharded model"])
        }
        #expect(try copy.snapshot() == before)
        // A folder with only a config.json is a model too.
        let configOnly = copy.root.appending(path: "config-only")
        try FileManager.default.createDirectory(at: configOnly, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: configOnly.appending(path: "config.json"))
        expectRefusal(try CLIRunner.run(["init", "--preset", "tiny", "--out", configOnly.path]), ["config.json", "--force"])
        // A file where the folder should be.
        let file = configOnly.appending(path: "config.json")
        expectRefusal(try CLIRunner.run(["init", "--preset", "tiny", "--out", file.path]), ["is a file"])
    }

    // MARK: Traps and unbounded memory

    @Test func init_withSizesThatOverflowOrExceedMemory_isRefusedAtOnce() throws {
        let out = FileManager.default.temporaryDirectory.appending(path: "gpt2-never-\(UUID().uuidString)").path
        let start = Date()
        expectRefusal(try CLIRunner.run(["init", "--preset", "tiny", "--embd", "1099511627776", "--heads", "1", "--out", out]),
                      ["too large", "n_embd 1099511627776"])
        expectRefusal(try CLIRunner.run(["init", "--preset", "tiny", "--embd", "4611686018427387904", "--out", out]),
                      ["too large"])
        expectRefusal(try CLIRunner.run(["init", "--preset", "tiny", "--layers", "100000000000", "--out", out]),
                      ["memory", "this machine has available", "fewer layers"])
        expectRefusal(try CLIRunner.run(["init", "--preset", "tiny", "--vocab=-9223372036854775808", "--out", out]),
                      ["vocab_size"])
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test(arguments: [
        ("\"vocab_size\": 515", "\"vocab_size\": 99999999999999999999999", "vocab_size"),
        ("\"n_embd\": 36", "\"n_embd\": 4611686018427387904", "too large"),
        ("\"n_embd\": 36", "\"n_embd\": 1e300", "n_embd"),
        ("\"n_layer\": 3", "\"n_layer\": 1000000000000", "asks for 1000000000000 transformer blocks"),
        ("\"n_positions\": 48", "\"n_positions\": 9223372036854775807", "too large"),
    ])
    func config_withHugeNumbers_isRefusedNotTrapped(old: String, new: String, message: String) throws {
        let copy = try ModelCopy("odd-f32")
        defer { copy.remove() }
        try copy.editConfig(old, new)
        if new.contains("4611686018427387904") { try copy.editConfig("\"n_head\": 3", "\"n_head\": 4") }
        let result = try CLIRunner.run(["score", "--model", copy.model.path, "--text", "Hello"])
        expectRefusal(result, ["config.json", message])
    }

    @Test func bench_withABatchBeyondMemory_isRefusedBeforeAllocating() throws {
        let start = Date()
        let result = try CLIRunner.run(["bench", "--model", CLIRunner.model("odd-f32"), "--batch", "1,10000000000",
                                        "--gen-tokens", "4", "--prompt-tokens", "8", "--repeats", "1"])
        expectRefusal(result, ["--batch 10000000000", "this machine has available", "smaller --batch"])
        #expect(Date().timeIntervalSince(start) < 30)
        let garbage = try CLIRunner.run(["bench", "--model", CLIRunner.model("odd-f32"), "--batch", "1,x"])
        #expect(garbage.status != 0 && garbage.stderr.contains("--batch"), "\(garbage.stderr)")
    }

    // MARK: Silent wrong output

    @Test(arguments: [
        ("transformer.h.1.mlp.c_fc.weight", [UInt8]([0x00, 0x00, 0xC0, 0x7F]), "NaN", "transformer block 1"),
        ("transformer.wte.weight", [UInt8]([0x00, 0x00, 0x80, 0xFF]), "-inf", "transformer.wte.weight"),
        ("transformer.h.2.ln_2.bias", [UInt8]([0x00, 0x00, 0x80, 0x7F]), "+inf", "transformer block 2"),
    ])
    func nonFiniteWeights_areNamedAtLoad(tensor: String, bytes: [UInt8], value: String, place: String) throws {
        let copy = try ModelCopy("odd-f32")
        defer { copy.remove() }
        try copy.poke(tensor, element: 5, bytes: bytes)
        for command in [["score", "--json", "--text", "Hello world"], ["generate", "--prompt", "Hi", "--max-tokens", "3", "--json"]] {
            let result = try CLIRunner.run(command + ["--model", copy.model.path])
            expectRefusal(result, [tensor, value, place, "element 5 of"])
        }
    }

    @Test func finiteWeightsThatOverflow_nameTheBlock_insteadOfPrintingNaN() throws {
        let copy = try ModelCopy("odd-f32")
        defer { copy.remove() }
        // Both projections of block 1 add 3e38 (finite) to every residual feature: the sum overflows.
        for tensor in ["transformer.h.1.attn.c_proj.bias", "transformer.h.1.mlp.c_proj.bias"] {
            for element in 0..<36 { try copy.poke(tensor, element: element, bytes: [0xE6, 0xB1, 0x61, 0x7F]) }
        }
        let result = try CLIRunner.run(["score", "--json", "--text", "Hello world", "--model", copy.model.path])
        expectRefusal(result, ["logits after token 0 are not finite", "first in transformer block 1"])
    }

    @Test func nonFiniteHalfWeights_areNamedAtLoad() throws {
        let copy = try ModelCopy("odd-bf16")
        defer { copy.remove() }
        try copy.poke("transformer.h.0.attn.c_proj.weight", element: 41, bytes: [0xC1, 0x7F])   // bf16 NaN
        let result = try CLIRunner.run(["score", "--json", "--text", "Hello", "--model", copy.model.path])
        expectRefusal(result, ["transformer.h.0.attn.c_proj.weight", "NaN", "index [1, 1]"])
    }

    @Test func config_withFewerLayersThanTheWeights_namesTheUnusedTensors() throws {
        let copy = try ModelCopy("odd-f32")
        defer { copy.remove() }
        try copy.editConfig("\"n_layer\": 3", "\"n_layer\": 2")
        let result = try CLIRunner.run(["score", "--text", "Hello", "--model", copy.model.path])
        expectRefusal(result, ["12 tensors", "transformer.h.2.attn.c_attn.bias", "n_layer", "holds 3"])
    }

    // MARK: Confusing

    @Test func tokenizeJSONL_givesOneOutputLinePerInputLine() throws {
        let result = try CLIRunner.run(["tokenize", "--jsonl"], stdin: "\"Hello world\"\n\n\"Hello\"\r\n  \n\"world\"")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "[15496,995]\n[]\n[15496]\n[]\n[6894]\n")
        let trailing = try CLIRunner.run(["tokenize", "--jsonl"], stdin: "\"Hello\"\n\n")
        #expect(trailing.stdout == "[15496]\n[]\n")
    }

    @Test func quantize_removesTemporaryFilesOfDeadRuns_andKeepsLiveOnes() throws {
        let copy = try ModelCopy("odd-f32")
        defer { copy.remove() }
        let out = copy.root.appending(path: "out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // Linux pids stay below 2^22, so 99999999 is a process that cannot be running.
        let stale = ".model.safetensors.99999999.\(UUID().uuidString).tmp"
        let live = ".model.safetensors.\(getpid()).\(UUID().uuidString).tmp"
        for name in [stale, live] { try Data([1, 2, 3]).write(to: out.appending(path: name)) }
        let result = try CLIRunner.run(["quantize", "--model", copy.model.path, "--to", "int8", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(!names.contains(stale))
        #expect(names.contains(live))
        #expect(names.filter { $0.hasSuffix(".tmp") } == [live])
    }

    @Test func interruptedInit_leavesNoTemporaryFile() throws {
        let out = FileManager.default.temporaryDirectory.appending(path: "gpt2-interrupt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        // About 100 MB of fp32 weights: writing them takes long enough to be interrupted.
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["init", "--layers", "8", "--heads", "8", "--embd", "512", "--vocab", "1000",
                             "--context", "64", "--out", out.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        var sawTemporary = false
        while process.isRunning && Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
            if names.contains(where: { $0.hasSuffix(".tmp") }) {
                sawTemporary = true
                kill(process.processIdentifier, SIGINT)
                break
            }
            usleep(500)
        }
        process.waitUntilExit()
        #expect(sawTemporary, "init finished before the poll saw its temporary file")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(!names.contains(where: { $0.hasSuffix(".tmp") }), "left behind: \(names)")
    }
}
