import Foundation
import GPT2Model
import Testing

@Suite("CheckpointDirectory opens single-file and sharded HF model folders")
struct CheckpointDirectoryTests {
    private let config = #"{"model_type": "gpt2", "n_embd": 4, "n_layer": 1}"#

    private func writeConfig(_ scratch: SafetensorsScratch) throws {
        try Data(config.utf8).write(to: scratch.file("config.json"))
    }

    /// config.json plus model.safetensors holding `names` as F32 [2, 2] tensors with values
    /// [k, k+1, k+2, k+3] for the k-th name (k = 10 * index).
    @discardableResult
    private func singleFileCheckpoint(_ scratch: SafetensorsScratch, names: [String]) throws -> URL {
        try writeConfig(scratch)
        var writer = SafetensorsWriter()
        writer.metadata = ["format": "pt"]
        for (index, name) in names.enumerated() {
            let k = Float(10 * index)
            writer.add(name: name, shape: [2, 2], floats: [k, k + 1, k + 2, k + 3])
        }
        let url = scratch.file("model.safetensors")
        try writer.write(to: url)
        return url
    }

    /// Two shards plus the index: wte/wpe in shard 1, h.0.* in shard 2.
    private func shardedCheckpoint(_ scratch: SafetensorsScratch, extraIndexEntries: String = "") throws {
        try writeConfig(scratch)
        var first = SafetensorsWriter()
        first.add(name: "transformer.wte.weight", shape: [3, 2], floats: [1, 2, 3, 4, 5, 6])
        first.add(name: "transformer.wpe.weight", shape: [2, 2], floats: [7, 8, 9, 10])
        try first.write(to: scratch.file("model-00001-of-00002.safetensors"))
        var second = SafetensorsWriter()
        second.add(name: "transformer.h.0.ln_1.weight", shape: [2], floats: [11, 12])
        second.add(name: "transformer.h.0.ln_1.bias", shape: [2], floats: [13, 14])
        try second.write(to: scratch.file("model-00002-of-00002.safetensors"))
        let index = """
            {"metadata": {"total_size": 56}, "weight_map": {
              "transformer.wte.weight": "model-00001-of-00002.safetensors",
              "transformer.wpe.weight": "model-00001-of-00002.safetensors",
              "transformer.h.0.ln_1.weight": "model-00002-of-00002.safetensors",
              "transformer.h.0.ln_1.bias": "model-00002-of-00002.safetensors"\(extraIndexEntries)}}
            """
        try Data(index.utf8).write(to: scratch.file("model.safetensors.index.json"))
    }

    @Test func singleFileCheckpointFindsTensorsWithAndWithoutPrefix() throws {
        let scratch = try SafetensorsScratch()
        let weights = try singleFileCheckpoint(scratch, names: ["wte.weight", "transformer.h.0.attn.c_attn.weight"])
        let checkpoint = try CheckpointDirectory(url: scratch.url)
        #expect(checkpoint.configURL == scratch.file("config.json"))
        #expect(checkpoint.indexURL == nil)
        #expect(checkpoint.files.map(\.url) == [weights])
        #expect(checkpoint.files[0].metadata == ["format": "pt"])
        #expect(checkpoint.tensorNames == ["transformer.h.0.attn.c_attn.weight", "wte.weight"])

        // Stored without the prefix, asked with it, and the other way round.
        let wte = try #require(checkpoint.tensor("transformer.wte.weight"))
        #expect(wte.info.name == "wte.weight")
        #expect(try wte.file.floats(of: wte.info.name) == [0, 1, 2, 3])
        #expect(checkpoint.tensor("wte.weight")?.info.name == "wte.weight")
        let attn = try #require(checkpoint.tensor("h.0.attn.c_attn.weight"))
        #expect(attn.info.name == "transformer.h.0.attn.c_attn.weight")
        #expect(try attn.file.floats(of: attn.info.name) == [10, 11, 12, 13])
        #expect(checkpoint.tensor("h.1.attn.c_attn.weight") == nil)
        #expect(checkpoint.tensor("transformer.transformer.wte.weight") == nil)

        let required = try checkpoint.require("h.0.attn.c_attn.weight", shape: [2, 2], dtypes: [.f32, .f16])
        #expect(required.info.name == "transformer.h.0.attn.c_attn.weight")
    }

    @Test func shardedCheckpointResolvesEachTensorInItsShard() throws {
        let scratch = try SafetensorsScratch()
        try shardedCheckpoint(scratch)
        let checkpoint = try CheckpointDirectory(url: scratch.url)
        #expect(checkpoint.indexURL == scratch.file("model.safetensors.index.json"))
        #expect(checkpoint.files.map(\.url.lastPathComponent)
            == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        #expect(checkpoint.tensorNames.count == 4)

        let wpe = try #require(checkpoint.tensor("wpe.weight"))
        #expect(wpe.file.url.lastPathComponent == "model-00001-of-00002.safetensors")
        #expect(try wpe.file.floats(of: wpe.info.name) == [7, 8, 9, 10])
        let bias = try #require(checkpoint.tensor("h.0.ln_1.bias"))
        #expect(bias.file.url.lastPathComponent == "model-00002-of-00002.safetensors")
        #expect(try bias.file.floats(of: bias.info.name) == [13, 14])
        #expect(try checkpoint.require("wte.weight", shape: [3, 2], dtypes: [.f32]).info.byteCount == 24)
    }

    @Test func missingOrNonDirectoryPathIsReported() throws {
        let scratch = try SafetensorsScratch()
        let missing = scratch.file("no-model")
        let error = expectCheckpointError(about: missing) { _ = try CheckpointDirectory(url: missing) }
        guard case .missingFile? = error else {
            Issue.record("expected missingFile, got \(String(describing: error))")
            return
        }
        let plain = scratch.file("plain.txt")
        try Data("x".utf8).write(to: plain)
        #expect(expectCheckpointError(about: plain) { _ = try CheckpointDirectory(url: plain) } == .notADirectory(plain))
    }

    @Test func missingConfigIsReported() throws {
        let scratch = try SafetensorsScratch()
        try singleFileCheckpoint(scratch, names: ["wte.weight"])
        try FileManager.default.removeItem(at: scratch.file("config.json"))
        let config = scratch.file("config.json")
        let error = expectCheckpointError(about: config) { _ = try CheckpointDirectory(url: scratch.url) }
        guard case .missingFile(_, let expected)? = error else {
            Issue.record("expected missingFile, got \(String(describing: error))")
            return
        }
        #expect(expected.contains("config.json"))
    }

    @Test func missingWeightsAreReported() throws {
        let scratch = try SafetensorsScratch()
        try writeConfig(scratch)
        try Data("not a pickle".utf8).write(to: scratch.file("pytorch_model.bin"))
        let weights = scratch.file("model.safetensors")
        let error = expectCheckpointError(about: weights) { _ = try CheckpointDirectory(url: scratch.url) }
        guard case .missingFile(_, let expected)? = error else {
            Issue.record("expected missingFile, got \(String(describing: error))")
            return
        }
        #expect(expected.contains("model.safetensors.index.json"))
        #expect(expected.contains("pytorch_model.bin is not read"))
    }

    @Test func indexNamingAMissingShardIsReported() throws {
        let scratch = try SafetensorsScratch()
        try shardedCheckpoint(scratch, extraIndexEntries: #", "lm_head.weight": "model-00003-of-00002.safetensors""#)
        let shard = scratch.file("model-00003-of-00002.safetensors")
        let error = expectCheckpointError(about: shard) { _ = try CheckpointDirectory(url: scratch.url) }
        #expect(error == .missingFile(shard, expected: "a shard named by model.safetensors.index.json"))
    }

    @Test func indexNamingATensorItsShardLacksIsReported() throws {
        let scratch = try SafetensorsScratch()
        try shardedCheckpoint(scratch, extraIndexEntries: #", "transformer.h.0.ln_2.bias": "model-00002-of-00002.safetensors""#)
        let shard = scratch.file("model-00002-of-00002.safetensors")
        let error = expectCheckpointError(about: shard) { _ = try CheckpointDirectory(url: scratch.url) }
        #expect(error == .missingTensor(shard, tensor: "transformer.h.0.ln_2.bias"))
    }

    @Test func malformedIndexIsReported() throws {
        let scratch = try SafetensorsScratch()
        try shardedCheckpoint(scratch)
        let index = scratch.file("model.safetensors.index.json")
        let bodies: [(String, String)] = [
            ("{\"weight_map\": ", "not valid JSON"),
            (#"{"metadata": {}}"#, "no weight_map"),
            (#"{"weight_map": {}}"#, "empty"),
            (#"{"weight_map": {"wte.weight": 3}}"#, "expected a shard file name"),
            (#"{"weight_map": {"wte.weight": "../model-00001-of-00002.safetensors"}}"#, "a file name in the same folder"),
        ]
        for (body, fragment) in bodies {
            try Data(body.utf8).write(to: index)
            let error = expectCheckpointError(about: index) { _ = try CheckpointDirectory(url: scratch.url) }
            guard case .badIndex(_, let reason)? = error else {
                Issue.record("expected badIndex for \(body), got \(String(describing: error))")
                continue
            }
            #expect(reason.contains(fragment), "reason: \(reason)")
        }
    }

    @Test func requireReportsWrongShapeDTypeAndMissingTensor() throws {
        let scratch = try SafetensorsScratch()
        try shardedCheckpoint(scratch)
        let checkpoint = try CheckpointDirectory(url: scratch.url)
        let firstShard = scratch.file("model-00001-of-00002.safetensors")

        let shape = expectCheckpointError(about: firstShard) {
            _ = try checkpoint.require("wte.weight", shape: [50257, 768], dtypes: [.f32])
        }
        #expect(shape == .wrongShape(firstShard, tensor: "transformer.wte.weight", expected: [50257, 768], actual: [3, 2]))
        #expect(shape?.errorDescription == "Tensor 'transformer.wte.weight' in \(firstShard.path) has shape [3, 2], "
            + "expected [50257, 768].")

        let dtype = expectCheckpointError(about: firstShard) {
            _ = try checkpoint.require("wte.weight", shape: [3, 2], dtypes: [.bf16, .f16])
        }
        #expect(dtype == .unsupportedDType(firstShard, tensor: "transformer.wte.weight", dtype: .f32, expected: [.f16, .bf16]))

        let index = scratch.file("model.safetensors.index.json")
        let missing = expectCheckpointError(about: index) {
            _ = try checkpoint.require("lm_head.weight", shape: [3, 2], dtypes: [.f32])
        }
        #expect(missing == .missingTensor(index, tensor: "lm_head.weight"))
    }

    @Test func corruptShardIsReportedByName() throws {
        let scratch = try SafetensorsScratch()
        try shardedCheckpoint(scratch)
        let shard = scratch.file("model-00002-of-00002.safetensors")
        try Data(contentsOf: shard).dropLast(1).write(to: shard)
        let error = expectCheckpointError(about: shard) { _ = try CheckpointDirectory(url: scratch.url) }
        #expect(error == .truncated(shard, expectedBytes: 16, actualBytes: 15))
    }
}
