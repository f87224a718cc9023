import Foundation
import GPT2Kernels
import GPT2Model
import GPT2Training
import Testing

/// The optimizer's vectorized, threaded loops against the plain scalar formulas they replace:
/// the same bits, so a run's numbers do not depend on the thread count or the vector width.
@Suite struct OptimizerExactnessTests {
    /// Vocabulary 5003 x width 64: tensors that are not multiples of the vector width, of
    /// AdamW's work item or of the norm's 4096-element block, and one large enough for the
    /// norm's eight-blocks-at-once path.
    static let config = GPT2Config(vocabSize: 5003, contextLength: 16, embeddingSize: 64, layerCount: 2, headCount: 4)

    static func randomBuffer(seed: UInt64) -> ParameterBuffer {
        let buffer = ParameterBuffer(config: config)
        var rng = TrainingRNG(seed: seed)
        for i in 0..<buffer.count { buffer.pointer[i] = (Float(rng.below(2_000_001)) - 1_000_000) / 1_000_000 }
        return buffer
    }

    static func bits(_ buffer: ParameterBuffer) -> [UInt32] {
        (0..<buffer.count).map { buffer.pointer[$0].bitPattern }
    }

    @Test(arguments: [1, 2])
    func adamWStepEqualsTheScalarFormulas(threads: Int) {
        let settings = AdamW.Settings(weightDecay: 0.1)
        let parameters = Self.randomBuffer(seed: 1), gradients = Self.randomBuffer(seed: 2)
        let optimizer = AdamW(like: parameters, settings: settings)
        optimizer.m.copy(from: Self.randomBuffer(seed: 3))
        for (i, x) in Self.bits(Self.randomBuffer(seed: 4)).enumerated() { optimizer.v.pointer[i] = abs(Float(bitPattern: x)) }
        optimizer.stepCount = 6
        let p = ParameterBuffer(config: Self.config), m = ParameterBuffer(config: Self.config), v = ParameterBuffer(config: Self.config)
        p.copy(from: parameters)
        m.copy(from: optimizer.m)
        v.copy(from: optimizer.v)
        var trainable = Array(repeating: true, count: parameters.entries.count)
        trainable[1] = false
        let lr: Float = 3e-3
        optimizer.step(parameters: parameters, gradients: gradients, trainable: trainable, lr: lr,
                       pool: ThreadPool(threadCount: threads))

        // The scalar update, as AdamW computed it before it was vectorized.
        let t: Float = 7
        let correction1 = 1 - powf(settings.beta1, t), correction2Root = (1 - powf(settings.beta2, t)).squareRoot()
        let stepSize = lr / correction1
        for (i, entry) in p.entries.enumerated() where trainable[i] {
            let offset = p.offsets[i]
            let pp = p.pointer + offset, g = gradients.pointer + offset, mm = m.pointer + offset, vv = v.pointer + offset
            let decay = AdamW.decays(entry) ? 1 - lr * settings.weightDecay : 1
            for j in 0..<entry.elementCount {
                let gj = g[j]
                pp[j] *= decay
                mm[j] = settings.beta1 * mm[j] + (1 - settings.beta1) * gj
                vv[j] = settings.beta2 * vv[j] + (1 - settings.beta2) * gj * gj
                let denominator = vv[j].squareRoot() / correction2Root + settings.epsilon
                pp[j] -= stepSize * mm[j] / denominator
            }
        }
        #expect(Self.bits(parameters) == Self.bits(p))
        #expect(Self.bits(optimizer.m) == Self.bits(m))
        #expect(Self.bits(optimizer.v) == Self.bits(v))
    }

    @Test(arguments: [1, 2])
    func gradientNormEqualsTheBlockedScalarSum(threads: Int) {
        let trainer = GPT2Trainer(parameters: Self.randomBuffer(seed: 5), threads: threads)
        trainer.gradients.copy(from: Self.randomBuffer(seed: 6))
        for frozen in [false, true] {
            if frozen { trainer.freeze(embeddings: false, keepingLayers: 1...1) }
            // Float sums over blocks of 4096 elements, added in Double in order.
            var total: Double = 0
            for (i, entry) in trainer.gradients.entries.enumerated() where trainer.trainable[i] {
                let g = trainer.gradients.pointer + trainer.gradients.offsets[i]
                var sum: Float = 0, block = 0
                for j in 0..<entry.elementCount {
                    sum += g[j] * g[j]
                    block += 1
                    if block == 4096 { total += Double(sum); sum = 0; block = 0 }
                }
                total += Double(sum)
            }
            #expect(trainer.gradientNorm().bitPattern == total.squareRoot().bitPattern, "frozen layers: \(frozen)")
        }
    }
}
