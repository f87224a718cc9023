/// The names and shapes of GPT-2's parameters, in Hugging Face's naming without the
/// `transformer.` prefix, in one canonical order (the order of our files and of the
/// contiguous parameter buffer).
public enum ParameterLayout {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        /// Residual-stream output projections, initialised with std / sqrt(2 * layers).
        public let isResidualProjection: Bool
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Every parameter of a model with a tied LM head (no separate `lm_head.weight`).
    public static func entries(for config: GPT2Config) -> [Entry] {
        let c = config.embeddingSize, f = config.innerSize
        var out: [Entry] = [
            Entry(name: "wte.weight", shape: [config.vocabSize, c], isResidualProjection: false),
            Entry(name: "wpe.weight", shape: [config.contextLength, c], isResidualProjection: false),
        ]
        for i in 0..<config.layerCount {
            let p = "h.\(i)."
            out += [
                Entry(name: p + "ln_1.weight", shape: [c], isResidualProjection: false),
                Entry(name: p + "ln_1.bias", shape: [c], isResidualProjection: false),
                Entry(name: p + "attn.c_attn.weight", shape: [c, 3 * c], isResidualProjection: false),
                Entry(name: p + "attn.c_attn.bias", shape: [3 * c], isResidualProjection: false),
                Entry(name: p + "attn.c_proj.weight", shape: [c, c], isResidualProjection: true),
                Entry(name: p + "attn.c_proj.bias", shape: [c], isResidualProjection: false),
                Entry(name: p + "ln_2.weight", shape: [c], isResidualProjection: false),
                Entry(name: p + "ln_2.bias", shape: [c], isResidualProjection: false),
                Entry(name: p + "mlp.c_fc.weight", shape: [c, f], isResidualProjection: false),
                Entry(name: p + "mlp.c_fc.bias", shape: [f], isResidualProjection: false),
                Entry(name: p + "mlp.c_proj.weight", shape: [f, c], isResidualProjection: true),
                Entry(name: p + "mlp.c_proj.bias", shape: [c], isResidualProjection: false),
            ]
        }
        out += [
            Entry(name: "ln_f.weight", shape: [c], isResidualProjection: false),
            Entry(name: "ln_f.bias", shape: [c], isResidualProjection: false),
        ]
        return out
    }
}
