import Foundation
import GPT2Kernels

/// A GPT-2 language model: immutable weights shared by every request, and a forward pass that
/// advances several sequences, each at its own position with its own `KVCache`, in one step
/// that reads the weights once.
public final class GPT2Model: Sendable {
    public let config: GPT2Config
    public let weights: GPT2Weights
    /// The instruction-set level the forward pass runs its kernels at (the CPU's best by default;
    /// tests pick each supported level, with weights in that level's layouts).
    public let isa: LinearISA

    public init(config: GPT2Config, weights: GPT2Weights, isa: LinearISA = .detected) {
        precondition(isa.isSupported, "GPT2Model was asked for \(isa), which this CPU does not support.")
        self.config = config
        self.weights = weights
        self.isa = isa
    }

    /// One sequence's part of a batch: the tokens that follow what its cache already holds.
    public struct SequenceInput {
        public var tokens: [Int]
        public var cache: KVCache
        public init(tokens: [Int], cache: KVCache) {
            self.tokens = tokens
            self.cache = cache
        }
    }

    /// Which positions' logits a forward pass computes.
    public enum LogitsSelection: Sendable {
        /// The last new token of every sequence: one row per sequence (decoding).
        case last
        /// Every new token: rows in input order, sequence after sequence (scoring).
        case all
        /// None (prefilling a cache).
        case none
    }

    /// A fresh cache for one sequence of up to `capacity` positions.
    public func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(config: config, capacity: capacity)
    }

    /// Runs the new tokens of every sequence through the model, appends their keys and values to
    /// the caches, and returns the selected logits. Inputs are checked before any work, so a bad
    /// batch throws and leaves every cache as it was.
    /// - Returns: logits rows, valid until the workspace is used again.
    public func forward(_ sequences: [SequenceInput], logits selection: LogitsSelection = .last,
                        workspace: ForwardWorkspace) throws -> LogitsView {
        try validate(sequences)
        let c = config.embeddingSize
        let rows = sequences.reduce(0) { $0 + $1.tokens.count }
        let longest = sequences.map(\.tokens.count).max() ?? 0
        let logitRows: Int
        switch selection {
        case .last: logitRows = sequences.count
        case .all: logitRows = rows
        case .none: logitRows = 0
        }
        workspace.reserve(rows: rows, logitRows: logitRows, config: config, longestNew: longest)
        let pool = workspace.pool

        // Embeddings: x[r] = wte[token] + wpe[position].
        let x = workspace.hidden.base
        var row = 0
        for sequence in sequences {
            for (t, token) in sequence.tokens.enumerated() {
                let dst = x + row * c
                embed(token, into: dst)
                Kernels.add(weights.positionEmbedding.pointer + (sequence.cache.count + t) * c, into: dst, count: c)
                row += 1
            }
        }

        for layer in 0..<config.layerCount {
            runBlock(layer: layer, sequences: sequences, rows: rows, workspace: workspace, pool: pool)
        }
        for sequence in sequences { sequence.cache.count += sequence.tokens.count }

        // Final LayerNorm on the selected rows only, then the LM head.
        guard logitRows > 0 else { return LogitsView(pointer: x, rows: 0, vocabularySize: config.vocabSize) }
        let normed = workspace.normed.base
        switch selection {
        case .all:
            Kernels.layerNorm(input: x, output: normed, weight: weights.finalNormWeight.pointer,
                              bias: weights.finalNormBias.pointer, rows: rows, cols: c,
                              epsilon: config.layerNormEpsilon, pool: pool)
        case .last:
            var end = 0
            for (i, sequence) in sequences.enumerated() {
                end += sequence.tokens.count
                Kernels.layerNorm(input: x + (end - 1) * c, output: normed + i * c,
                                  weight: weights.finalNormWeight.pointer, bias: weights.finalNormBias.pointer,
                                  rows: 1, cols: c, epsilon: config.layerNormEpsilon)
            }
        case .none: break
        }
        let out = workspace.logits.base
        Kernels.linear(a: normed, lda: c, weight: weights.lmHead, bias: nil, c: out, ldc: config.vocabSize,
                       m: logitRows, pool: pool, isa: isa)
        return LogitsView(pointer: out, rows: logitRows, vocabularySize: config.vocabSize)
    }

    /// One transformer block over all rows: x += attn(ln1(x)); x += mlp(ln2(x)).
    private func runBlock(layer: Int, sequences: [SequenceInput], rows: Int,
                          workspace: ForwardWorkspace, pool: ThreadPool) {
        let w = weights.layers[layer]
        let c = config.embeddingSize, f = config.innerSize
        let x = workspace.hidden.base, normed = workspace.normed.base
        let qkv = workspace.qkv.base, att = workspace.attention.base, mlp = workspace.mlp.base
        let eps = config.layerNormEpsilon

        Kernels.layerNorm(input: x, output: normed, weight: w.ln1Weight.pointer, bias: w.ln1Bias.pointer,
                          rows: rows, cols: c, epsilon: eps, pool: pool)
        Kernels.linear(a: normed, lda: c, weight: w.attention, bias: w.attentionBias.pointer,
                       c: qkv, ldc: 3 * c, m: rows, pool: pool, isa: isa)

        // Each sequence appends its keys and values to its cache, then attends over it.
        var start = 0
        for sequence in sequences {
            let cache = sequence.cache, n = sequence.tokens.count
            let keys = cache.keys(layer: layer), values = cache.values(layer: layer)
            let first = start
            let copyRow = { (t: Int) in
                let src = qkv + (first + t) * 3 * c
                (keys + (cache.count + t) * c).update(from: src + c, count: c)
                (values + (cache.count + t) * c).update(from: src + 2 * c, count: c)
            }
            // A prompt's rows are copied by all threads: done alone, the copy left the other
            // threads idle long enough to fall asleep.
            if n >= 16 { pool.parallelFor(n, copyRow) } else { for t in 0..<n { copyRow(t) } }
            Kernels.causalAttention(q: qkv + start * 3 * c, ldq: 3 * c, keys: keys, values: values, ldkv: c,
                                    out: att + start * c, ldo: c, newTokens: n, startPosition: cache.count,
                                    heads: config.headCount, headDim: config.headDim,
                                    scratch: workspace.attentionScratch.base, pool: pool)
            start += n
        }
        Kernels.linear(a: att, lda: c, weight: w.attentionProjection, bias: w.attentionProjectionBias.pointer,
                       c: x, ldc: c, m: rows, accumulate: true, pool: pool, isa: isa)

        Kernels.layerNorm(input: x, output: normed, weight: w.ln2Weight.pointer, bias: w.ln2Bias.pointer,
                          rows: rows, cols: c, epsilon: eps, pool: pool)
        Kernels.linear(a: normed, lda: c, weight: w.mlp, bias: w.mlpBias.pointer,
                       c: mlp, ldc: f, m: rows, pool: pool, isa: isa)
        Kernels.geluTanh(mlp, count: rows * f, pool: pool)
        Kernels.linear(a: mlp, lda: f, weight: w.mlpProjection, bias: w.mlpProjectionBias.pointer,
                       c: x, ldc: c, m: rows, accumulate: true, pool: pool, isa: isa)
    }

    /// Writes token `token`'s embedding row, widened to fp32, to `destination` (C floats).
    private func embed(_ token: Int, into destination: UnsafeMutablePointer<Float>) {
        let c = config.embeddingSize, table = weights.tokenEmbedding
        switch table.format {
        case .f32:
            destination.update(from: table.data.assumingMemoryBound(to: Float.self) + token * c, count: c)
        case .f16:
            Kernels.convertF16toF32(table.data + token * c * 2, to: destination, count: c)
        case .bf16:
            Kernels.convertBF16toF32(table.data + token * c * 2, to: destination, count: c)
        case .int8, .q4:
            preconditionFailure("GPT2Weights refuses quantized embedding tables")
        }
    }

    private func validate(_ sequences: [SequenceInput]) throws {
        var seen = Set<ObjectIdentifier>()
        for (i, sequence) in sequences.enumerated() {
            let cache = sequence.cache
            guard !sequence.tokens.isEmpty else { throw ModelError.emptySequence(index: i) }
            guard seen.insert(ObjectIdentifier(cache)).inserted else { throw ModelError.duplicateCache(index: i) }
            guard cache.layerCount == config.layerCount, cache.width == config.embeddingSize else {
                throw ModelError.cacheMismatch(reason: "it has \(cache.layerCount) layers of width \(cache.width), the model \(config.layerCount) of width \(config.embeddingSize)")
            }
            let needed = cache.count + sequence.tokens.count
            guard needed <= cache.capacity else {
                throw ModelError.contextOverflow(position: needed, limit: cache.capacity)
            }
            for token in sequence.tokens where token < 0 || token >= config.vocabSize {
                throw ModelError.tokenOutOfRange(id: token, vocabularySize: config.vocabSize)
            }
        }
    }
}

/// Rows of logits in a workspace: `rows` x `vocabularySize`, valid until its next forward pass.
public struct LogitsView {
    public let pointer: UnsafeMutablePointer<Float>
    public let rows: Int
    public let vocabularySize: Int

    public subscript(row: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(row >= 0 && row < rows, "logits row \(row) out of 0..<\(rows)")
        return UnsafeMutableBufferPointer(start: pointer + row * vocabularySize, count: vocabularySize)
    }

    /// A copy of one row.
    public func array(row: Int) -> [Float] { Array(self[row]) }
}
