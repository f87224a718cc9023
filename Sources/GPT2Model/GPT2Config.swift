import Foundation

/// The hyper-parameters of a GPT-2 model, read from and written to Hugging Face's `config.json`.
public struct GPT2Config: Sendable, Equatable {
    /// Number of token ids (50257 for OpenAI's GPT-2).
    public var vocabSize: Int
    /// Longest sequence the position embedding covers (`n_positions`, 1024 for GPT-2).
    public var contextLength: Int
    /// Width of the residual stream (`n_embd`).
    public var embeddingSize: Int
    /// Number of transformer blocks (`n_layer`).
    public var layerCount: Int
    /// Number of attention heads (`n_head`); `embeddingSize` must be a multiple of it.
    public var headCount: Int
    /// Width of the MLP's hidden layer (`n_inner`, default 4 x `embeddingSize`).
    public var innerSize: Int
    /// LayerNorm epsilon (`layer_norm_epsilon`).
    public var layerNormEpsilon: Float
    /// `activation_function`; only GPT-2's tanh GELU forms are supported.
    public var activationFunction: String
    /// Id of `<|endoftext|>`.
    public var endOfTextID: Int
    /// Std of GPT-2's normal initialisation (`initializer_range`).
    public var initializerRange: Float

    public init(vocabSize: Int = 50257, contextLength: Int = 1024, embeddingSize: Int = 768,
                layerCount: Int = 12, headCount: Int = 12, innerSize: Int? = nil,
                layerNormEpsilon: Float = 1e-5, activationFunction: String = "gelu_new",
                endOfTextID: Int = 50256, initializerRange: Float = 0.02) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.embeddingSize = embeddingSize
        self.layerCount = layerCount
        self.headCount = headCount
        // Saturates instead of trapping: `validate()` then refuses the size with a sentence.
        self.innerSize = innerSize ?? Self.saturatingProduct(4, embeddingSize)
        self.layerNormEpsilon = layerNormEpsilon
        self.activationFunction = activationFunction
        self.endOfTextID = endOfTextID
        self.initializerRange = initializerRange
    }

    /// Width of one attention head.
    public var headDim: Int { embeddingSize / headCount }

    /// Number of parameters, counting a tied LM head once. Only for a configuration that
    /// `validate()` accepted (it traps on overflow); see `checkedParameterCount`.
    public var parameterCount: Int { checkedParameterCount! }

    /// The activation names that mean GPT-2's tanh approximation of GELU.
    static let tanhGELUNames: Set<String> = ["gelu_new", "gelu_pytorch_tanh", "gelu_fast"]

    /// Checks that the numbers describe a model this engine can run.
    public func validate(source: URL? = nil) throws {
        func fail(_ field: String, _ expected: String) -> ConfigError {
            ConfigError.invalidField(source, field: field, expected: expected)
        }
        guard vocabSize > 0 else { throw fail("vocab_size", "a positive number") }
        guard contextLength > 0 else { throw fail("n_positions", "a positive number") }
        guard embeddingSize > 0 else { throw fail("n_embd", "a positive number") }
        guard layerCount > 0 else { throw fail("n_layer", "a positive number") }
        guard headCount > 0, embeddingSize % headCount == 0 else {
            throw fail("n_head", "a positive divisor of n_embd (\(embeddingSize))")
        }
        guard innerSize > 0 else { throw fail("n_inner", "a positive number") }
        guard layerNormEpsilon > 0, layerNormEpsilon.isFinite else { throw fail("layer_norm_epsilon", "a positive number") }
        guard Self.tanhGELUNames.contains(activationFunction) else {
            throw fail("activation_function", "one of \(Self.tanhGELUNames.sorted().joined(separator: ", ")) (GPT-2's tanh GELU), not \"\(activationFunction)\"")
        }
        guard endOfTextID >= 0, endOfTextID < vocabSize else { throw fail("eos_token_id", "an id below vocab_size (\(vocabSize))") }
        try validateSizes(source: source)
    }
}

/// A `config.json` that cannot be used.
public enum ConfigError: Error, LocalizedError, Equatable {
    case unreadable(URL, reason: String)
    case invalidField(URL?, field: String, expected: String)
    case unsupported(URL, field: String, reason: String)
    case unknownPreset(String)
    /// The sizes multiply to more than a 64-bit count holds; `reason` names the product.
    case tooLarge(URL?, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadable(url, reason):
            return "\(url.path) is not a readable GPT-2 config.json: \(reason)."
        case let .invalidField(url, field, expected):
            return "\(url?.path ?? "The model configuration") has an invalid \"\(field)\": expected \(expected)."
        case let .unsupported(url, field, reason):
            return "\(url.path) asks for \"\(field)\", which this engine does not support: \(reason)."
        case let .tooLarge(url, reason):
            return "\(url?.path ?? "The model configuration") describes a model too large for any machine: \(reason)."
        case let .unknownPreset(name):
            return "Unknown preset \"\(name)\": expected one of \(GPT2Config.presetNames.joined(separator: ", "))."
        }
    }
}
