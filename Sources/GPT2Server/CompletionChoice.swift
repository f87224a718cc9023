import GPT2Generation
import GPT2Tokenizer

/// One choice of a completion as it accumulates: the text, OpenAI's `logprobs` lists, and the
/// end. Used whole for a JSON answer and piece by piece for stream chunks.
struct CompletionChoice {
    let index: Int
    /// The prompt's token ids (echoed when asked for).
    let prompt: [Int]
    let tokenizer: BPETokenizer
    let wantsLogprobs: Bool
    var text = ""
    var tokens: [JSONValue] = []
    var tokenLogprobs: [JSONValue] = []
    var topLogprobs: [JSONValue] = []
    var textOffsets: [JSONValue] = []
    var finishReason: String?
    var promptTokens = 0
    var completionTokens = 0
    /// What the privacy guards did, when any was on.
    var privacy: PrivacyReport?
    /// Characters of text so far, for `text_offset`.
    private var offset = 0

    init(index: Int, prompt: [Int], tokenizer: BPETokenizer, wantsLogprobs: Bool) {
        self.index = index
        self.prompt = prompt
        self.tokenizer = tokenizer
        self.wantsLogprobs = wantsLogprobs
    }

    /// Adds the echoed prompt: its text and, when measured, its log-probabilities.
    mutating func addPrompt(_ ids: [Int], logprobs: [TokenLogprob?]?) {
        text += tokenizer.decode(ids)
        guard wantsLogprobs else { return }
        for (i, id) in ids.enumerated() {
            addToken(id, logprobs?[i], fallbackOffset: true)
        }
    }

    /// Adds one step's text and log-probabilities.
    mutating func add(_ step: GenerationStep) {
        text += step.text
        if wantsLogprobs, let id = step.tokenID { addToken(id, step.logprob, fallbackOffset: false) }
    }

    private mutating func addToken(_ id: Int, _ measured: TokenLogprob?, fallbackOffset: Bool) {
        let piece = tokenizer.decode([id])
        tokens.append(.string(piece))
        textOffsets.append(.number(Double(offset)))
        offset += piece.count
        tokenLogprobs.append(measured.map { Self.logprobJSON($0.logprob) } ?? .null)
        if let measured {
            var top: [String: JSONValue] = [:]
            for entry in measured.top {
                let key = tokenizer.decode([entry.tokenID])
                if top[key] == nil { top[key] = Self.logprobJSON(entry.logprob) }
            }
            topLogprobs.append(.object(top))
        } else {
            topLogprobs.append(.null)
        }
    }

    /// A log-probability as JSON: -9999 stands for an impossible token (-infinity has no JSON
    /// spelling), as OpenAI's API does.
    static func logprobJSON(_ value: Double) -> JSONValue {
        .number(value.isFinite ? value : -9999)
    }

    /// OpenAI's `logprobs` object, or null when not asked for.
    var logprobsJSON: JSONValue {
        guard wantsLogprobs else { return .null }
        return .object(["tokens": .array(tokens), "token_logprobs": .array(tokenLogprobs),
                        "top_logprobs": .array(topLogprobs), "text_offset": .array(textOffsets)])
    }

    /// The choice as it appears in a JSON answer.
    var json: JSONValue {
        var fields: [String: JSONValue] = ["index": .number(Double(index)), "text": .string(text), "logprobs": logprobsJSON,
                                           "finish_reason": finishReason.map(JSONValue.string) ?? .null]
        if let privacy, finishReason != nil { fields["privacy"] = privacy.json }
        return .object(fields)
    }

    /// Forgets what was sent in a stream chunk, so the next chunk carries only the new part.
    mutating func clearSent() {
        text = ""
        tokens.removeAll()
        tokenLogprobs.removeAll()
        topLogprobs.removeAll()
        textOffsets.removeAll()
    }
}
