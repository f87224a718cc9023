import Foundation
import GPT2Model
import GPT2Training
import Testing
#if os(Linux)
import Glibc

/// Frozen parameters cost no memory for their gradients and AdamW moments: those buffers are
/// anonymous maps whose pages exist only once touched, and neither a training step (with
/// clipping) nor a checkpoint's reload writes a frozen tensor's pages. mincore(2) tells which
/// pages are resident, so the test sees the memory itself, not a proxy.
@Suite struct FrozenMemoryTests {
    /// About 5.3 MB of parameters (about 0.8 MB a layer): every buffer is an anonymous map and
    /// each matrix spans whole pages. Only the last layer (and ln_f) trains; the tensors checked
    /// as frozen lie more than 2 MB before it, so a transparent huge page made around the trained
    /// layer's pages (THP "always", or khugepaged) cannot reach them.
    static let config = GPT2Config(vocabSize: 1000, contextLength: 16, embeddingSize: 128, layerCount: 6, headCount: 4, endOfTextID: 999)

    /// Resident pages among the whole pages inside entry `name` of `buffer`, and their number.
    static func residency(_ buffer: ParameterBuffer, _ name: String) -> (resident: Int, pages: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let entry = buffer.entries[buffer.entryIndex(name)!]
        let start = Int(bitPattern: buffer.pointer(name)), end = start + entry.elementCount * 4
        let first = (start + page - 1) / page * page, last = end / page * page
        guard last > first else { return (0, 0) }
        var vector = [UInt8](repeating: 0, count: (last - first) / page)
        let status = mincore(UnsafeMutableRawPointer(bitPattern: first), last - first, &vector)
        precondition(status == 0, "mincore failed: errno \(errno)")
        return (vector.filter { $0 & 1 != 0 }.count, vector.count)
    }

    static func model() -> ParameterBuffer {
        let parameters = ParameterBuffer(config: config)
        var rng = TrainingRNG(seed: 7)
        for i in 0..<parameters.count { parameters.pointer[i] = (Float(rng.below(2001)) - 1000) / 50_000 }
        return parameters
    }

    static func batch(seed: UInt64) -> TokenBatch {
        var rng = TrainingRNG(seed: seed)
        let tokens = (0..<2 * 17).map { _ in Int32(rng.below(1000)) }
        return TokenBatch(inputs: (0..<2).flatMap { b in tokens[(b * 17)..<(b * 17 + 16)] },
                          targets: (0..<2).flatMap { b in tokens[(b * 17 + 1)..<(b * 17 + 17)] }, batch: 2, time: 16)
    }

    static let frozen = ["wte.weight", "h.0.attn.c_attn.weight", "h.0.mlp.c_fc.weight", "h.1.mlp.c_proj.weight"]
    static let trained = ["h.5.attn.c_attn.weight", "h.5.mlp.c_fc.weight", "h.5.mlp.c_proj.weight"]

    @Test func frozenLayers_neverTouchTheirGradientAndMomentPages() throws {
        let trainer = GPT2Trainer(parameters: Self.model(), threads: 2)
        trainer.freeze(embeddings: true, keepingLayers: 5...5)
        let optimizer = AdamW(like: trainer.parameters, settings: .init())
        var clipped = false
        for step in 0..<2 {
            // A clip far below the norm: the scaling pass runs.
            let result = trainer.step([Self.batch(seed: UInt64(step))], optimizer: optimizer, lr: 1e-3, clip: 1e-3)
            clipped = clipped || result.gradientNorm > 1e-3
        }
        #expect(clipped)
        for name in Self.frozen {
            for (label, buffer) in [("gradient", trainer.gradients), ("m", optimizer.m), ("v", optimizer.v)] {
                let (resident, pages) = Self.residency(buffer, name)
                #expect(pages > 0 && resident == 0, "\(label) of frozen \(name): \(resident) of \(pages) pages resident")
            }
        }
        // The check can see touched memory: the trained layer's pages are all there.
        for name in Self.trained {
            for (label, buffer) in [("gradient", trainer.gradients), ("m", optimizer.m), ("v", optimizer.v)] {
                let (resident, pages) = Self.residency(buffer, name)
                #expect(pages > 0 && resident == pages, "\(label) of trained \(name): \(resident) of \(pages) pages resident")
            }
        }

        // A checkpoint of this run, read back: the trained moments are restored bit for bit and
        // the frozen ones (zeros in the file) stay untouched.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frozen-memory-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let state = TrainingState(step: 2, rng: TrainingRNG(seed: 1), optimizerSteps: 2, tokensSeen: 64, bestValidationLoss: nil,
                                  bestStep: nil, validationsWithoutImprovement: 0, lastValidationLoss: nil)
        let store = CheckpointStore(folder: folder)
        try store.save(parameters: trainer.parameters, optimizer: optimizer, state: state, tokenizerSource: folder, keep: 1)
        let (_, loaded, _) = try CheckpointStore.load(try #require(store.latest()), settings: .init())
        for name in Self.frozen {
            #expect(Self.residency(loaded.m, name).resident == 0 && Self.residency(loaded.v, name).resident == 0, "\(name)")
        }
        for buffer in [(optimizer.m, loaded.m), (optimizer.v, loaded.v)] {
            #expect((0..<buffer.0.count).allSatisfy { buffer.0.pointer[$0].bitPattern == buffer.1.pointer[$0].bitPattern })
        }
    }
}
#endif
