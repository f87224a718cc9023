import Foundation
import GPT2Model
import Testing

/// Sizes, values and folders a model refuses with a sentence instead of trapping, allocating
/// without bound, computing NaN or damaging another model.
@Suite struct ModelLimitsTests {
    // MARK: Sizes

    @Test func config_whoseSizesOverflow_isTooLarge_notATrap() throws {
        let wide = GPT2Config(embeddingSize: 1 << 40, layerCount: 1, headCount: 1)
        #expect(wide.checkedParameterCount == nil)
        #expect(throws: ConfigError.self) { try wide.validate() }
        // 4 x n_embd itself overflows: the default n_inner saturates instead of trapping.
        let huge = GPT2Config(embeddingSize: 1 << 62, headCount: 4)
        #expect(huge.innerSize == .max)
        do {
            try huge.validate()
            Issue.record("validate() accepted n_embd 2^62")
        } catch let error as ConfigError {
            #expect(error.errorDescription?.contains("too large") == true, "\(error)")
        }
        let longContext = GPT2Config(contextLength: .max / 2, embeddingSize: 8, layerCount: 1, headCount: 2)
        #expect(throws: ConfigError.self) { try longContext.validate() }
    }

    @Test func sizes_matchTheParameterLayout() throws {
        let config = try GPT2Config.preset(named: "tiny")
        let entries = ParameterLayout.entries(for: config)
        #expect(config.checkedParameterCount == entries.reduce(0) { $0 + $1.elementCount })
        #expect(config.fp32ParameterBytes == 4 * config.parameterCount)
        #expect(config.kvCacheBytes(capacity: 10) == 2 * config.layerCount * 10 * config.embeddingSize * 4)
        #expect(config.kvCacheBytes(capacity: 1 << 40) == config.kvCacheBytes(capacity: config.contextLength))
        #expect(config.forwardBytes(rows: 3, logitRows: 2) == 4 * (3 * (6 * 64 + 256) + 2 * 50257))
        #expect(config.forwardBytes(rows: .max / 2, logitRows: 1) == nil)
    }

    @Test func memoryBudget_refusesWhatTheMachineCannotHold() throws {
        #expect(MemoryBudget.availableBytes > 0)
        try MemoryBudget.require(1 << 20, for: "A test", advice: "do less")
        #expect(throws: MemoryLimitError.self) { try MemoryBudget.require(nil, for: "A test", advice: "do less") }
        do {
            try MemoryBudget.require(.max, for: "--batch 9", advice: "use a smaller --batch")
            Issue.record("Int.max bytes fit")
        } catch {
            let message = error.errorDescription ?? ""
            #expect(message.hasPrefix("--batch 9 needs 9.2 EB of memory, more than the "), "\(message)")
            #expect(message.contains(" this machine has available; "), "\(message)")
            #expect(message.hasSuffix("; use a smaller --batch."), "\(message)")
        }
        let layers = GPT2Config(contextLength: 8, embeddingSize: 64, layerCount: 100_000_000_000, headCount: 4)
        #expect(throws: MemoryLimitError.self) { _ = try GPT2Weights.zeros(config: layers) }
    }

    // MARK: Values

    /// config.json for `names` plus model.safetensors holding them (all f16 [count] zeros
    /// unless `body` changes them).
    private func checkpoint(_ scratch: SafetensorsScratch, _ tensors: [(String, TensorDType, Int)],
                            poke: (name: String, element: Int, bits: UInt16)? = nil) throws -> CheckpointDirectory {
        try Data(#"{"model_type": "gpt2", "n_embd": 4, "n_layer": 1}"#.utf8).write(to: scratch.file("config.json"))
        var writer = SafetensorsWriter()
        for (name, dtype, count) in tensors {
            var bytes = [UInt8](repeating: 0, count: count * dtype.byteSize)
            if let poke, poke.name == name {
                let offset = poke.element * dtype.byteSize + dtype.byteSize - 2   // the high half
                bytes[offset] = UInt8(poke.bits & 0xFF)
                bytes[offset + 1] = UInt8(poke.bits >> 8)
            }
            bytes.withUnsafeBytes { writer.add(name: name, dtype: dtype, shape: [count], bytes: $0) }
        }
        try writer.write(to: scratch.file("model.safetensors"))
        return try CheckpointDirectory(url: scratch.url)
    }

    @Test(arguments: [
        (TensorDType.f32, 3, UInt16(0x7FC0), "NaN"), (.f32, 4096, 0xFF80, "-inf"), (.f32, (1 << 20) + 5, 0x7F80, "+inf"),
        (.f16, 4097, 0x7E00, "NaN"), (.f16, 0, 0xFC00, "-inf"), (.bf16, (1 << 20) - 1, 0x7F80, "+inf"),
    ])
    func finiteScan_findsTheFirstBadValueAnywhere(dtype: TensorDType, element: Int, bits: UInt16, value: String) throws {
        let scratch = try SafetensorsScratch()
        let count = (1 << 20) + 100
        let directory = try checkpoint(scratch, [("a", .f32, 7), ("h.3.b", dtype, count), ("c", .i8, 9)],
                                       poke: ("h.3.b", element, bits))
        let error = expectCheckpointError(about: scratch.file("model.safetensors")) { try directory.requireFiniteValues() }
        #expect(error == .nonFiniteValue(scratch.file("model.safetensors"), tensor: "h.3.b", shape: [count],
                                         element: element, value: value))
        #expect(error?.errorDescription?.contains("(transformer block 3)") == true)
        // Large finite values and subnormals pass.
        let clean = try SafetensorsScratch()
        let largest: UInt16 = dtype == .f16 ? 0x7BFF : 0x7F7F
        try checkpoint(clean, [("h.3.b", dtype, 5000)], poke: ("h.3.b", 4999, largest)).requireFiniteValues()
    }

    // MARK: Tensors

    @Test func exactTensors_acceptHubBuffers_andRefuseLeftovers() throws {
        let hub = try CheckpointDirectory(url: ReferenceFixture.folder("hub-layout"))
        let config = try GPT2Config.load(from: hub.configURL)
        try hub.requireExactTensors(for: config)
        var fewer = config
        fewer.layerCount -= 1
        let left = expectCheckpointError(about: hub.weightsURL) { try hub.requireExactTensors(for: fewer) }
        guard case .unusedTensors(_, let names, let configured, let stored)? = left else {
            Issue.record("expected unusedTensors, got \(String(describing: left))")
            return
        }
        // 12 parameters and the 2 causal-mask buffers of the last block.
        #expect(names.count == 14 && names.allSatisfy { $0.hasPrefix("h.\(fewer.layerCount).") }, "\(names)")
        #expect(configured == fewer.layerCount && stored == config.layerCount)
        var more = config
        more.layerCount = 1_000_000_000_000
        #expect(expectCheckpointError(about: hub.weightsURL) { try hub.requireExactTensors(for: more) }
                == .layerCountMismatch(hub.weightsURL, configured: more.layerCount, stored: config.layerCount))

        let scratch = try SafetensorsScratch()
        let extra = try checkpoint(scratch, [("wte.weight", .f32, 4), ("lm_head.weight.int8", .i8, 4), ("optimizer.step", .f32, 1)])
        let tiny = GPT2Config(vocabSize: 1, contextLength: 1, embeddingSize: 4, layerCount: 0, headCount: 1, endOfTextID: 0)
        let error = expectCheckpointError(about: scratch.file("model.safetensors")) { try extra.requireExactTensors(for: tiny) }
        #expect(error?.errorDescription?.contains("'optimizer.step'") == true, "\(String(describing: error))")
        #expect(error?.errorDescription?.contains("lm_head") == false)
    }

    // MARK: Folders

    @Test func outputFolder_isComparedAsTheFileSystemSeesIt() throws {
        let scratch = try SafetensorsScratch()
        let source = scratch.file("src")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: scratch.file("link"), withDestinationURL: source)
        for spelling in ["link", "link/", "src/.", "link/../src", "src//"] {
            let out = URL(fileURLWithPath: scratch.url.path + "/" + spelling)
            #expect(throws: CheckpointError.self, "\(spelling)") { try OutputFolder.requireSeparate(out, from: source) }
        }
        try OutputFolder.requireSeparate(scratch.file("src/int8"), from: source)
        try OutputFolder.requireSeparate(scratch.file("other/new"), from: scratch.file("link"))
        #expect(OutputFolder.realPath(scratch.file("link/a/b")) == OutputFolder.realPath(source) + "/a/b")

        try OutputFolder.requireReplaceable(scratch.file("absent"), force: false)
        try Data("{}".utf8).write(to: source.appending(path: "config.json"))
        #expect(throws: CheckpointError.self) { try OutputFolder.requireReplaceable(source, force: false) }
        try OutputFolder.requireReplaceable(source, force: true)
        try Data("{}".utf8).write(to: source.appending(path: CheckpointDirectory.indexFileName))
        #expect(throws: CheckpointError.self) { try OutputFolder.requireReplaceable(source, force: true) }
    }
}
