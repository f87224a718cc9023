extension GPT2Config {
    /// Names accepted by `preset(named:)`, smallest first.
    public static let presetNames = ["tiny", "distilgpt2", "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"]

    /// The shapes of OpenAI's and Hugging Face's released GPT-2 models, plus `tiny` for tests.
    public static func preset(named name: String) throws -> GPT2Config {
        switch name {
        case "tiny": return GPT2Config(contextLength: 128, embeddingSize: 64, layerCount: 2, headCount: 4)
        case "distilgpt2": return GPT2Config(embeddingSize: 768, layerCount: 6, headCount: 12)
        case "gpt2": return GPT2Config(embeddingSize: 768, layerCount: 12, headCount: 12)
        case "gpt2-medium": return GPT2Config(embeddingSize: 1024, layerCount: 24, headCount: 16)
        case "gpt2-large": return GPT2Config(embeddingSize: 1280, layerCount: 36, headCount: 20)
        case "gpt2-xl": return GPT2Config(embeddingSize: 1600, layerCount: 48, headCount: 25)
        default: throw ConfigError.unknownPreset(name)
        }
    }
}
