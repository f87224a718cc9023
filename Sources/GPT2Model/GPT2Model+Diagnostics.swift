import GPT2Kernels

extension GPT2Model {
    /// For logits that came out NaN or infinite: the transformer block after which they first
    /// do, found by running `tokens` through the model cut after 0, 1, ... blocks (a binary
    /// search, about log2(layers) forward passes; only on this error path). The cut model keeps
    /// the final LayerNorm and LM head, so a block whose output overflows them is named too.
    ///
    /// - Returns: the 0-based block, or nil when even the cut after zero blocks (embeddings,
    ///   final LayerNorm, LM head) gives non-finite logits, or when the whole model's are finite.
    public func firstNonFiniteBlock(tokens: [Int], workspace: ForwardWorkspace) throws -> Int? {
        func isFinite(after blocks: Int) throws -> Bool {
            let model = try cut(after: blocks)
            let logits = try model.forward([.init(tokens: tokens, cache: model.makeCache(capacity: tokens.count))],
                                           logits: .all, workspace: workspace)
            for row in 0..<logits.rows where logits[row].contains(where: { !$0.isFinite }) { return false }
            return true
        }
        guard try !isFinite(after: config.layerCount), try isFinite(after: 0) else { return nil }
        var finite = 0, broken = config.layerCount   // isFinite(after: finite) && !isFinite(after: broken)
        while broken - finite > 1 {
            let middle = (finite + broken) / 2
            if try isFinite(after: middle) { finite = middle } else { broken = middle }
        }
        return broken - 1
    }

    /// This model with only its first `blocks` transformer blocks, sharing every weight.
    private func cut(after blocks: Int) throws -> GPT2Model {
        var config = self.config
        config.layerCount = blocks
        let vectors = Dictionary(uniqueKeysWithValues: weights.vectors.map { ($0.name, $0.tensor) })
        let matrices = Dictionary(uniqueKeysWithValues: weights.matrices.map { ($0.name, $0.weight) })
        let source = GPT2Weights.Source(vector: { name, _ in vectors[name]! }, matrix: { name, _, _, _ in matrices[name]! },
                                        untiedHead: weights.lmHeadIsTied ? nil : weights.lmHead)
        return GPT2Model(config: config, weights: try GPT2Weights(config: config, source: source))
    }
}
