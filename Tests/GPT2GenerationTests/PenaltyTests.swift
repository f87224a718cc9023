import GPT2Generation
import Testing

struct PenaltyTests {
    static func run(_ processor: some LogitsProcessor, _ logits: [Float], prompt: [Int], generated: [Int]) -> [Float] {
        var processor = processor
        var out = logits
        out.withUnsafeMutableBufferPointer {
            processor.process($0, context: SamplingContext(promptTokens: prompt, generatedTokens: generated, endOfTextID: 0))
        }
        return out
    }

    /// HF: positive logits divided, negative multiplied, zero unchanged; each distinct token once
    /// however often it occurs in the prompt and the generated tokens; others untouched.
    @Test func repetitionPenalty_dividesPositiveAndMultipliesNegativeLogits_oncePerToken() {
        let out = Self.run(RepetitionPenalty(penalty: 1.5), [3, -2, 0, 3, -1],
                           prompt: [0, 0, 2], generated: [1, 0, 1, 1])
        #expect(out == [2, -3, 0, 3, -1])
    }

    @Test func repetitionPenaltyBelowOne_rewardsRepetition() {
        let out = Self.run(RepetitionPenalty(penalty: 0.5), [3, -2, 1], prompt: [], generated: [0, 1])
        #expect(out == [6, -1, 1])
    }

    @Test func repetitionPenalty_appliesOncePerCall_acrossRepeatedCalls() {
        var penalty = RepetitionPenalty(penalty: 2)
        for _ in 0..<3 {
            var logits: [Float] = [4, 4]
            logits.withUnsafeMutableBufferPointer {
                penalty.process($0, context: SamplingContext(promptTokens: [0], generatedTokens: [0, 0], endOfTextID: 1))
            }
            #expect(logits == [2, 4])
        }
    }

    /// OpenAI: logit -= count * frequency + (count > 0) * presence, over generated tokens only.
    @Test func presenceAndFrequency_countOccurrencesInGeneratedTokensOnly() {
        let out = Self.run(PresenceFrequencyPenalty(presence: 0.5, frequency: 0.25), [1, 1, 1, 1],
                           prompt: [3, 3, 3], generated: [2, 2, 2, 1])
        let expected: [Float] = [1, 1 - 0.25 - 0.5, 1 - 0.75 - 0.5, 1]
        #expect(out == expected)
    }

    @Test func presenceAndFrequency_repeatedCallsGiveTheSameResult() {
        var penalty = PresenceFrequencyPenalty(presence: 0, frequency: 1)
        for _ in 0..<3 {
            var logits: [Float] = [0, 0]
            logits.withUnsafeMutableBufferPointer {
                penalty.process($0, context: SamplingContext(promptTokens: [], generatedTokens: [1, 1, 1], endOfTextID: 0))
            }
            #expect(logits == [0, -3])
        }
    }

    @Test func negativePresence_encouragesRepetition() {
        let out = Self.run(PresenceFrequencyPenalty(presence: -2, frequency: 0), [0, 0], prompt: [], generated: [0, 0])
        #expect(out == [2, 0])
    }

    @Test func penalties_ignoreOutOfRangeTokenIDs() {
        let logits: [Float] = [1, -1]
        #expect(Self.run(RepetitionPenalty(penalty: 2), logits, prompt: [-1, 7], generated: [2]) == logits)
        #expect(Self.run(PresenceFrequencyPenalty(presence: 1, frequency: 1), logits, prompt: [], generated: [-3, 2]) == logits)
        #expect(Self.run(LogitBias([5: 1, -1: 1]), logits, prompt: [], generated: []) == logits)
    }

    @Test func chainAppliesRepetitionThenPresenceFrequencyThenBias() {
        var chain = SamplerChain(
            parameters: GenerateParameters(
                temperature: 0, repetitionPenalty: 2, presencePenalty: 1, frequencyPenalty: 0.5, logitBias: [0: 0.25]),
            endOfTextID: 2)
        var logits: [Float] = [6, -6, 0]
        _ = chain.sample(logits: &logits, promptTokens: [1], generatedTokens: [0, 0])
        // Token 0: 6 / 2 = 3, minus 2 * 0.5 + 1 = 1, plus 0.25; token 1 (prompt only): -6 * 2.
        let expected: [Float] = [1.25, -12, 0]
        #expect(logits == expected)
    }
}
