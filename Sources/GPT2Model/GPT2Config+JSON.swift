import Foundation

extension GPT2Config {
    /// Reads a Hugging Face `config.json` (`n_ctx` is accepted for `n_positions`).
    public static func load(from url: URL) throws -> GPT2Config {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConfigError.unreadable(url, reason: "the file cannot be read (\(error.localizedDescription))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let json = object as? [String: Any] else {
            throw ConfigError.unreadable(url, reason: "it is not a JSON object")
        }
        func int(_ key: String) throws -> Int? {
            guard let value = json[key], !(value is NSNull) else { return nil }
            if let n = value as? Int { return n }
            if let d = value as? Double, d == d.rounded() {
                // `Int(d)` traps beyond 2^63: a number that large is refused with a sentence.
                guard let n = Int(exactly: d) else {
                    throw ConfigError.invalidField(url, field: key, expected: "an integer below 2^63, found \(value)")
                }
                return n
            }
            throw ConfigError.invalidField(url, field: key, expected: "an integer")
        }
        func float(_ key: String) throws -> Float? {
            guard let value = json[key], !(value is NSNull) else { return nil }
            if let d = value as? Double { return Float(d) }
            if let n = value as? Int { return Float(n) }
            throw ConfigError.invalidField(url, field: key, expected: "a number")
        }
        if let type = json["model_type"] as? String, type != "gpt2" {
            throw ConfigError.unsupported(url, field: "model_type", reason: "only \"gpt2\" models are supported, this is \"\(type)\"")
        }
        for flag in ["scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"] {
            if let on = json[flag] as? Bool, on {
                throw ConfigError.unsupported(url, field: flag, reason: "GPT-2 checkpoints leave it false")
            }
        }
        if let on = json["scale_attn_weights"] as? Bool, !on {
            throw ConfigError.unsupported(url, field: "scale_attn_weights", reason: "GPT-2 scales attention by 1/sqrt(head size)")
        }
        guard let embd = try int("n_embd") else { throw ConfigError.invalidField(url, field: "n_embd", expected: "an integer") }
        guard let layers = try int("n_layer") else { throw ConfigError.invalidField(url, field: "n_layer", expected: "an integer") }
        guard let heads = try int("n_head") else { throw ConfigError.invalidField(url, field: "n_head", expected: "an integer") }
        guard let positions = try int("n_positions") ?? int("n_ctx") else {
            throw ConfigError.invalidField(url, field: "n_positions", expected: "an integer")
        }
        let activation: String
        if let value = json["activation_function"] {
            guard let name = value as? String else { throw ConfigError.invalidField(url, field: "activation_function", expected: "a string") }
            activation = name
        } else {
            activation = "gelu_new"
        }
        let config = GPT2Config(
            vocabSize: try int("vocab_size") ?? 50257,
            contextLength: positions,
            embeddingSize: embd,
            layerCount: layers,
            headCount: heads,
            innerSize: try int("n_inner"),
            layerNormEpsilon: try float("layer_norm_epsilon") ?? 1e-5,
            activationFunction: activation,
            endOfTextID: try int("eos_token_id") ?? 50256,
            initializerRange: try float("initializer_range") ?? 0.02
        )
        try config.validate(source: url)
        return config
    }

    /// The `config.json` Hugging Face transformers writes for a GPT2LMHeadModel.
    public func jsonData() throws -> Data {
        let json: [String: Any] = [
            "architectures": ["GPT2LMHeadModel"],
            "model_type": "gpt2",
            "activation_function": activationFunction,
            "attn_pdrop": 0.1, "embd_pdrop": 0.1, "resid_pdrop": 0.1,
            "bos_token_id": endOfTextID,
            "eos_token_id": endOfTextID,
            "initializer_range": Double(initializerRange),
            "layer_norm_epsilon": Double(layerNormEpsilon),
            "n_ctx": contextLength,
            "n_embd": embeddingSize,
            "n_head": headCount,
            "n_inner": innerSize == 4 * embeddingSize ? NSNull() : innerSize as Any,
            "n_layer": layerCount,
            "n_positions": contextLength,
            "scale_attn_weights": true,
            "tie_word_embeddings": true,
            "use_cache": true,
            "vocab_size": vocabSize,
        ]
        return try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
    }
}
