import Foundation
import GPT2Model
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
}

/// A piece of streamed output: the text that became final with this token.
public struct GenerationChunk: Sendable, Equatable {
    public var text: String
    public var tokenID: Int
}

/// Generates text for one prompt at a time on a shared model: tokenizes, runs the prompt,
/// samples token after token through the sampler chain, and streams text that is final
/// (complete UTF-8, clear of any stop string). Not shared between threads: each caller owns one.
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
    public func generate(prompt: String, parameters: GenerateParameters,
                         onChunk: (GenerationChunk) -> Bool = { _ in true }) throws -> GenerationResult {
        try generate(promptIDs: promptTokens(prompt), parameters: parameters, onChunk: onChunk)
    }

    public func generate(promptIDs: [Int], parameters: GenerateParameters,
                         onChunk: (GenerationChunk) -> Bool = { _ in true }) throws -> GenerationResult {
        let config = model.config
        try parameters.validate(vocabularySize: config.vocabSize)
        guard !promptIDs.isEmpty else { throw GenerationError.invalidParameter(name: "prompt", found: "no tokens", expected: "at least one token") }
        guard promptIDs.count < config.contextLength else {
            throw ModelError.contextOverflow(position: promptIDs.count + 1, limit: config.contextLength)
        }
        let cache = model.makeCache(capacity: min(config.contextLength, promptIDs.count + parameters.maxTokens))
        var sampler = SamplerChain(parameters: parameters, endOfTextID: config.endOfTextID)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var stops = StopStringMatcher(stops: parameters.stop)
        var generated: [Int] = []
        var text = ""
        var finish = FinishReason.length

        var logits = try model.forward([.init(tokens: promptIDs, cache: cache)], workspace: workspace)
        var ended = false   // by a stop string or by the caller: nothing held is emitted
        // Stop strings count only once the minimum length is reached (as vLLM's min_tokens);
        // before that, text bypasses the matcher.
        func emit(_ piece: String, token: Int) -> Bool {
            var piece = piece
            if generated.count > parameters.minTokens {
                let (released, stopped) = stops.append(piece)
                piece = released
                if stopped { ended = true }
            }
            if !piece.isEmpty {
                text += piece
                if !onChunk(GenerationChunk(text: piece, tokenID: token)) { ended = true }
            }
            return !ended
        }
        while generated.count < parameters.maxTokens {
            let next = sampler.sample(logits: logits[0], promptTokens: promptIDs, generatedTokens: generated)
            if next == config.endOfTextID && !parameters.ignoreEOS && generated.count >= parameters.minTokens {
                finish = .stop
                break
            }
            generated.append(next)
            guard emit(decoder.append(next), token: next) else { finish = .stop; break }
            guard generated.count < parameters.maxTokens else { break }
            // Like transformers' max_length: prompt and output together fill at most the context.
            guard promptIDs.count + generated.count < config.contextLength else { break }
            logits = try model.forward([.init(tokens: [next], cache: cache)], workspace: workspace)
        }
        if !ended, let last = generated.last {
            // Flush what the decoder and the stop matcher still hold.
            if emit(decoder.finish(), token: last), generated.count > parameters.minTokens {
                let held = stops.finish()
                if !held.isEmpty {
                    text += held
                    _ = onChunk(GenerationChunk(text: held, tokenID: last))
                }
            }
            if ended { finish = .stop }
        }
        return GenerationResult(text: text, ids: generated, finishReason: finish, promptTokenCount: promptIDs.count)
    }
}
