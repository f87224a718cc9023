import ArgumentParser
import GPT2Generation

/// The sampling knobs of `gpt2 generate`, mapped onto `GenerateParameters`.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Most tokens to generate.")
    var maxTokens: Int = 64

    @Option(help: "Fewest tokens before <|endoftext|> or a stop string may end the text (0 allows an empty result).")
    var minTokens: Int = 1

    @Option(help: "Sampling temperature; 0 picks the most likely token every time (greedy).")
    var temperature: Float = 1.0

    @Option(help: "Sample only from the K most likely tokens (0: off).")
    var topK: Int = 0

    @Option(help: "Sample only from the smallest set of tokens whose probability reaches P (1: off).")
    var topP: Float = 1.0

    @Option(help: "Drop tokens less likely than P times the most likely one (0: off).")
    var minP: Float = 0

    @Option(help: "Penalty for tokens already in the prompt or output (1: off; Hugging Face semantics).")
    var repetitionPenalty: Float = 1

    @Option(help: "Subtracted from the logit of every token already generated (-2...2).")
    var presencePenalty: Float = 0

    @Option(help: "Subtracted once per earlier occurrence of a token in the output (-2...2).")
    var frequencyPenalty: Float = 0

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("Add BIAS to the logit of token ID (repeatable).", valueName: "ID=BIAS"))
    var logitBias: [String] = []

    @Option(name: .long, parsing: .singleValue, help: "End the text before this string (repeatable).")
    var stop: [String] = []

    @Option(help: "Random seed: the same seed gives the same text.")
    var seed: UInt64?

    @Flag(help: "Keep generating past <|endoftext|>.")
    var ignoreEOS = false

    func parameters(vocabularySize: Int) throws -> GenerateParameters {
        var bias: [Int: Float] = [:]
        for entry in logitBias {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let id = Int(parts[0]), let value = Float(parts[1]) else {
                throw ValidationError("--logit-bias takes ID=BIAS, such as 50256=-100; got \"\(entry)\".")
            }
            bias[id] = value
        }
        var p = GenerateParameters()
        p.maxTokens = maxTokens
        p.minTokens = minTokens
        p.temperature = temperature
        p.topK = topK
        p.topP = topP
        p.minP = minP
        p.repetitionPenalty = repetitionPenalty
        p.presencePenalty = presencePenalty
        p.frequencyPenalty = frequencyPenalty
        p.logitBias = bias
        p.stop = stop
        p.seed = seed
        p.ignoreEOS = ignoreEOS
        try p.validate(vocabularySize: vocabularySize)
        return p
    }
}
