import Foundation
import GPT2Kernels
import GPT2Model
import Testing

/// `GPT2Weights.converted(to:)` (what `gpt2 quantize` runs), saving and loading every format.
@Suite struct WeightConversionTests {
    let workspace = ForwardWorkspace(threads: 2)

    /// Perplexity of the model over every reference case (all positions).
    func perplexity(_ model: GPT2Model, _ fixture: ReferenceFixture) throws -> Double {
        var total = 0.0, count = 0
        for item in fixture.cases where item.ids.count > 1 {
            let logits = try model.forward([.init(tokens: item.ids, cache: model.makeCache())], logits: .all, workspace: workspace)
            for t in 1..<item.ids.count {
                total -= logSoftmax(logits[t - 1])[item.ids[t]]
                count += 1
            }
        }
        return exp(total / Double(count))
    }

    func convertSaveLoad(_ name: String, to format: WeightMatrix.Format) throws -> (inMemory: GPT2Model, loaded: GPT2Model, folder: URL) {
        let source = try GPT2Model.load(directory: ReferenceFixture.folder(name))
        let weights = try source.weights.converted(to: format, config: source.config, quantize: Quantizer.quantize)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-convert-\(UUID().uuidString)")
        try weights.save(config: source.config, to: folder)
        return (GPT2Model(config: source.config, weights: weights), try GPT2Model.load(directory: folder), folder)
    }

    @Test(arguments: [WeightMatrix.Format.f16, .bf16, .int8, .q4])
    func savedFormat_loadsBackToTheSameOutputs(format: WeightMatrix.Format) throws {
        let (inMemory, loaded, folder) = try convertSaveLoad("sharded", to: format)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(loaded.weights.layers[0].attention.format == format)
        #expect(loaded.weights.lmHead.format == format)
        #expect(loaded.weights.lmHeadIsTied == (format == .f16 || format == .bf16))
        let ids = [1, 5, 9, 200, 3, 77, 41]
        let a = try inMemory.forward([.init(tokens: ids, cache: inMemory.makeCache())], logits: .all, workspace: workspace)
        let rowsA = (0..<a.rows).map { a.array(row: $0) }
        let b = try loaded.forward([.init(tokens: ids, cache: loaded.makeCache())], logits: .all, workspace: workspace)
        #expect(rowsA == (0..<b.rows).map { b.array(row: $0) })
        let file = try SafetensorsFile(url: folder.appendingPathComponent("model.safetensors"))
        if format == .int8 || format == .q4 {
            #expect(file.metadata[QuantizedTensorNames.metadataKey] == format.rawValue)
            #expect(file.tensors["transformer.wte.weight"]?.dtype == .f16)
        }
    }

    @Test func f16Copy_staysWithinTheFp16Tolerance() throws {
        let fixture = try ReferenceFixture.load("full-vocab-f32")
        let (_, loaded, folder) = try convertSaveLoad("full-vocab-f32", to: .f16)
        defer { try? FileManager.default.removeItem(at: folder) }
        for item in fixture.cases where item.ids.count > 1 {
            let logits = try loaded.forward([.init(tokens: item.ids, cache: loaded.makeCache())], logits: .all, workspace: workspace)
            for t in 1..<item.ids.count {
                #expect(abs(logSoftmax(logits[t - 1])[item.ids[t]] - item.token_logprobs[t]!) < 5e-2)
            }
        }
    }

    /// int8 meets the target (perplexity within 1% of fp32) on this model. The fixture's
    /// weights are random with std 0.3-1 (to spread the logits), far rougher than trained
    /// weights, and the perplexity moves with q4's rounding details (measured: 0.96 of fp32 with
    /// the squared-error scale search, 0.81 with the plain max|w| / 7 scale), so this bound only
    /// guards against regressions of the q4 path; TrainedModelQualityTests checks the 5% target.
    @Test func quantizedPerplexity_staysCloseToFp32() throws {
        let fixture = try ReferenceFixture.load("sharded")
        let reference = try perplexity(GPT2Model.load(directory: ReferenceFixture.folder("sharded")), fixture)
        for (format, limit) in [(WeightMatrix.Format.int8, 0.01), (.q4, 0.06)] {
            let (model, _, folder) = try convertSaveLoad("sharded", to: format)
            try? FileManager.default.removeItem(at: folder)
            let ratio = try perplexity(model, fixture) / reference
            #expect(abs(ratio - 1) <= limit, "\(format): perplexity ratio \(ratio) against fp32 \(reference)")
        }
    }

    @Test func quantizingTwice_orUnalignedQ4_isRefused() throws {
        let (quantized, _, folder) = try convertSaveLoad("sharded", to: .int8)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: ConversionError.self) {
            try quantized.weights.converted(to: .q4, config: quantized.config, quantize: Quantizer.quantize)
        }
        let odd = try GPT2Model.load(directory: ReferenceFixture.folder("odd-f32"))
        #expect(throws: ConversionError.shapeNotBlockAligned(field: "n_embd", value: 36, block: 32)) {
            try odd.weights.converted(to: .q4, config: odd.config, quantize: Quantizer.quantize)
        }
    }
}
