import Foundation
import GPT2Model
import GPT2Training
import Testing

/// The hand-written backward pass against PyTorch's autograd on the same tiny, odd-shaped
/// GPT-2 (vocab 67, width 24, 3 heads, 2 layers, batch 2 x 7 tokens).
@Suite struct GradientParityTests {
    /// max |ours - theirs| over a tensor, relative to the tensor's largest |theirs|.
    static func relativeError(_ ours: UnsafePointer<Float>, _ theirs: [Float]) -> Double {
        var worst: Double = 0, scale: Double = 0
        for (i, t) in theirs.enumerated() {
            worst = max(worst, Double(abs(ours[i] - t)))
            scale = max(scale, Double(abs(t)))
        }
        return worst / max(scale, 1e-12)
    }

    @Test(arguments: [1, 2])
    func lossAndEveryGradientMatchPyTorch(threads: Int) throws {
        let fixture = try TrainingFixture.load()
        let trainer = GPT2Trainer(parameters: try TrainingFixture.parameters(), threads: threads)
        let batch = fixture.batch.tokenBatch
        trainer.zeroGradients()
        let loss = trainer.forward(tokens: batch.inputs, targets: batch.targets, batch: batch.batch, time: batch.time)
        #expect(abs(Double(loss) - fixture.batch.loss!) < 1e-5, "loss \(loss) vs PyTorch \(fixture.batch.loss!)")
        trainer.backward()
        let reference = try TrainingFixture.gradients()
        #expect(reference.count == trainer.gradients.entries.count)
        for entry in trainer.gradients.entries {
            let theirs = try #require(reference[entry.name], "no reference gradient for \(entry.name)")
            #expect(theirs.count == entry.elementCount)
            let error = Self.relativeError(trainer.gradients.pointer(entry.name), theirs)
            #expect(error < 1e-4, "\(entry.name): relative error \(error)")
        }
    }

    @Test func accumulationScalesAndAdds() throws {
        // Two backward passes at scale 1/2 over the same batch equal one at scale 1.
        let fixture = try TrainingFixture.load()
        let batch = fixture.batch.tokenBatch
        let trainer = GPT2Trainer(parameters: try TrainingFixture.parameters(), threads: 1)
        trainer.zeroGradients()
        for _ in 0..<2 {
            _ = trainer.forward(tokens: batch.inputs, targets: batch.targets, batch: batch.batch, time: batch.time)
            trainer.backward(scale: 0.5)
        }
        let reference = try TrainingFixture.gradients()
        let error = Self.relativeError(trainer.gradients.pointer("h.1.mlp.c_fc.weight"), reference["h.1.mlp.c_fc.weight"]!)
        #expect(error < 1e-4)
    }

    /// Layer 1 learns and passes nothing to the frozen layer 0 and embeddings; the other way
    /// round, the frozen layer 1 passes the gradient down to layer 0.
    @Test(arguments: [
        (1...1, ["wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.mlp.c_proj.weight"],
         ["h.1.ln_1.weight", "h.1.attn.c_attn.weight", "ln_f.bias"]),
        (0...0, ["wte.weight", "h.1.ln_1.weight", "h.1.attn.c_attn.weight"],
         ["h.0.ln_1.weight", "h.0.attn.c_attn.weight", "h.0.mlp.c_proj.weight", "ln_f.bias"]),
    ])
    func frozenParametersGetNoGradientButPassItOn(keeping: ClosedRange<Int>, frozen: [String], learning: [String]) throws {
        let fixture = try TrainingFixture.load()
        let batch = fixture.batch.tokenBatch
        let trainer = GPT2Trainer(parameters: try TrainingFixture.parameters(), threads: 1)
        trainer.freeze(embeddings: true, keepingLayers: keeping)
        trainer.zeroGradients()
        _ = trainer.forward(tokens: batch.inputs, targets: batch.targets, batch: batch.batch, time: batch.time)
        trainer.backward()
        let reference = try TrainingFixture.gradients()
        for name in frozen {
            let g = trainer.gradients.pointer(name)
            let count = trainer.gradients.entries[trainer.gradients.entryIndex(name)!].elementCount
            #expect((0..<count).allSatisfy { g[$0] == 0 }, "\(name) is frozen")
        }
        for name in learning {
            #expect(Self.relativeError(trainer.gradients.pointer(name), reference[name]!) < 1e-4, "\(name)")
        }
    }
}
