import GPT2Model
import GPT2Privacy
import GPT2Tokenizer

/// One sequence's progress through a generation, stepped one token at a time by whoever runs
/// the model: ``TextGenerator`` for one prompt, the server's scheduler for many in one batch.
///
/// It owns everything that is per sequence except the KV cache: the ``SamplerChain`` (and so the
/// random generator), the streaming UTF-8 decoder, the stop-string matcher, the generated ids,
/// the counts and the finish reason. The caller runs the model and hands each step's logits to
/// ``step(logits:)``, which picks the next token and returns the text that became final.
public struct GenerationState: Sendable {
    /// The prompt's token ids (never empty).
    public let promptIDs: [Int]
    /// The request, with its seed chosen.
    public let parameters: GenerateParameters
    /// The seed the sampler started from.
    public var seed: UInt64 { sampler.seed }
    /// How many top alternatives ``GenerationStep/logprob`` carries; `nil` measures nothing.
    public let topLogprobs: Int?
    /// The generated ids so far, without a final end-of-text.
    public private(set) var generated: [Int] = []
    /// The text emitted so far (complete characters, clear of stop strings).
    public private(set) var text = ""
    /// Why the generation ended; `nil` while it runs.
    public private(set) var finishReason: FinishReason?

    private var sampler: SamplerChain
    private var decoder: StreamingDecoder
    private var stops: StopStringMatcher
    private var filter: OutputFilter
    private let contextLength: Int
    private let vocabularySize: Int

    /// Whether the generation has ended.
    public var isFinished: Bool { finishReason != nil }

    /// The token to feed to the model for the next step: the last generated one (`nil` before the
    /// first step, when the prompt goes in, and after the end).
    public var nextInput: Int? { isFinished ? nil : generated.last }

    /// Positions the sequence's KV cache needs: the prompt plus the new tokens, within the context.
    public var cacheCapacity: Int {
        promptIDs.count + min(parameters.maxTokens, contextLength - promptIDs.count)
    }

    /// Starts a generation of `promptIDs` with `parameters`.
    ///
    /// - Parameters:
    ///   - naming: how parameter errors spell the fields.
    ///   - topLogprobs: `nil` for no log-probabilities; otherwise each step reports the chosen
    ///     token's log-probability and this many best alternatives.
    ///   - guards: the privacy guards and their defaults, which the parameters can only tighten.
    /// - Throws: ``GenerationError`` for bad parameters, an empty prompt, or a prompt that fills
    ///   the context.
    public init(promptIDs: [Int], parameters: GenerateParameters, config: GPT2Config, tokenizer: BPETokenizer,
                naming: ParameterNaming = .swift, topLogprobs: Int? = nil,
                guards: PrivacyGuards = .none) throws(GenerationError) {
        try parameters.validate(vocabularySize: config.vocabSize, naming: naming)
        guard !promptIDs.isEmpty else { throw .emptyPrompt }
        guard promptIDs.count < config.contextLength || parameters.maxTokens == 0 else {
            throw .promptTooLong(promptTokens: promptIDs.count, contextLength: config.contextLength)
        }
        if let bad = promptIDs.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
            throw .invalidParameter(name: naming.name("prompt"), found: "token id \(bad)",
                                    expected: "token ids in 0..<\(config.vocabSize)")
        }
        self.promptIDs = promptIDs
        self.parameters = parameters.withChosenSeed()
        self.topLogprobs = topLogprobs
        let verbatimLimit = try guards.verbatimLimit(requested: parameters.blockVerbatim, naming: naming)
        sampler = SamplerChain(parameters: self.parameters, endOfTextID: config.endOfTextID)
        sampler.vetoes = guards.vetoes(verbatimLimit: verbatimLimit, tokenizer: tokenizer)
        decoder = StreamingDecoder(tokenizer: tokenizer)
        stops = StopStringMatcher(stops: parameters.stop)
        filter = OutputFilter(mode: max(guards.outputFilter, parameters.outputFilter ?? .off), scrubber: guards.scrubber)
        contextLength = config.contextLength
        vocabularySize = config.vocabSize
        if parameters.maxTokens == 0 { finishReason = .length }
    }

    /// Picks the next token from the model's logits for this sequence and advances.
    ///
    /// - Parameter logits: one row of `vocabularySize` logits for the next position; the sampler
    ///   rewrites it in place.
    /// - Returns: the chosen token (`nil` when end-of-text ended the text) and the text that
    ///   became final, including what the decoder and stop matcher still held when this step ended
    ///   the generation.
    /// - Throws: ``GenerationError/nonFiniteLogits(step:tokenID:value:)`` or
    ///   ``GenerationError/noPossibleToken(step:)``; the state is then finished.
    public mutating func step(logits: UnsafeMutableBufferPointer<Float>) throws(GenerationError) -> GenerationStep {
        precondition(!isFinished, "step(logits:) called on a finished generation")
        precondition(logits.count == vocabularySize, "expected \(vocabularySize) logits, got \(logits.count)")
        let index = generated.count
        if let bad = logits.firstIndex(where: { !$0.isFinite }) {
            finishReason = .stop
            throw .nonFiniteLogits(step: index, tokenID: bad, value: logits[bad])
        }
        // The model's own distribution is measured on a copy: the processors rewrite the row.
        let raw = topLogprobs == nil ? nil : Array(logits)
        guard let next = sampler.choose(logits: logits, promptTokens: promptIDs, generatedTokens: generated) else {
            finishReason = .stop
            throw .noPossibleToken(step: index)
        }
        let logprob = raw.map { row in
            row.withUnsafeBufferPointer { TokenLogprob(logits: $0, tokenID: next, topCount: topLogprobs ?? 0) }
        }
        if next == sampler.endOfTextID && !parameters.ignoreEOS && index >= parameters.minTokens {
            finishReason = .stop
            let rest = filtered(flush(), final: true)
            text += rest
            return GenerationStep(tokenID: nil, text: rest, logprob: logprob)
        }
        generated.append(next)
        var piece = decoder.append(next)
        let (released, stopped) = stops.append(piece, stopAllowed: generated.count > parameters.minTokens)
        piece = released
        if stopped {
            finishReason = .stop
        } else if generated.count >= parameters.maxTokens || promptIDs.count + generated.count >= contextLength {
            // Like transformers' max_length: prompt and output together fill at most the context.
            finishReason = .length
            piece += flush()
        }
        piece = filtered(piece, final: finishReason != nil)
        text += piece
        return GenerationStep(tokenID: next, text: piece, logprob: logprob)
    }

    /// Whether any privacy guard watches this generation (a veto or an output filter).
    public var isGuarded: Bool { !sampler.vetoes.isEmpty || filter.mode != .off }

    /// What the privacy guards did so far.
    public var privacy: PrivacyReport {
        var report = PrivacyReport()
        for (veto, count) in zip(sampler.vetoes, sampler.refusals) {
            if veto is VerbatimGuard { report.verbatimRefusals += count } else { report.blocklistRefusals += count }
        }
        report.redactions = filter.counts
        report.rejected = filter.rejected
        return report
    }

    /// Passes final text through the output filter (flushing it when the text ends); a rejection
    /// ends the generation with ``FinishReason/contentFilter``.
    private mutating func filtered(_ piece: String, final: Bool) -> String {
        var out = filter.append(piece)
        if final && !filter.rejected { out += filter.finish() }
        if filter.rejected { finishReason = .contentFilter }
        return out
    }

    /// Ends the generation early (the caller stopped it) with reason `stop`; returns nothing more.
    public mutating func cancel() {
        if finishReason == nil { finishReason = .stop }
    }

    /// What the decoder and the stop matcher still hold, once the text ends without a stop string.
    private mutating func flush() -> String {
        var rest = ""
        let tail = decoder.finish()
        if !tail.isEmpty {
            let (released, stopped) = stops.append(tail, stopAllowed: generated.count > parameters.minTokens)
            rest += released
            if stopped {
                finishReason = .stop
                return rest
            }
        }
        rest += stops.finish()
        return rest
    }
}

/// What one ``GenerationState/step(logits:)`` produced.
public struct GenerationStep: Sendable, Equatable {
    /// The generated token; `nil` when end-of-text ended the text (it is not part of the output).
    public var tokenID: Int?
    /// Text that became final with this step (possibly empty).
    public var text: String
    /// The chosen token's log-probability and the best alternatives, when asked for.
    public var logprob: TokenLogprob?
}
