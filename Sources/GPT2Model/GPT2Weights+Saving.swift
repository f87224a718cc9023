import Foundation

extension GPT2Weights {
    /// Writes `config.json` and `model.safetensors` (fp32, names as Hugging Face's
    /// GPT2LMHeadModel saves them) into `directory`, creating it if needed. Each file is written
    /// to a temporary name and renamed, so a failure leaves no half-written file.
    public func save(config: GPT2Config, to directory: URL, metadata: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var writer = SafetensorsWriter()
        writer.metadata = metadata.merging(["format": "pt"]) { a, _ in a }
        for entry in ParameterLayout.entries(for: config) {
            let t = try tensor(named: entry.name, config: config)
            writer.add(name: CheckpointDirectory.tensorPrefix + entry.name, dtype: .f32, shape: t.shape,
                       bytes: UnsafeRawBufferPointer(start: t.pointer, count: t.elementCount * 4))
        }
        if !lmHeadIsTied {
            writer.add(name: "lm_head.weight", dtype: .f32, shape: lmHead.shape,
                       bytes: UnsafeRawBufferPointer(start: lmHead.pointer, count: lmHead.elementCount * 4))
        }
        try writer.write(to: directory.appendingPathComponent(CheckpointDirectory.singleFileName))
        try config.jsonData().write(to: directory.appendingPathComponent("config.json"), options: .atomic)
    }

    /// The tensor of a `ParameterLayout` name.
    public func tensor(named name: String, config: GPT2Config) throws -> FloatTensor {
        switch name {
        case "wte.weight": return tokenEmbedding
        case "wpe.weight": return positionEmbedding
        case "ln_f.weight": return finalNormWeight
        case "ln_f.bias": return finalNormBias
        default: break
        }
        let parts = name.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "h", let i = Int(parts[1]), i >= 0, i < layers.count else {
            throw ConfigError.invalidField(nil, field: name, expected: "a GPT-2 parameter name")
        }
        let l = layers[i]
        switch parts[2] {
        case "ln_1.weight": return l.ln1Weight
        case "ln_1.bias": return l.ln1Bias
        case "attn.c_attn.weight": return l.attentionWeight
        case "attn.c_attn.bias": return l.attentionBias
        case "attn.c_proj.weight": return l.attentionProjectionWeight
        case "attn.c_proj.bias": return l.attentionProjectionBias
        case "ln_2.weight": return l.ln2Weight
        case "ln_2.bias": return l.ln2Bias
        case "mlp.c_fc.weight": return l.mlpWeight
        case "mlp.c_fc.bias": return l.mlpBias
        case "mlp.c_proj.weight": return l.mlpProjectionWeight
        case "mlp.c_proj.bias": return l.mlpProjectionBias
        default: throw ConfigError.invalidField(nil, field: name, expected: "a GPT-2 parameter name")
        }
    }
}
