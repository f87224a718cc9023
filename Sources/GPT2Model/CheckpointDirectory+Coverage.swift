extension CheckpointDirectory {
    /// Transformer blocks the weights hold: the number of distinct N among the `h.N.` tensors
    /// (at most the number of tensors, however large an N a damaged file names).
    public var storedBlockCount: Int {
        var blocks = Set<Int>()
        for name in tensorNames {
            let bare = name.hasPrefix(Self.tensorPrefix) ? name.dropFirst(Self.tensorPrefix.count) : Substring(name)
            if let block = Self.blockIndex(of: bare) { blocks.insert(block) }
        }
        return blocks.count
    }

    /// Throws unless the weights hold exactly the blocks `config` asks for and no tensor that
    /// `config` would leave unused, so a `config.json` of another model cannot load a part of
    /// these weights and ignore the rest.
    ///
    /// A tensor is used when it is a `ParameterLayout` parameter or `lm_head.weight`, in any
    /// format of `QuantizedTensorNames`, with or without the `transformer.` prefix. The causal
    /// masks old Hugging Face files store (`h.N.attn.bias`, `h.N.attn.masked_bias`) are buffers,
    /// not parameters, and are accepted.
    ///
    /// - Throws: `CheckpointError.layerCountMismatch` when `n_layer` asks for blocks the file
    ///   lacks (checked first, so a huge `n_layer` costs nothing), `.unusedTensors` naming the
    ///   tensors left over.
    public func requireExactTensors(for config: GPT2Config) throws(CheckpointError) {
        let stored = storedBlockCount
        if config.layerCount > stored {
            throw .layerCountMismatch(weightsURL, configured: config.layerCount, stored: stored)
        }
        var used: Set<String> = ["lm_head.weight"]
        for entry in ParameterLayout.entries(for: config) { used.insert(entry.name) }
        for name in Array(used) {
            let int8 = QuantizedTensorNames.int8(name), q4 = QuantizedTensorNames.q4(name)
            used.formUnion([int8.values, int8.scales, q4.values, q4.scales])
        }
        let unused = tensorNames.filter { name in
            let bare = name.hasPrefix(Self.tensorPrefix) ? String(name.dropFirst(Self.tensorPrefix.count)) : name
            if used.contains(bare) { return false }
            let isMask = Self.blockIndex(of: Substring(bare)).map { $0 < config.layerCount } == true
                && (bare.hasSuffix(".attn.bias") || bare.hasSuffix(".attn.masked_bias"))
            return !isMask
        }
        guard unused.isEmpty else {
            throw .unusedTensors(weightsURL, names: unused, configuredLayers: config.layerCount, storedLayers: stored)
        }
    }

    /// N of a name `h.N.rest`, or nil.
    static func blockIndex(of bare: Substring) -> Int? {
        guard bare.hasPrefix("h.") else { return nil }
        let digits = bare.dropFirst(2).prefix { $0 != "." }
        guard !digits.isEmpty, digits.count < bare.count - 2 else { return nil }
        return Int(digits)
    }
}
