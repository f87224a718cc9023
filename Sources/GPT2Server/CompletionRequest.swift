import Foundation
import GPT2Generation
import GPT2Privacy
import GPT2Tokenizer

/// A `POST /v1/completions` request, read from OpenAI's fields and checked with messages that
/// name them. Prompts arrive as token ids; `n` sequences run per prompt.
public struct CompletionRequest: Sendable {
    /// Token ids of each prompt (a string, a list of strings, a list of ids or a list of lists).
    public var prompts: [[Int]]
    public var parameters: GenerateParameters
    /// Completions per prompt.
    public var n: Int
    public var stream: Bool
    /// `stream_options.include_usage`: a last chunk with `usage` and no choices.
    public var includeUsage: Bool
    /// Top alternatives per token (`logprobs`); `nil` when not asked for.
    public var logprobs: Int?
    /// Whether the prompt is returned before the completion (with its log-probs when asked).
    public var echo: Bool

    /// The fields this route reads; any other is refused.
    static let known: Set<String> = [
        "model", "prompt", "max_tokens", "min_tokens", "temperature", "top_p", "top_k", "min_p", "n", "stop", "stream",
        "stream_options", "logprobs", "echo", "seed", "presence_penalty", "frequency_penalty", "repetition_penalty",
        "logit_bias", "user", "ignore_eos", "best_of", "suffix", "block_verbatim", "output_filter",
    ]

    /// Reads and checks the request.
    public static func parse(_ fields: RequestFields, tokenizer: BPETokenizer, endOfTextID: Int,
                             configuration: ServerConfiguration) throws(APIError) -> CompletionRequest {
        try fields.rejectUnknown(known)
        let prompts = try readPrompts(fields, tokenizer: tokenizer, endOfTextID: endOfTextID)
        if let longest = prompts.map(\.count).max(), longest > configuration.maxPromptTokens {
            throw .invalid("The prompt has \(longest) tokens, more than this server's limit of \(configuration.maxPromptTokens).",
                           param: "prompt", code: "context_length_exceeded")
        }
        var p = try readParameters(fields, configuration: configuration)
        if let suffix = try fields.string("suffix"), !suffix.isEmpty {
            throw .invalid("The field `suffix` is not supported: GPT-2 cannot insert text.", param: "suffix")
        }
        let n = try fields.int("n") ?? 1
        guard (1...configuration.maxChoices).contains(n) else {
            throw .invalid("The field `n` must be an integer in 1...\(configuration.maxChoices), but got \(n).", param: "n")
        }
        if let bestOf = try fields.int("best_of"), bestOf != n {
            throw .invalid("The field `best_of` must equal `n` (\(n)) here, but got \(bestOf).", param: "best_of")
        }
        let logprobs = try fields.int("logprobs")
        if let logprobs, !(0...configuration.maxLogprobs).contains(logprobs) {
            throw .invalid("The field `logprobs` must be an integer in 0...\(configuration.maxLogprobs), but got \(logprobs).", param: "logprobs")
        }
        let stream = try fields.bool("stream") ?? false
        var includeUsage = false
        if let (_, options) = fields.first(["stream_options"]) {
            guard case let .object(object) = options else {
                throw fields.typeError("stream_options", options, "an object such as {\"include_usage\": true}")
            }
            let inner = RequestFields(object)
            try inner.rejectUnknown(["include_usage"])
            includeUsage = try inner.bool("include_usage") ?? false
        }
        p.seed = p.seed ?? UInt64.random(in: .min ... .max)
        return CompletionRequest(prompts: prompts, parameters: p, n: n, stream: stream, includeUsage: includeUsage,
                                 logprobs: logprobs, echo: try fields.bool("echo") ?? false)
    }

    /// The sampling fields shared by every generating route (OpenAI names, plus `top_k`,
    /// `min_p`, `repetition_penalty`, `min_tokens`, `ignore_eos`).
    static func readParameters(_ fields: RequestFields, configuration: ServerConfiguration) throws(APIError) -> GenerateParameters {
        var p = GenerateParameters()
        p.maxTokens = try fields.int("max_tokens") ?? configuration.defaultMaxTokens
        if p.maxTokens > configuration.maxOutputTokens {
            throw .invalid("The field `max_tokens` must be at most \(configuration.maxOutputTokens) on this server, but got \(p.maxTokens).", param: "max_tokens")
        }
        p.minTokens = try fields.int("min_tokens") ?? min(1, max(0, p.maxTokens))
        p.temperature = try fields.float("temperature") ?? 1
        p.topP = try fields.float("top_p") ?? 1
        p.topK = try fields.int("top_k") ?? 0
        p.minP = try fields.float("min_p") ?? 0
        p.presencePenalty = try fields.float("presence_penalty") ?? 0
        p.frequencyPenalty = try fields.float("frequency_penalty") ?? 0
        p.repetitionPenalty = try fields.float("repetition_penalty") ?? 1
        p.ignoreEOS = try fields.bool("ignore_eos") ?? false
        p.stop = try fields.strings("stop") ?? []
        if let limit = try fields.int("block_verbatim") {
            guard limit >= 0 else {
                throw .invalid("The field `block_verbatim` must be an integer >= 0 (0 keeps the server's setting), but got \(limit).", param: "block_verbatim")
            }
            p.blockVerbatim = limit
        }
        if let mode = try fields.string("output_filter") {
            guard let parsed = OutputFilterMode(rawValue: mode) else {
                throw .invalid("The field `output_filter` must be one of off, redact, reject, but got \"\(mode.prefix(40))\".", param: "output_filter")
            }
            p.outputFilter = parsed
        }
        if let seed = try fields.int("seed") {
            guard seed >= 0 else { throw .invalid("The field `seed` must be an integer >= 0, but got \(seed).", param: "seed") }
            p.seed = UInt64(seed)
        }
        if let (_, value) = fields.first(["logit_bias"]) {
            guard case let .object(entries) = value else {
                throw fields.typeError("logit_bias", value, "an object from token ids to biases, such as {\"50256\": -100}")
            }
            for (key, bias) in entries {
                guard let id = Int(key) else {
                    throw .invalid("The field `logit_bias` must be keyed by token ids, but has the key \"\(key.prefix(40))\".", param: "logit_bias")
                }
                guard case let .number(number) = bias else {
                    throw fields.typeError("logit_bias[\(key)]", bias, "a number")
                }
                // OpenAI's range; -100 bans a token in practice.
                guard (-100...100).contains(number) else {
                    throw .invalid("The field `logit_bias` must hold biases in [-100, 100], but token \(id) has \(number).", param: "logit_bias")
                }
                p.logitBias[id] = Float(number)
            }
        }
        do { try p.validate(vocabularySize: nil, naming: .json) } catch { throw APIError(error) }
        return p
    }

    /// `prompt` as token ids: a string, a list of strings, a list of ids, or a list of id lists.
    /// A missing or empty prompt starts from end-of-text.
    static func readPrompts(_ fields: RequestFields, tokenizer: BPETokenizer, endOfTextID: Int) throws(APIError) -> [[Int]] {
        func encode(_ text: String) -> [Int] {
            let ids = tokenizer.encode(text)
            return ids.isEmpty ? [endOfTextID] : ids
        }
        func ids(_ items: [JSONValue], _ name: String) throws(APIError) -> [Int] {
            var result: [Int] = []
            for (i, item) in items.enumerated() {
                guard case let .number(number) = item, let id = Int(exactly: number), id >= 0, id < tokenizer.vocabularySize else {
                    throw .invalid("The field `\(name)[\(i)]` must be a token id in 0..<\(tokenizer.vocabularySize), but got \(item.kind)\(RequestFields.preview(item)).", param: "prompt")
                }
                result.append(id)
            }
            return result.isEmpty ? [endOfTextID] : result
        }
        guard let (_, value) = fields.first(["prompt"]) else { return [[endOfTextID]] }
        switch value {
        case let .string(text):
            return [encode(text)]
        case let .array(items):
            guard let head = items.first else {
                throw .invalid("The field `prompt` is an empty list; give a string, a list of strings or a list of token ids.", param: "prompt")
            }
            switch head {
            case .number: return [try ids(items, "prompt")]
            case .string:
                var prompts: [[Int]] = []
                for (i, item) in items.enumerated() {
                    guard case let .string(text) = item else {
                        throw fields.typeError("prompt[\(i)]", item, "a string like the other prompts")
                    }
                    prompts.append(encode(text))
                }
                return prompts
            case .array:
                var prompts: [[Int]] = []
                for (i, item) in items.enumerated() {
                    guard case let .array(inner) = item else {
                        throw fields.typeError("prompt[\(i)]", item, "a list of token ids like the other prompts")
                    }
                    prompts.append(try ids(inner, "prompt[\(i)]"))
                }
                return prompts
            default:
                throw fields.typeError("prompt[0]", head, "a string, a token id or a list of token ids")
            }
        default:
            throw fields.typeError("prompt", value, "a string, a list of strings or a list of token ids")
        }
    }
}
