import Foundation
import GPT2Generation
import Testing

struct SamplerChainTests {
    static let eos = 50256

    /// A stand-in model: deterministic logits for a step, from the step index.
    static func fakeLogits(step: Int, count: Int = 50257) -> [Float] {
        TestLogits.skewed(seed: 1000 + UInt64(step), count: count, scale: 12)
    }

    static func generate(_ parameters: GenerateParameters, steps: Int, vocabulary: Int = 50257) -> [Int] {
        var chain = SamplerChain(parameters: parameters, endOfTextID: eos)
        var generated: [Int] = []
        for step in 0..<steps {
            generated.append(TestLogits.sample(&chain, fakeLogits(step: step, count: vocabulary), generated: generated))
        }
        return generated
    }

    @Test func greedy_picksArgmax_lowestIDOnTies() {
        var chain = SamplerChain(parameters: GenerateParameters(temperature: 0), endOfTextID: 9)
        #expect(TestLogits.sample(&chain, [1, 3, 3, 2]) == 1)
        #expect(TestLogits.sample(&chain, [-.infinity, -5, .nan, -5, -7]) == 1)
        #expect(TestLogits.sample(&chain, [0, 0, 0]) == 0)
        let logits = TestLogits.skewed(seed: 3, scale: 20)
        #expect(TestLogits.sample(&chain, logits) == logits.indices.max { logits[$0] < logits[$1] })
    }

    @Test func greedy_ignoresSeedAndFilters() {
        let a = Self.generate(GenerateParameters(temperature: 0, topK: 5, topP: 0.5, seed: 1), steps: 20)
        let b = Self.generate(GenerateParameters(temperature: 0, seed: 2), steps: 20)
        #expect(a == b)
        #expect(a == (0..<20).map { step in
            let l = Self.fakeLogits(step: step)
            return l.indices.max { l[$0] < l[$1] }!
        })
    }

    @Test func sameSeed_sameSequence() {
        let p = GenerateParameters(temperature: 0.9, topK: 50, topP: 0.95, seed: 1234)
        let a = Self.generate(p, steps: 40)
        #expect(a == Self.generate(p, steps: 40))
        #expect(Set(a).count > 5)  // it really samples: not one token over and over
    }

    @Test func differentSeeds_differ() {
        let a = Self.generate(GenerateParameters(seed: 1), steps: 40)
        let b = Self.generate(GenerateParameters(seed: 2), steps: 40)
        #expect(a != b)
    }

    @Test func nilSeed_isChosenAndReported_soTheRunCanBeReproduced() {
        let chain = SamplerChain(parameters: GenerateParameters(seed: nil), endOfTextID: Self.eos)
        let again = SamplerChain(parameters: GenerateParameters(seed: chain.seed), endOfTextID: Self.eos)
        #expect(again.seed == chain.seed)
        var p = GenerateParameters()
        p.seed = chain.seed
        #expect(Self.generate(p, steps: 10) == Self.generate(p, steps: 10))
    }

    /// With a tiny temperature every token but the top one gets probability exp(-gap/T) = 0.
    @Test func temperatureNearZero_equalsGreedy() {
        for seed in UInt64(0)..<20 {
            let logits = TestLogits.skewed(seed: 500 + seed, scale: 20)
            var greedy = SamplerChain(parameters: GenerateParameters(temperature: 0), endOfTextID: Self.eos)
            var cold = SamplerChain(parameters: GenerateParameters(temperature: 1e-6, seed: seed), endOfTextID: Self.eos)
            #expect(TestLogits.sample(&cold, logits) == TestLogits.sample(&greedy, logits))
        }
    }

    @Test func topKOfOne_equalsGreedy_whenTheTopIsUnique() {
        for seed in UInt64(0)..<20 {
            let logits = TestLogits.skewed(seed: 600 + seed, scale: 20)
            var greedy = SamplerChain(parameters: GenerateParameters(temperature: 0), endOfTextID: Self.eos)
            var topOne = SamplerChain(parameters: GenerateParameters(temperature: 1.5, topK: 1, seed: seed), endOfTextID: Self.eos)
            #expect(TestLogits.sample(&topOne, logits) == TestLogits.sample(&greedy, logits))
        }
    }

    @Test func logitBiasOfMinusInfinity_bansToken() {
        let logits: [Float] = [0, 5, 1, 0.5]
        var greedy = SamplerChain(parameters: GenerateParameters(temperature: 0, logitBias: [1: -.infinity]), endOfTextID: 3)
        #expect(TestLogits.sample(&greedy, logits) == 2)
        var sampled = SamplerChain(parameters: GenerateParameters(logitBias: [1: -.infinity], seed: 5), endOfTextID: 3)
        for _ in 0..<2000 { #expect(TestLogits.sample(&sampled, logits) != 1) }
    }

    @Test func logitBias_isAddedToTheLogit() {
        var chain = SamplerChain(parameters: GenerateParameters(temperature: 0, logitBias: [0: 5.5, 2: -1]), endOfTextID: 9)
        var logits: [Float] = [0, 5, 1, 0.5]
        #expect(chain.sample(logits: &logits, promptTokens: [], generatedTokens: []) == 0)
        #expect(logits == [5.5, 5, 0, 0.5])
    }

    @Test func endOfText_suppressedBeforeMinTokens() {
        let logits: [Float] = [1, 2, 0, 9]  // end-of-text (id 3) is the favourite
        var chain = SamplerChain(parameters: GenerateParameters(minTokens: 2, temperature: 0), endOfTextID: 3)
        #expect(TestLogits.sample(&chain, logits, generated: []) == 1)
        #expect(TestLogits.sample(&chain, logits, generated: [1]) == 1)
        #expect(TestLogits.sample(&chain, logits, generated: [1, 1]) == 3)
        var noMinimum = SamplerChain(parameters: GenerateParameters(minTokens: 0, temperature: 0), endOfTextID: 3)
        #expect(TestLogits.sample(&noMinimum, logits, generated: []) == 3)
    }

    @Test func endOfText_neverSampledWithIgnoreEOS() {
        let logits: [Float] = [1, 2, 0, 9]
        var greedy = SamplerChain(parameters: GenerateParameters(temperature: 0, ignoreEOS: true), endOfTextID: 3)
        #expect(TestLogits.sample(&greedy, logits, generated: Array(repeating: 0, count: 100)) == 1)
        var sampled = SamplerChain(parameters: GenerateParameters(temperature: 2, seed: 3, ignoreEOS: true), endOfTextID: 3)
        for _ in 0..<2000 { #expect(TestLogits.sample(&sampled, logits, generated: [0, 0]) != 3) }
    }

    @Test func everyTokenBanned_returnsEndOfText() {
        var greedy = SamplerChain(parameters: GenerateParameters(temperature: 0), endOfTextID: 7)
        #expect(TestLogits.sample(&greedy, [-.infinity, .nan], generated: [0]) == 7)
        var sampled = SamplerChain(parameters: GenerateParameters(topP: 0.5, seed: 1), endOfTextID: 7)
        #expect(TestLogits.sample(&sampled, [-.infinity, -.infinity], generated: [0]) == 7)
    }

    /// NaN is impossible and +inf certain, in both modes.
    @Test func nanIsNeverChosen_andPositiveInfinityAlwaysIs() {
        let logits: [Float] = [.nan, 1, .infinity, 2, .nan]
        var greedy = SamplerChain(parameters: GenerateParameters(temperature: 0), endOfTextID: 9)
        #expect(TestLogits.sample(&greedy, logits) == 2)
        var sampled = SamplerChain(parameters: GenerateParameters(temperature: 0.7, topP: 0.9, seed: 4), endOfTextID: 9)
        for _ in 0..<200 { #expect(TestLogits.sample(&sampled, logits) == 2) }
        var noInfinity = SamplerChain(parameters: GenerateParameters(seed: 4), endOfTextID: 9)
        for _ in 0..<2000 { #expect([1, 3].contains(TestLogits.sample(&noInfinity, [.nan, 1, .nan, 2, .nan]))) }
    }

    /// Sets token 1's logit to 10.
    struct Boost: LogitsProcessor {
        func process(_ logits: UnsafeMutableBufferPointer<Float>, context: SamplingContext) {
            logits[1] = 10
        }
    }

    /// The extra processor runs before the repetition penalty: 10 / 2 = 5 loses to token 2's 7.
    /// (Run after it, the boost would leave token 1 at 10 and win.)
    @Test func extraProcessors_runBeforePenalties() {
        var chain = SamplerChain(
            parameters: GenerateParameters(temperature: 0, repetitionPenalty: 2), endOfTextID: 9,
            extraProcessors: [Boost()])
        var logits: [Float] = [0, 1, 7, 0]
        #expect(chain.sample(logits: &logits, promptTokens: [1], generatedTokens: []) == 2)
        #expect(logits == [0, 5, 7, 0])
    }

    @Test func extraTokenSuppression_bansIDs() {
        var chain = SamplerChain(
            parameters: GenerateParameters(temperature: 0), endOfTextID: 9,
            extraProcessors: [TokenSuppression(tokenIDs: [2, 1, 999])])
        #expect(TestLogits.sample(&chain, [0, 1, 7, 0.5]) == 3)
    }
}
