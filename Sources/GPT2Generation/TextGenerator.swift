import Foundation
import GPT2Model
import GPT2Privacy
import GPT2Tokenizer

/// What one generation produced.
public struct GenerationResult: Sendable, Equatable {
    /// The continuation (without the prompt, without the stop string that ended it).
    public var text: String
    /// Generated token ids, without a final `<|endoftext|>`.
    public var ids: [Int]
    public var finishReason: FinishReason
    /// Tokens the prompt took (the empty prompt counts its implicit `<|endoftext|>`).
    public var promptTokenCount: Int
    /// The seed the sampler used (chosen at random when the parameters named none).
    public var seed: UInt64 = 0
    /// What the privacy guards did; `nil` when none was on.
    public var privacy: PrivacyReport? = nil
}

/// A piece of streamed output: the text that became final with this token.
public struct GenerationChunk: Sendable, Equatable {
    public var text: String
    public var tokenID: Int
}

/// Generates text for one prompt at a time on a shared model: tokenizes, runs the prompt, and
/// steps a ``GenerationState`` token after token, streaming the text that is final (complete
/// UTF-8, clear of any stop string). Not shared between threads: each caller owns one.
public final class TextGenerator {
    public let model: GPT2Model
    public let tokenizer: BPETokenizer
    let workspace: ForwardWorkspace

    public init(model: GPT2Model, tokenizer: BPETokenizer, threads: Int) {
        self.model = model
        self.tokenizer = tokenizer
        workspace = ForwardWorkspace(threads: threads)
    }

    /// Encodes `prompt`; an empty prompt starts from `<|endoftext|>` as GPT-2 was trained.
    public func promptTokens(_ prompt: String) -> [Int] {
        let ids = tokenizer.encode(prompt)
        return ids.isEmpty ? [model.config.endOfTextID] : ids
    }

    /// Runs one generation. `onChunk` receives text as it becomes final; returning false stops
    /// the generation early (finish reason `stop`).
    public func generate(prompt: String, parameters: GenerateParameters, naming: ParameterNaming = .swift,
                         guards: PrivacyGuards = .none,
                         onChunk: (GenerationChunk) -> Bool = { _ in true }) throws -> GenerationResult {
        try generate(promptIDs: promptTokens(prompt), parameters: parameters, naming: naming, guards: guards, onChunk: onChunk)
    }

    /// Runs one generation from token ids (see ``generate(prompt:parameters:naming:onChunk:)``).
    public func generate(promptIDs: [Int], parameters: GenerateParameters, naming: ParameterNaming = .swift,
                         guards: PrivacyGuards = .none,
                         onChunk: (GenerationChunk) -> Bool = { _ in true }) throws -> GenerationResult {
        var state = try GenerationState(promptIDs: promptIDs, parameters: parameters, config: model.config,
                                        tokenizer: tokenizer, naming: naming, guards: guards)
        let cache = model.makeCache(capacity: state.cacheCapacity)
        var input = promptIDs
        while !state.isFinished {
            let logits = try model.forward([.init(tokens: input, cache: cache)], workspace: workspace)
            let step = try state.step(logits: logits[0])
            if !step.text.isEmpty,
               !onChunk(GenerationChunk(text: step.text, tokenID: step.tokenID ?? state.generated.last ?? -1)) {
                state.cancel()
            }
            guard let next = state.nextInput else { break }
            input = [next]
        }
        return GenerationResult(text: state.text, ids: state.generated, finishReason: state.finishReason ?? .length,
                                promptTokenCount: promptIDs.count, seed: state.seed,
                                privacy: state.isGuarded ? state.privacy : nil)
    }
}
