import GPT2Privacy

/// The knobs of one generation request: how many tokens, how to sample them, and when to stop.
///
/// A plain value that enters at the edge (CLI flags, an HTTP request body) and travels unchanged to
/// the ``SamplerChain`` and the generator. Check it once with ``validate(vocabularySize:)``; the
/// samplers assume valid values.
///
/// Semantics follow the reference implementations users know: `repetitionPenalty` is Hugging Face's
/// `RepetitionPenaltyLogitsProcessor`, `presencePenalty` / `frequencyPenalty` / `logitBias` /
/// `stop` are OpenAI's, and `temperature` / `topK` / `topP` / `minP` are Hugging Face's warpers,
/// applied in that order.
///
/// Decoding is tolerant: fields that are missing from the encoded form take their defaults, so a
/// JSON body of `{"temperature": 0}` is a complete request.
public struct GenerateParameters: Sendable, Codable, Equatable {
    /// The most tokens to generate (0 generates nothing). The context window may end a generation
    /// sooner; either way the finish reason is ``FinishReason/length``.
    public var maxTokens: Int = 64

    /// End-of-text and stop strings cannot end a generation before this many tokens, so a
    /// generation is never empty unless asked for with `minTokens == 0`. Must be `<= maxTokens`.
    public var minTokens: Int = 1

    /// Softmax temperature (logits are divided by it); `0` means greedy decoding (argmax, lowest
    /// token id on ties), which ignores `topK`, `topP`, `minP` and `seed`.
    public var temperature: Float = 1.0

    /// Keep only the tokens whose logit is at least the k-th largest (ties at the boundary are all
    /// kept, as Hugging Face does); `0` turns it off.
    public var topK: Int = 0

    /// Nucleus sampling: keep the smallest set of most probable tokens whose probability mass
    /// reaches `topP`, in `(0, 1]`; `1` turns it off.
    public var topP: Float = 1.0

    /// Keep only tokens whose probability is at least `minP` times the top token's, in `[0, 1]`;
    /// `0` turns it off.
    public var minP: Float = 0

    /// Hugging Face repetition penalty over prompt and generated tokens, each distinct token once:
    /// a positive logit is divided by it, a negative one multiplied. Must be `> 0`; `1` is off.
    public var repetitionPenalty: Float = 1

    /// OpenAI presence penalty in `[-2, 2]`: subtracted once from the logit of every token that
    /// occurs in the generated tokens.
    public var presencePenalty: Float = 0

    /// OpenAI frequency penalty in `[-2, 2]`: subtracted from a token's logit once per occurrence
    /// in the generated tokens.
    public var frequencyPenalty: Float = 0

    /// Added to the logit of the token id. `-Float.infinity` bans a token; finite values are
    /// otherwise unrestricted (OpenAI uses `[-100, 100]`, where -100 bans in practice).
    public var logitBias: [Int: Float] = [:]

    /// Seed of the ``Xoshiro256StarStar`` generator: the same seed, parameters, model and prompt
    /// give the same text. `nil` asks the edge to choose a random seed (and report it).
    public var seed: UInt64? = nil

    /// Stop strings (OpenAI semantics): the generation ends at the first occurrence of any of them;
    /// the text before it is returned, the stop string itself is not. At most
    /// ``maximumStopCount`` non-empty strings of at most ``maximumStopLength`` UTF-8 bytes.
    public var stop: [String] = []

    /// Never sample end-of-text: the generation runs until `maxTokens`, a stop string or the
    /// context limit.
    public var ignoreEOS: Bool = false

    /// Refuse tokens that would complete a run of this many tokens copied from the training text
    /// (the model's verbatim index); `nil` or `0` leaves it to the server's or command's default.
    /// A request can only shorten the default.
    public var blockVerbatim: Int? = nil

    /// The output filter for personal details; `nil` leaves it to the default. A request can only
    /// make it stricter.
    public var outputFilter: OutputFilterMode? = nil

    /// The most stop strings a request may carry.
    public static let maximumStopCount = 16

    /// The longest stop string, in UTF-8 bytes; it bounds how much text the stream holds back.
    public static let maximumStopLength = 256

    /// Creates parameters; every argument has the default documented on its property.
    public init(
        maxTokens: Int = 64,
        minTokens: Int = 1,
        temperature: Float = 1.0,
        topK: Int = 0,
        topP: Float = 1.0,
        minP: Float = 0,
        repetitionPenalty: Float = 1,
        presencePenalty: Float = 0,
        frequencyPenalty: Float = 0,
        logitBias: [Int: Float] = [:],
        seed: UInt64? = nil,
        stop: [String] = [],
        ignoreEOS: Bool = false,
        blockVerbatim: Int? = nil,
        outputFilter: OutputFilterMode? = nil
    ) {
        self.maxTokens = maxTokens
        self.minTokens = minTokens
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.logitBias = logitBias
        self.seed = seed
        self.stop = stop
        self.ignoreEOS = ignoreEOS
        self.blockVerbatim = blockVerbatim
        self.outputFilter = outputFilter
    }

    /// Whether sampling is greedy (argmax) rather than random.
    public var isGreedy: Bool { temperature == 0 }

    private enum CodingKeys: String, CodingKey {
        case maxTokens, minTokens, temperature, topK, topP, minP, repetitionPenalty
        case presencePenalty, frequencyPenalty, logitBias, seed, stop, ignoreEOS, blockVerbatim, outputFilter
    }

    /// Decodes parameters; a missing key takes its default value.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GenerateParameters()
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? d.maxTokens
        minTokens = try c.decodeIfPresent(Int.self, forKey: .minTokens) ?? d.minTokens
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature) ?? d.temperature
        topK = try c.decodeIfPresent(Int.self, forKey: .topK) ?? d.topK
        topP = try c.decodeIfPresent(Float.self, forKey: .topP) ?? d.topP
        minP = try c.decodeIfPresent(Float.self, forKey: .minP) ?? d.minP
        repetitionPenalty = try c.decodeIfPresent(Float.self, forKey: .repetitionPenalty) ?? d.repetitionPenalty
        presencePenalty = try c.decodeIfPresent(Float.self, forKey: .presencePenalty) ?? d.presencePenalty
        frequencyPenalty = try c.decodeIfPresent(Float.self, forKey: .frequencyPenalty) ?? d.frequencyPenalty
        logitBias = try c.decodeIfPresent([Int: Float].self, forKey: .logitBias) ?? d.logitBias
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        stop = try c.decodeIfPresent([String].self, forKey: .stop) ?? d.stop
        ignoreEOS = try c.decodeIfPresent(Bool.self, forKey: .ignoreEOS) ?? d.ignoreEOS
        blockVerbatim = try c.decodeIfPresent(Int.self, forKey: .blockVerbatim)
        outputFilter = try c.decodeIfPresent(OutputFilterMode.self, forKey: .outputFilter)
    }
}
