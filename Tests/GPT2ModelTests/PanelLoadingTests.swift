import Foundation
import GPT2Kernels
import GPT2Model
import Testing

/// fp32 Conv1D weights and q4 weights are repacked at load into the kernels' `inputPanels`
/// layout, in the checkpoint's own memory: the file stays as it was, a second load of the same
/// checkpoint object sees the same weights, and saving writes the files' layout back.
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

    @Test func q4Checkpoint_loadsAsPanels_twice_savesTheFileLayoutBack_andCopiesMisalignedScales() throws {
        let source = try GPT2Model.load(directory: ReferenceFixture.folder("sharded"))
        let q4 = try source.weights.converted(to: .q4, config: source.config, quantize: Quantizer.quantize)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-q4-panels-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try q4.save(config: source.config, to: folder)
        let fileURL = folder.appendingPathComponent("model.safetensors")
        let before = try Data(contentsOf: fileURL)

        let checkpoint = try CheckpointDirectory(url: folder)
        let first = GPT2Model(config: source.config, weights: try GPT2Weights.load(from: checkpoint, config: source.config))
        let second = GPT2Model(config: source.config, weights: try GPT2Weights.load(from: checkpoint, config: source.config))
        for (name, weight) in first.weights.layers.flatMap(\.matrices) + [("lm_head", first.weights.lmHead)] {
            #expect(weight.format == .q4 && weight.layout == .inputPanels, "\(name)")
        }
        let expected = try logits(GPT2Model(config: source.config, weights: q4))
        #expect(try logits(first) == expected)
        #expect(try logits(second) == expected)
        #expect(try Data(contentsOf: fileURL) == before)

        // Saving unpacks: the same bytes as the file it was loaded from.
        let again = folder.appendingPathComponent("again")
        try first.weights.save(config: source.config, to: again)
        #expect(try Data(contentsOf: again.appendingPathComponent("model.safetensors")) == before)

        // fp16 scales at odd addresses are copied, then packed: the same model.
        let shifted = try misalignedCopy(of: folder)
        defer { try? FileManager.default.removeItem(at: shifted) }
        let misaligned = try GPT2Model.load(directory: shifted)
        #expect(misaligned.weights.layers[0].attention.layout == .inputPanels)
        #expect(try logits(misaligned) == expected)
    }

    /// A copy of `name`'s folder whose safetensors header is one byte longer, so every tensor
    /// starts at an odd address (older writers do this; the format allows it).
    func misalignedCopy(of name: String) throws -> URL {
        try misalignedCopy(of: ReferenceFixture.folder(name))
    }

    func misalignedCopy(of source: URL) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-misaligned-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: folder.appendingPathComponent("config.json"))
        let bytes = [UInt8](try Data(contentsOf: source.appendingPathComponent("model.safetensors")))
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var shifted = withUnsafeBytes(of: UInt64(length + 1).littleEndian) { Array($0) }
        shifted += bytes[8..<(8 + length)] + [UInt8(ascii: " ")] + bytes[(8 + length)...]
        try Data(shifted).write(to: folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    @Test(arguments: ["odd-f32", "odd-bf16"])
    func misalignedTensors_areCopiedIntoTheSameLayouts(name: String) throws {
        let folder = try misalignedCopy(of: name)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SafetensorsFile(url: folder.appendingPathComponent("model.safetensors"))
        #expect(file.orderedTensors.contains { file.isNaturallyAligned($0.name) == false })
        let aligned = try GPT2Model.load(directory: ReferenceFixture.folder(name))
        let misaligned = try GPT2Model.load(directory: folder)
        for (a, b) in zip(aligned.weights.layers[0].matrices, misaligned.weights.layers[0].matrices) {
            #expect(a.weight.layout == b.weight.layout, "\(a.name)")
            #expect(a.weight.layout != .inputMajor || a.weight.format == .f32, "\(a.name): half weights are transposed at load")
        }
        #expect(try logits(aligned) == logits(misaligned))
    }
}

