extension GenerateParameters {
    /// Throws the first problem found by ``validationErrors(vocabularySize:naming:)``.
    ///
    /// - Parameters:
    ///   - vocabularySize: the model's vocabulary size (50257 for GPT-2); logit-bias token ids must
    ///     lie in `0..<vocabularySize`. `nil` skips the checks that need the model, so a caller can
    ///     refuse bad values before loading it.
    ///   - naming: how messages spell the fields (flags, JSON fields or Swift names).
    public func validate(vocabularySize: Int?, naming: ParameterNaming = .swift) throws(GenerationError) {
        if let first = validationErrors(vocabularySize: vocabularySize, naming: naming).first { throw first }
    }

    /// Every problem with these parameters, one ``GenerationError`` per bad field, in declaration
    /// order; empty when the parameters are valid.
    public func validationErrors(vocabularySize: Int?, naming: ParameterNaming = .swift) -> [GenerationError] {
        var errors: [GenerationError] = []
        func bad(_ property: String, _ value: some CustomStringConvertible, _ expected: String) {
            errors.append(.invalidParameter(name: naming.name(property), found: "\(value)", expected: expected))
        }

        if maxTokens < 0 { bad("maxTokens", maxTokens, "an integer >= 0") }
        if minTokens < 0 {
            bad("minTokens", minTokens, "an integer >= 0")
        } else if maxTokens >= 0 && minTokens > maxTokens {
            bad("minTokens", minTokens, "at most \(naming.name("maxTokens")) (\(maxTokens))")
        }
        if !(temperature.isFinite && temperature >= 0) {
            bad("temperature", temperature, "a finite number >= 0 (0 means greedy)")
        }
        if topK < 0 { bad("topK", topK, "an integer >= 0 (0 turns top-k off)") }
        if !(topP > 0 && topP <= 1) { bad("topP", topP, "a number in (0, 1] (1 turns top-p off)") }
        if !(minP >= 0 && minP <= 1) { bad("minP", minP, "a number in [0, 1] (0 turns min-p off)") }
        if !(repetitionPenalty.isFinite && repetitionPenalty > 0) {
            bad("repetitionPenalty", repetitionPenalty, "a finite number > 0 (1 turns it off)")
        }
        if !(presencePenalty >= -2 && presencePenalty <= 2) {
            bad("presencePenalty", presencePenalty, "a number in [-2, 2]")
        }
        if !(frequencyPenalty >= -2 && frequencyPenalty <= 2) {
            bad("frequencyPenalty", frequencyPenalty, "a number in [-2, 2]")
        }
        if let vocabularySize, vocabularySize <= 0 {
            errors.append(.invalidParameter(name: "vocabularySize", found: "\(vocabularySize)", expected: "a positive integer"))
        }
        // One pass in id order finds the first bad entry of each kind without sorting twice.
        var badID: Int? = nil
        var badBias: (id: Int, bias: Float)? = nil
        for (id, bias) in logitBias {
            if id < 0 || (vocabularySize.map { id >= $0 } ?? false) { badID = min(badID ?? id, id) }
            if bias.isNaN || bias == .infinity, badBias.map({ id < $0.id }) ?? true { badBias = (id, bias) }
        }
        if let id = badID {
            bad("logitBias", "a bias for token id \(id)",
                vocabularySize.map { "keyed by token ids in 0..<\($0)" } ?? "keyed by token ids >= 0")
        } else if let entry = badBias {
            bad("logitBias", "\(entry.bias) for token id \(entry.id)", "finite or -infinity (a ban)")
        }
        if stop.count > Self.maximumStopCount {
            bad("stop", "a list of \(stop.count) strings", "at most \(Self.maximumStopCount) strings")
        }
        if let index = stop.firstIndex(where: \.isEmpty) {
            bad("stop", "an empty string at index \(index)", "a list of non-empty strings")
        } else if let index = stop.firstIndex(where: { $0.utf8.count > Self.maximumStopLength }) {
            bad("stop", "a string of \(stop[index].utf8.count) bytes at index \(index)",
                "a list of strings of at most \(Self.maximumStopLength) UTF-8 bytes each")
        }
        return errors
    }

    /// These parameters with a seed: the given one, or a fresh random one when `seed` is `nil`,
    /// so that the caller can report it and a run can be repeated.
    public func withChosenSeed() -> GenerateParameters {
        var copy = self
        if copy.seed == nil { copy.seed = UInt64.random(in: .min ... .max) }
        return copy
    }
}
