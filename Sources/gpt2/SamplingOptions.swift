import ArgumentParser
import GPT2Generation

/// The sampling knobs of `gpt2 generate`, mapped onto `GenerateParameters`.
///
/// Numeric options parse `.unconditional`ly, so a negative value such as `--top-k -3` reaches
/// validation (and gets a message naming the flag) instead of being taken for a flag.
struct SamplingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Most tokens to generate.")
    var maxTokens: Int = 64

    @Option(parsing: .unconditional, help: "Fewest tokens before <|endoftext|> or a stop string may end the text (default: 1, or 0 with --max-tokens 0).")
    var minTokens: Int?

    @Option(parsing: .unconditional, help: "Sampling temperature; 0 picks the most likely token every time (greedy).")
    var temperature: Float = 1.0

    @Option(parsing: .unconditional, help: "Sample only from the K most likely tokens (0: off).")
    var topK: Int = 0

    @Option(parsing: .unconditional, help: "Sample only from the smallest set of tokens whose probability reaches P (1: off).")
    var topP: Float = 1.0

    @Option(parsing: .unconditional, help: "Drop tokens less likely than P times the most likely one (0: off).")
    var minP: Float = 0

    @Option(parsing: .unconditional, help: "Penalty for tokens already in the prompt or output (1: off; Hugging Face semantics).")
    var repetitionPenalty: Float = 1

    @Option(parsing: .unconditional, help: "Subtracted from the logit of every token already generated (-2...2).")
    var presencePenalty: Float = 0

    @Option(parsing: .unconditional, help: "Subtracted once per earlier occurrence of a token in the output (-2...2).")
    var frequencyPenalty: Float = 0

    @Option(name: .long, parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Add BIAS to the logit of token ID; repeatable, or several as ID=BIAS,ID=BIAS.", valueName: "ID=BIAS"))
    var logitBias: [String] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: "End the text before this string (repeatable).")
    var stop: [String] = []

    @Option(parsing: .unconditional, help: "Random seed: the same seed gives the same text (default: a random seed, reported by --json).")
    var seed: UInt64?

    @Flag(help: "Keep generating past <|endoftext|>.")
    var ignoreEOS = false

    /// The parameters these flags ask for, checked for everything that does not need the model
    /// (logit-bias token ids are checked against the vocabulary by the generator).
    func parameters() throws -> GenerateParameters {
        var p = GenerateParameters()
        p.maxTokens = maxTokens
        p.minTokens = minTokens ?? min(1, max(0, maxTokens))
        p.temperature = temperature
        p.topK = topK
        p.topP = topP
        p.minP = minP
        p.repetitionPenalty = repetitionPenalty
        p.presencePenalty = presencePenalty
        p.frequencyPenalty = frequencyPenalty
        p.logitBias = try Self.parseLogitBias(logitBias)
        p.stop = stop
        p.seed = seed
        p.ignoreEOS = ignoreEOS
        try reportingErrors { try p.validate(vocabularySize: nil, naming: .commandLine) }
        return p
    }

    /// Parses `ID=BIAS` entries, each possibly a comma-separated list, in one linear pass; a
    /// later entry for the same id wins.
    static func parseLogitBias(_ entries: [String]) throws -> [Int: Float] {
        var bias: [Int: Float] = [:]
        for entry in entries {
            for item in entry.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = item.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let id = Int(parts[0]), let value = Float(parts[1]) else {
                    throw CommandFailure("--logit-bias takes ID=BIAS, such as 50256=-100; got \"\(item)\".")
                }
                bias[id] = value
            }
        }
        return bias
    }
}

extension SamplingOptions {
    /// `arguments` with every `--logit-bias VALUE` (or `--logit-bias=VALUE`) after the first
    /// merged into the first one's comma-separated value, so that a vocabulary's worth of biases
    /// costs one option to the argument parser, whose cost grows with the square of the options.
    /// Nothing after a `--` terminator is touched.
    static func coalescingLogitBias(_ arguments: [String]) -> [String] {
        let flag = "--logit-bias"
        var result: [String] = []
        result.reserveCapacity(arguments.count)
        var values: [Substring] = []
        var slot: Int? = nil   // index in `result` of the first occurrence's value
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            if argument == "--" {
                result.append(contentsOf: arguments[i...])
                break
            }
            var value: Substring? = nil
            if argument == flag, i + 1 < arguments.count {
                value = arguments[i + 1][...]
                i += 2
            } else if argument.hasPrefix(flag + "=") {
                value = argument.dropFirst(flag.count + 1)
                i += 1
            } else {
                result.append(argument)
                i += 1
            }
            if let value {
                if slot == nil {
                    result.append(flag)
                    result.append("")
                    slot = result.count - 1
                }
                values.append(value)
            }
        }
        if let slot { result[slot] = values.joined(separator: ",") }
        return result
    }
}

extension GPT2Command {
    /// Parses the command line after ``SamplingOptions/coalescingLogitBias(_:)`` and runs it.
    static func main() async {
        await main(SamplingOptions.coalescingLogitBias(Array(CommandLine.arguments.dropFirst())))
    }
}
