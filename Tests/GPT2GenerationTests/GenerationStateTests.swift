import Foundation
import GPT2Generation
import GPT2Model
import GPT2Tokenizer
import Testing

/// The per-sequence state stepped one token at a time, on synthetic logits.
@Suite struct GenerationStateTests {
    static let tokenizer = try! BPETokenizer.gpt2()
    static let config = GPT2Config(vocabSize: 50257, contextLength: 16, embeddingSize: 8, layerCount: 1, headCount: 2)

    static func state(_ p: GenerateParameters, prompt: [Int] = [464], topLogprobs: Int? = nil) throws -> GenerationState {
        try GenerationState(promptIDs: prompt, parameters: p, config: config, tokenizer: tokenizer, topLogprobs: topLogprobs)
    }

    /// Logits favouring `id` strongly.
    static func logits(favouring id: Int) -> [Float] {
        var row = [Float](repeating: 0, count: 50257)
        row[id] = 20
        return row
    }

    @Test func everyTokenBanned_isAnError_notABannedToken() throws {
        var bias: [Int: Float] = [:]
        for id in 0..<50257 { bias[id] = -.infinity }
        var state = try Self.state(GenerateParameters(maxTokens: 3, temperature: 0, logitBias: bias))
        var row = Self.logits(favouring: 50256)
        #expect(throws: GenerationError.noPossibleToken(step: 0)) {
            try row.withUnsafeMutableBufferPointer { _ = try state.step(logits: $0) }
        }
        #expect(state.isFinished)
    }

    @Test func nonFiniteLogits_stopWithAnError() throws {
        var state = try Self.state(GenerateParameters(maxTokens: 3, temperature: 0))
        var row = Self.logits(favouring: 10)
        row[7] = .nan
        #expect(throws: GenerationError.self) {
            try row.withUnsafeMutableBufferPointer { _ = try state.step(logits: $0) }
        }
        let message = GenerationError.nonFiniteLogits(step: 0, tokenID: 7, value: .nan).errorDescription!
        #expect(message.contains("non-finite") && message.contains("token 7"))
    }

    @Test func hugeMaxTokens_isBoundedByTheContext() throws {
        var state = try Self.state(GenerateParameters(maxTokens: Int.max, temperature: 0, ignoreEOS: true))
        #expect(state.cacheCapacity == 16)
        var steps = 0
        while !state.isFinished {
            var row = Self.logits(favouring: 262)
            _ = try row.withUnsafeMutableBufferPointer { try state.step(logits: $0) }
            steps += 1
        }
        #expect(steps == 15 && state.finishReason == .length)
    }

    @Test func zeroMaxTokens_finishesAtOnce() throws {
        let state = try Self.state(GenerateParameters(maxTokens: 0, minTokens: 0))
        #expect(state.isFinished && state.finishReason == .length && state.nextInput == nil)
    }

    @Test func logprobs_measureTheRawDistribution() throws {
        var state = try Self.state(GenerateParameters(maxTokens: 2, temperature: 0, logitBias: [5: 100]), topLogprobs: 2)
        var row = [Float](repeating: 0, count: 50257)
        row[3] = 2
        row[4] = 1
        let step = try row.withUnsafeMutableBufferPointer { try state.step(logits: $0) }
        #expect(step.tokenID == 5)   // chosen through the bias...
        let normalizer = log(exp(2.0) + exp(1.0) + 50255)
        let measured = try #require(step.logprob)
        #expect(abs(measured.logprob - (0 - normalizer)) < 1e-6)   // ...but measured without it
        #expect(measured.top.map(\.tokenID) == [3, 4])
        #expect(abs(measured.top[0].logprob - (2 - normalizer)) < 1e-6)
    }

    @Test func messages_speakTheCallersNames() {
        let p = GenerateParameters(maxTokens: 0, minTokens: 1, topP: 2)
        let flags = p.validationErrors(vocabularySize: nil, naming: .commandLine).map { $0.errorDescription! }
        #expect(flags == ["The generation parameter `--min-tokens` must be at most --max-tokens (0), but got 1.",
                          "The generation parameter `--top-p` must be a number in (0, 1] (1 turns top-p off), but got 2.0."])
        let json = p.validationErrors(vocabularySize: nil, naming: .json).map { $0.errorDescription! }
        #expect(json[1].contains("`top_p`"))
        #expect(ParameterNaming.commandLine.name("ignoreEOS") == "--ignore-eos")
    }
}
