import Foundation

extension GPT2Config {
    /// Number of parameters (counting a tied LM head once), or nil when the count does not fit
    /// in an `Int`: every product is checked, so absurd `config.json` values cannot trap.
    public var checkedParameterCount: Int? {
        let c = embeddingSize, f = innerSize
        // Per block: ln_1 + ln_2 (4C), c_attn (C x 3C + 3C), attn c_proj (C x C + C),
        // c_fc (C x F + F), mlp c_proj (F x C + C).
        guard let perLayer = Self.checkedSum([
            Self.checkedProduct(4, c), Self.checkedProduct(c, 3, c), Self.checkedProduct(3, c),
            Self.checkedProduct(c, c), c, Self.checkedProduct(c, f), f, Self.checkedProduct(f, c), c,
        ]) else { return nil }
        return Self.checkedSum([Self.checkedProduct(vocabSize, c), Self.checkedProduct(contextLength, c),
                                Self.checkedProduct(layerCount, perLayer), Self.checkedProduct(2, c)])
    }

    /// Bytes of every parameter in fp32 (as `gpt2 init` and training hold them), or nil on overflow.
    public var fp32ParameterBytes: Int? { checkedParameterCount.flatMap { Self.checkedProduct($0, 4) } }

    /// Bytes of one `KVCache` of `capacity` positions: keys and values, [layers, capacity, C]
    /// fp32 each; nil on overflow.
    public func kvCacheBytes(capacity: Int) -> Int? {
        Self.checkedProduct(2, layerCount, min(capacity, contextLength), embeddingSize, 4)
    }

    /// Bytes of the activations of one forward pass over `rows` new tokens that selects
    /// `logitRows` rows of logits: residual, LayerNorm output, q | k | v and attention output
    /// ([rows, 6C] together), the MLP's hidden layer [rows, F] and logits [logitRows, V], fp32;
    /// nil on overflow. The attention kernel's per-thread scratch is not included.
    public func forwardBytes(rows: Int, logitRows: Int) -> Int? {
        guard let perRow = Self.checkedSum([Self.checkedProduct(6, embeddingSize), innerSize]) else { return nil }
        return Self.checkedSum([Self.checkedProduct(rows, perRow, 4), Self.checkedProduct(logitRows, vocabSize, 4)])
    }

    /// Throws `ConfigError.tooLarge` unless the parameters' fp32 bytes and a full-context KV
    /// cache's bytes fit in an `Int` (so later size arithmetic cannot overflow).
    func validateSizes(source: URL?) throws(ConfigError) {
        guard fp32ParameterBytes != nil else {
            throw .tooLarge(source, reason: "n_layer \(layerCount), n_embd \(embeddingSize), n_inner \(innerSize), "
                + "n_positions \(contextLength) and vocab_size \(vocabSize) give more parameter bytes than a 64-bit count holds")
        }
        guard kvCacheBytes(capacity: contextLength) != nil else {
            throw .tooLarge(source, reason: "n_layer \(layerCount) x n_positions \(contextLength) x n_embd \(embeddingSize) "
                + "gives a KV cache of more bytes than a 64-bit count holds")
        }
    }

    /// The product of positive factors, or nil when it overflows (or a factor is negative).
    public static func checkedProduct(_ factors: Int...) -> Int? {
        var product = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (result, overflow) = product.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            product = result
        }
        return product
    }

    /// The sum of non-negative terms, or nil when a term is nil or the sum overflows.
    public static func checkedSum(_ terms: [Int?]) -> Int? {
        var sum = 0
        for term in terms {
            guard let term, term >= 0 else { return nil }
            let (result, overflow) = sum.addingReportingOverflow(term)
            if overflow { return nil }
            sum = result
        }
        return sum
    }

    /// `a * b`, or `Int.max` when that overflows (for defaults `validate()` refuses later).
    static func saturatingProduct(_ a: Int, _ b: Int) -> Int {
        let (result, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? (a < 0) != (b < 0) ? Int.min : Int.max : result
    }
}
