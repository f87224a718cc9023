import Foundation
import GPT2Kernels
import GPT2Model
import Testing

/// fp32 Conv1D weights are repacked at load into the kernels' `inputPanels` layout, in the
/// checkpoint's own memory: the file stays as it was, a second load of the same checkpoint
/// object sees the same weights, and saving writes the Hugging Face layout back.
@Suite struct PanelLoadingTests {
    let workspace = ForwardWorkspace(threads: 2)

    func logits(_ model: GPT2Model) throws -> [[Float]] {
        let ids = [1, 5, 9, 200, 3, 77, 41]
        let out = try model.forward([.init(tokens: ids, cache: model.makeCache())], logits: .all, workspace: workspace)
        return (0..<out.rows).map { out.array(row: $0) }
    }

    @Test func fp32Checkpoint_loadsAsPanels_twice_andLeavesTheFileAlone() throws {
        let folder = ReferenceFixture.folder("sharded")
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "safetensors" }
        let before = try files.map { try Data(contentsOf: $0) }

        let checkpoint = try CheckpointDirectory(url: folder)
        let config = try GPT2Config.load(from: checkpoint.configURL)
        let first = GPT2Model(config: config, weights: try GPT2Weights.load(from: checkpoint, config: config))
        let second = GPT2Model(config: config, weights: try GPT2Weights.load(from: checkpoint, config: config))
        for layer in first.weights.layers {
            for (name, weight) in layer.matrices {
                #expect(weight.format == .f32, "\(name)")
                #expect(weight.layout == (weight.outputs % 16 == 0 ? .inputPanels : .inputMajor), "\(name)")
            }
        }
        #expect(first.weights.tokenEmbedding.layout == .outputMajor)
        #expect(try logits(first) == logits(second))
        // A fresh load of the folder (new maps) agrees too, and the files did not change.
        #expect(try logits(first) == logits(try GPT2Model.load(directory: folder)))
        #expect(try files.map { try Data(contentsOf: $0) } == before)
    }

    @Test func savingPanelWeights_writesTheConv1DLayoutBack() throws {
        let folder = ReferenceFixture.folder("sharded")
        let model = try GPT2Model.load(directory: folder)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-panels-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        try model.weights.save(config: model.config, to: out)
        let saved = try SafetensorsFile(url: out.appendingPathComponent("model.safetensors"))
        let original = try CheckpointDirectory(url: folder)
        var checked = 0
        for name in saved.tensorNames where name.hasSuffix(".weight") {
            let bare = String(name.dropFirst(CheckpointDirectory.tensorPrefix.count))
            guard let (file, info) = original.tensor(bare) else { continue }
            #expect(saved.tensors[name]?.shape == info.shape, "\(name)")
            #expect(saved.bytes(of: name).map(Array.init) == file.bytes(of: info.name).map(Array.init), "\(name)")
            checked += 1
        }
        #expect(checked >= 4 * model.config.layerCount)
        #expect(try logits(model) == logits(try GPT2Model.load(directory: out)))
    }
}
