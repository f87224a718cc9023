/// One transformer block's parameters. Linear weights are stored [in, out] (HF Conv1D layout).
public struct GPT2LayerWeights: Sendable {
    public let ln1Weight, ln1Bias: FloatTensor          // [C]
    public let attentionWeight: FloatTensor             // [C, 3C]: q | k | v
    public let attentionBias: FloatTensor               // [3C]
    public let attentionProjectionWeight: FloatTensor   // [C, C]
    public let attentionProjectionBias: FloatTensor     // [C]
    public let ln2Weight, ln2Bias: FloatTensor          // [C]
    public let mlpWeight: FloatTensor                   // [C, F]
    public let mlpBias: FloatTensor                     // [F]
    public let mlpProjectionWeight: FloatTensor         // [F, C]
    public let mlpProjectionBias: FloatTensor           // [C]
}

/// All parameters of a GPT-2 model, immutable and shared by every request.
public struct GPT2Weights: Sendable {
    public let tokenEmbedding: FloatTensor      // wte [V, C]
    public let positionEmbedding: FloatTensor   // wpe [P, C]
    public let layers: [GPT2LayerWeights]
    public let finalNormWeight, finalNormBias: FloatTensor  // ln_f [C]
    /// [V, C]; the same tensor as `tokenEmbedding` when the head is tied.
    public let lmHead: FloatTensor
    public let lmHeadIsTied: Bool

    /// Builds the weights from a lookup that returns the tensor of a parameter name of
    /// `ParameterLayout` (without prefix) with the given shape, and an optional untied LM head.
    public init(config: GPT2Config, lmHead untiedHead: FloatTensor? = nil,
                tensor: (_ name: String, _ shape: [Int]) throws -> FloatTensor) throws {
        let c = config.embeddingSize, f = config.innerSize
        tokenEmbedding = try tensor("wte.weight", [config.vocabSize, c])
        positionEmbedding = try tensor("wpe.weight", [config.contextLength, c])
        layers = try (0..<config.layerCount).map { i in
            let p = "h.\(i)."
            return GPT2LayerWeights(
                ln1Weight: try tensor(p + "ln_1.weight", [c]), ln1Bias: try tensor(p + "ln_1.bias", [c]),
                attentionWeight: try tensor(p + "attn.c_attn.weight", [c, 3 * c]),
                attentionBias: try tensor(p + "attn.c_attn.bias", [3 * c]),
                attentionProjectionWeight: try tensor(p + "attn.c_proj.weight", [c, c]),
                attentionProjectionBias: try tensor(p + "attn.c_proj.bias", [c]),
                ln2Weight: try tensor(p + "ln_2.weight", [c]), ln2Bias: try tensor(p + "ln_2.bias", [c]),
                mlpWeight: try tensor(p + "mlp.c_fc.weight", [c, f]),
                mlpBias: try tensor(p + "mlp.c_fc.bias", [f]),
                mlpProjectionWeight: try tensor(p + "mlp.c_proj.weight", [f, c]),
                mlpProjectionBias: try tensor(p + "mlp.c_proj.bias", [c])
            )
        }
        finalNormWeight = try tensor("ln_f.weight", [c])
        finalNormBias = try tensor("ln_f.bias", [c])
        lmHead = untiedHead ?? tokenEmbedding
        lmHeadIsTied = untiedHead == nil
    }
}

extension GPT2Weights {
    /// Bytes of weights a forward pass streams (fp32 in memory), counting a tied head once.
    public var byteCount: Int {
        var tensors = [tokenEmbedding, positionEmbedding, finalNormWeight, finalNormBias]
        for l in layers {
            tensors += [l.ln1Weight, l.ln1Bias, l.attentionWeight, l.attentionBias, l.attentionProjectionWeight,
                        l.attentionProjectionBias, l.ln2Weight, l.ln2Bias, l.mlpWeight, l.mlpBias,
                        l.mlpProjectionWeight, l.mlpProjectionBias]
        }
        if !lmHeadIsTied { tensors.append(lmHead) }
        return tensors.reduce(0) { $0 + $1.elementCount * MemoryLayout<Float>.stride }
    }
}
