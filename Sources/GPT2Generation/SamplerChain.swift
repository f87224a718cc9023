/// Picks each next token from the model's logits: a chain of small samplers in the style of
/// llama.cpp, assembled from ``GenerateParameters``.
///
/// One step runs, in order:
/// 1. the ``LogitsProcessor``s on the full vocabulary, in place: the caller's extra processors,
///    ``RepetitionPenalty``, ``PresenceFrequencyPenalty``, ``LogitBias``, then a
///    ``TokenSuppression`` of end-of-text while fewer than `minTokens` tokens are generated
///    (always, with `ignoreEOS`);
/// 2. greedy decoding when `temperature == 0`: the argmax, lowest id on ties (as `torch.argmax`);
/// 3. otherwise the ``CandidateFilter``s on the vocabulary's ``TokenCandidates``: ``TemperatureScaling``,
///    ``TopKFilter``, ``TopPFilter``, ``MinPFilter`` (Hugging Face's warper order), and a draw
///    from the softmax of what is left by inverse CDF with one ``Xoshiro256StarStar/nextDouble()``.
///
/// 4. the ``TokenVeto``s (the privacy guards) on the token drawn: a refused token is removed and
///    the draw repeated (the argmax taken again when greedy); when every candidate left after the
///    filters is refused, the filters run again on the rest of the vocabulary.
///
/// The chain owns its random generator and scratch buffers, so each generation needs its own
/// chain (a value: copying one forks the generator). Steps allocate nothing once the buffers have
/// grown to the vocabulary size, except inside the standard library's sort.
///
/// Special logits: NaN counts as `-inf` (impossible), `+inf` as the largest float (the token
/// wins, sharing with other `+inf` tokens when sampling). If every token's logit is `-inf` or NaN
/// (all banned), ``sample(logits:promptTokens:generatedTokens:)`` returns ``endOfTextID``.
public struct SamplerChain: Sendable {
    /// The full-vocabulary stage, run in order.
    public var processors: [any LogitsProcessor]
    /// The truncation stage, run in order when sampling (not when greedy).
    public var filters: [any CandidateFilter]
    /// Rules that may refuse the drawn token, asked in order.
    public var vetoes: [any TokenVeto] = []
    /// Tokens each veto refused so far, parallel to ``vetoes``.
    public private(set) var refusals: [Int] = []
    /// Whether the chain takes the argmax instead of drawing.
    public let isGreedy: Bool
    /// The end-of-text token id.
    public let endOfTextID: Int
    /// The seed the random generator started from; report it so a run can be reproduced.
    public let seed: UInt64

    private var generator: Xoshiro256StarStar
    private var candidates = TokenCandidates()
    private var weights: [Float] = []

    /// Assembles the chain for `parameters` (which should have passed
    /// ``GenerateParameters/validate(vocabularySize:)``).
    ///
    /// - Parameters:
    ///   - parameters: the request; a `nil` seed is replaced by a random one, kept in ``seed``.
    ///   - endOfTextID: the end-of-text token id (50256 for GPT-2).
    ///   - extraProcessors: rules run first on the raw logits, before the penalties (for example
    ///     a ``TokenSuppression`` banning ids).
    public init(
        parameters: GenerateParameters, endOfTextID: Int, extraProcessors: [any LogitsProcessor] = []
    ) {
        var processors = extraProcessors
        if parameters.repetitionPenalty != 1 {
            processors.append(RepetitionPenalty(penalty: parameters.repetitionPenalty))
        }
        if parameters.presencePenalty != 0 || parameters.frequencyPenalty != 0 {
            processors.append(PresenceFrequencyPenalty(
                presence: parameters.presencePenalty, frequency: parameters.frequencyPenalty))
        }
        if !parameters.logitBias.isEmpty {
            processors.append(LogitBias(parameters.logitBias))
        }
        if parameters.ignoreEOS {
            processors.append(TokenSuppression(tokenIDs: [endOfTextID]))
        } else if parameters.minTokens > 0 {
            processors.append(TokenSuppression(
                tokenIDs: [endOfTextID], whileGeneratedFewerThan: parameters.minTokens))
        }

        var filters: [any CandidateFilter] = []
        if parameters.temperature != 1 { filters.append(TemperatureScaling(temperature: parameters.temperature)) }
        if parameters.topK > 0 { filters.append(TopKFilter(k: parameters.topK)) }
        if parameters.topP < 1 { filters.append(TopPFilter(p: parameters.topP)) }
        if parameters.minP > 0 { filters.append(MinPFilter(minP: parameters.minP)) }

        self.init(
            processors: processors, filters: filters, isGreedy: !(parameters.temperature > 0),
            endOfTextID: endOfTextID, seed: parameters.seed ?? UInt64.random(in: .min ... .max))
    }

    /// Assembles a chain from explicit stages, for callers that build their own.
    public init(
        processors: [any LogitsProcessor], filters: [any CandidateFilter], isGreedy: Bool,
        endOfTextID: Int, seed: UInt64
    ) {
        self.processors = processors
        self.filters = filters
        self.isGreedy = isGreedy
        self.endOfTextID = endOfTextID
        self.seed = seed
        self.generator = Xoshiro256StarStar(seed: seed)
    }

    /// Chooses the next token id.
    ///
    /// - Parameters:
    ///   - logits: the model's logits for the next position, one per token id
    ///     (`vocabularySize` floats); the processors rewrite it in place.
    ///   - promptTokens: the prompt's token ids.
    ///   - generatedTokens: the ids generated so far in this generation.
    /// - Returns: a token id in `0..<logits.count`, or ``endOfTextID`` if no token is possible.
    public mutating func sample(
        logits: UnsafeMutableBufferPointer<Float>, promptTokens: [Int], generatedTokens: [Int]
    ) -> Int {
        choose(logits: logits, promptTokens: promptTokens, generatedTokens: generatedTokens) ?? endOfTextID
    }

    /// Like ``sample(logits:promptTokens:generatedTokens:)``, but `nil` when no token is possible
    /// (every logit `-inf` or NaN after the processors), so the caller can report it instead of
    /// emitting a banned token.
    public mutating func choose(
        logits: UnsafeMutableBufferPointer<Float>, promptTokens: [Int], generatedTokens: [Int]
    ) -> Int? {
        let context = SamplingContext(
            promptTokens: promptTokens, generatedTokens: generatedTokens, endOfTextID: endOfTextID)
        for i in processors.indices {
            processors[i].process(logits, context: context)
        }
        if !vetoes.isEmpty {
            if refusals.count != vetoes.count { refusals = [Int](repeating: 0, count: vetoes.count) }
            for i in vetoes.indices { vetoes[i].prepare(context: context) }
        }
        if isGreedy {
            while let id = Self.argmax(UnsafeBufferPointer(logits)) {
                if vetoes.isEmpty || allowed(id) { return id }
                logits[id] = -.infinity
            }
            return nil
        }
        candidates.load(logits: UnsafeBufferPointer(logits))
        for i in filters.indices {
            filters[i].apply(to: &candidates)
        }
        guard !vetoes.isEmpty else { return draw().map { Int(candidates.ids[$0]) } }
        while true {
            guard let index = draw() else {
                // Every candidate left by the filters was refused: run them on the rest.
                candidates.load(logits: UnsafeBufferPointer(logits))
                for i in filters.indices { filters[i].apply(to: &candidates) }
                guard let index = draw() else { return nil }
                let id = Int(candidates.ids[index])
                if allowed(id) { return id }
                logits[id] = -.infinity
                candidates.remove(at: index)
                continue
            }
            let id = Int(candidates.ids[index])
            if allowed(id) { return id }
            logits[id] = -.infinity
            candidates.remove(at: index)
        }
    }

    /// Asks the vetoes about `id`, counting a refusal against the first that refuses.
    private mutating func allowed(_ id: Int) -> Bool {
        for i in vetoes.indices where !vetoes[i].allows(id) {
            refusals[i] += 1
            return false
        }
        return true
    }

    /// ``sample(logits:promptTokens:generatedTokens:)`` on an array.
    public mutating func sample(logits: inout [Float], promptTokens: [Int], generatedTokens: [Int]) -> Int {
        logits.withUnsafeMutableBufferPointer {
            sample(logits: $0, promptTokens: promptTokens, generatedTokens: generatedTokens)
        }
    }

    /// The index of the largest logit, the lowest index on ties, skipping NaN; `nil` when every
    /// logit is `-inf` or NaN.
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int? {
        VectorMath.argmax(logits)
    }

    /// Draws a candidate with probability `exp(logit - max) / sum` by inverse CDF: `u` uniform in
    /// `[0, 1)` times the sum, then the first candidate, in the candidates' order, at which the
    /// running sum of weights exceeds it. Blocks of 16 weights whose sum stays at or below the
    /// target are skipped whole. Returns the candidate's index in ``candidates``.
    private mutating func draw() -> Int? {
        let n = candidates.count
        if n == 0 { return nil }
        let m = candidates.maximumLogit
        if m == -.infinity { return nil }
        if n == 1 { return 0 }
        if weights.count < n { weights = [Float](repeating: 0, count: n) }
        let total = candidates.logits.withUnsafeBufferPointer { logits in
            weights.withUnsafeMutableBufferPointer { VectorMath.expShifted(logits, minus: m, into: $0) }
        }
        let u = generator.nextDouble() * total
        return weights.withUnsafeBufferPointer { w -> Int? in
            var cumulative = 0.0
            var i = 0
            while i + 16 <= n {
                let block = UnsafeRawPointer(w.baseAddress! + i).loadUnaligned(as: SIMD16<Float>.self)
                let blockSum = (SIMD8<Double>(block.lowHalf) + SIMD8<Double>(block.highHalf)).sum()
                if cumulative + blockSum > u { break }
                cumulative += blockSum
                i += 16
            }
            var last: Int? = nil
            while i < n {
                if w[i] > 0 {
                    cumulative += Double(w[i])
                    last = i
                    if u < cumulative { return i }
                }
                i += 1
            }
            // Rounding left u at or above the final sum: the last possible token.
            if last == nil { last = (0..<n).last { w[$0] > 0 } }
            return last
        }
    }
}
