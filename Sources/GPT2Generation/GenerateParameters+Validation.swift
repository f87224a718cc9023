extension GenerateParameters {
    /// Throws the first problem found by ``validationErrors(vocabularySize:)``.
    ///
    /// - Parameter vocabularySize: the model's vocabulary size (50257 for GPT-2); logit-bias token
    ///   ids must lie in `0..<vocabularySize`.
    public func validate(vocabularySize: Int) throws(GenerationError) {
        if let first = validationErrors(vocabularySize: vocabularySize).first { throw first }
    }

    /// Every problem with these parameters, one ``GenerationError`` per bad field, in declaration
    /// order; empty when the parameters are valid.
    public func validationErrors(vocabularySize: Int) -> [GenerationError] {
        var errors: [GenerationError] = []
        func bad(_ name: String, _ value: some CustomStringConvertible, _ expected: String) {
            errors.append(.invalidParameter(name: name, found: "\(value)", expected: expected))
        }

        if maxTokens < 0 { bad("maxTokens", maxTokens, "an integer >= 0") }
        if minTokens < 0 {
            bad("minTokens", minTokens, "an integer >= 0")
        } else if maxTokens >= 0 && minTokens > maxTokens {
            bad("minTokens", minTokens, "at most maxTokens (\(maxTokens))")
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
        if vocabularySize <= 0 {
            bad("vocabularySize", vocabularySize, "a positive integer")
        }
        for (id, bias) in logitBias.sorted(by: { $0.key < $1.key }) {
            if id < 0 || id >= vocabularySize {
                bad("logitBias", "a bias for token id \(id)", "keyed by token ids in 0..<\(vocabularySize)")
                break
            }
            if bias.isNaN || bias == .infinity {
                bad("logitBias", "\(bias) for token id \(id)", "finite or -infinity (a ban)")
                break
            }
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
}
