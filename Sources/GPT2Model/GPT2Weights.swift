import GPT2Kernels

/// One transformer block's parameters. Linear weights multiply as y = x · W (HF Conv1D
/// semantics: `inputs` = the layer's input width), in whatever format the file stores.
public struct GPT2LayerWeights: Sendable {
    public let ln1Weight, ln1Bias: FloatTensor          // [C]
    public let attention: WeightMatrix                  // C -> 3C: q | k | v
    public let attentionBias: FloatTensor               // [3C]
    public let attentionProjection: WeightMatrix        // C -> C
    public let attentionProjectionBias: FloatTensor     // [C]
    public let ln2Weight, ln2Bias: FloatTensor          // [C]
    public let mlp: WeightMatrix                        // C -> F
    public let mlpBias: FloatTensor                     // [F]
    public let mlpProjection: WeightMatrix              // F -> C
    public let mlpProjectionBias: FloatTensor           // [C]

    /// The linear weights with their `ParameterLayout` names (after "h.N.").
    public var matrices: [(name: String, weight: WeightMatrix)] {
        [("attn.c_attn.weight", attention), ("attn.c_proj.weight", attentionProjection),
         ("mlp.c_fc.weight", mlp), ("mlp.c_proj.weight", mlpProjection)]
    }
}

/// All parameters of a GPT-2 model, immutable and shared by every request.
public struct GPT2Weights: Sendable {
    /// wte: [V, C] rows looked up per token (f32, f16 or bf16); output-major, C -> V.
    public let tokenEmbedding: WeightMatrix
    public let positionEmbedding: FloatTensor   // wpe [P, C]
    public let layers: [GPT2LayerWeights]
    public let finalNormWeight, finalNormBias: FloatTensor  // ln_f [C]
    /// C -> V; the same matrix as `tokenEmbedding` when the head is tied.
    public let lmHead: WeightMatrix
    public let lmHeadIsTied: Bool

    /// Where parameters come from, by `ParameterLayout` name (without prefix).
    public struct Source {
        /// A vector or small table: the name and its shape.
        public var vector: (_ name: String, _ shape: [Int]) throws -> FloatTensor
        /// A linear weight: the name, inputs (k), outputs (n), and the layout of an fp32 file.
        public var matrix: (_ name: String, _ inputs: Int, _ outputs: Int, _ layout: WeightMatrix.Layout) throws -> WeightMatrix
        /// An untied LM head, if the file has one.
        public var untiedHead: WeightMatrix?

        public init(vector: @escaping (String, [Int]) throws -> FloatTensor,
                    matrix: @escaping (String, Int, Int, WeightMatrix.Layout) throws -> WeightMatrix,
                    untiedHead: WeightMatrix? = nil) {
            self.vector = vector
            self.matrix = matrix
            self.untiedHead = untiedHead
        }
    }

    public init(config: GPT2Config, source: Source) throws {
        let c = config.embeddingSize, f = config.innerSize
        let vector = source.vector, matrix = source.matrix
        tokenEmbedding = try matrix("wte.weight", c, config.vocabSize, .outputMajor)
        guard tokenEmbedding.format == .f32 || tokenEmbedding.format == .f16 || tokenEmbedding.format == .bf16 else {
            throw ConfigError.invalidField(nil, field: "wte.weight", expected: "an f32, f16 or bf16 embedding table (found \(tokenEmbedding.format))")
        }
        positionEmbedding = try vector("wpe.weight", [config.contextLength, c])
        layers = try (0..<config.layerCount).map { i in
            let p = "h.\(i)."
            return GPT2LayerWeights(
                ln1Weight: try vector(p + "ln_1.weight", [c]), ln1Bias: try vector(p + "ln_1.bias", [c]),
                attention: try matrix(p + "attn.c_attn.weight", c, 3 * c, .inputMajor),
                attentionBias: try vector(p + "attn.c_attn.bias", [3 * c]),
                attentionProjection: try matrix(p + "attn.c_proj.weight", c, c, .inputMajor),
                attentionProjectionBias: try vector(p + "attn.c_proj.bias", [c]),
                ln2Weight: try vector(p + "ln_2.weight", [c]), ln2Bias: try vector(p + "ln_2.bias", [c]),
                mlp: try matrix(p + "mlp.c_fc.weight", c, f, .inputMajor),
                mlpBias: try vector(p + "mlp.c_fc.bias", [f]),
                mlpProjection: try matrix(p + "mlp.c_proj.weight", f, c, .inputMajor),
                mlpProjectionBias: try vector(p + "mlp.c_proj.bias", [c])
            )
        }
        finalNormWeight = try vector("ln_f.weight", [c])
        finalNormBias = try vector("ln_f.bias", [c])
        lmHead = source.untiedHead ?? tokenEmbedding
        lmHeadIsTied = source.untiedHead == nil
    }

    /// Every vector parameter with its `ParameterLayout` name.
    public var vectors: [(name: String, tensor: FloatTensor)] {
        var out: [(String, FloatTensor)] = [("wpe.weight", positionEmbedding)]
        for (i, l) in layers.enumerated() {
            let p = "h.\(i)."
            out += [(p + "ln_1.weight", l.ln1Weight), (p + "ln_1.bias", l.ln1Bias),
                    (p + "attn.c_attn.bias", l.attentionBias), (p + "attn.c_proj.bias", l.attentionProjectionBias),
                    (p + "ln_2.weight", l.ln2Weight), (p + "ln_2.bias", l.ln2Bias),
                    (p + "mlp.c_fc.bias", l.mlpBias), (p + "mlp.c_proj.bias", l.mlpProjectionBias)]
        }
        out += [("ln_f.weight", finalNormWeight), ("ln_f.bias", finalNormBias)]
        return out
    }

    /// Every linear weight with its `ParameterLayout` name, wte first; an untied head is not listed.
    public var matrices: [(name: String, weight: WeightMatrix)] {
        var out: [(String, WeightMatrix)] = [("wte.weight", tokenEmbedding)]
        for (i, l) in layers.enumerated() {
            out += l.matrices.map { ("h.\(i)." + $0.name, $0.weight) }
        }
        return out
    }

    /// Bytes a decode step streams: every linear weight and the LM head (the embedding rows
    /// it looks up are few), counting a tied head once.
    public var byteCount: Int {
        var total = lmHead.byteCount
        for l in layers { total += l.matrices.reduce(0) { $0 + $1.weight.byteCount } }
        total += vectors.dropFirst().reduce(0) { $0 + $1.tensor.elementCount * 4 }   // all but wpe
        return total
    }
}
