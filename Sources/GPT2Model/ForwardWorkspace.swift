import GPT2Kernels

/// Scratch memory and threads for forward passes: activations grow to the largest batch seen
/// and are then reused, so decoding allocates nothing per token. One workspace serves one
/// caller at a time; the model itself is shared.
public final class ForwardWorkspace: @unchecked Sendable {
    public let pool: ThreadPool

    /// Residual stream [rows, C].
    private(set) var hidden = Buffer()
    /// LayerNorm output [rows, C].
    private(set) var normed = Buffer()
    /// q | k | v [rows, 3C].
    private(set) var qkv = Buffer()
    /// Attention output before projection [rows, C].
    private(set) var attention = Buffer()
    /// MLP hidden layer [rows, F].
    private(set) var mlp = Buffer()
    /// Logits [selected rows, V].
    private(set) var logits = Buffer()
    /// Attention kernel scratch.
    private(set) var attentionScratch = Buffer()

    /// - Parameter threads: threads used by the kernels, including the caller.
    public init(threads: Int) {
        pool = ThreadPool(threadCount: max(1, threads))
    }

    func reserve(rows: Int, logitRows: Int, config: GPT2Config, longestNew: Int) {
        let c = config.embeddingSize
        hidden.reserve(rows * c)
        normed.reserve(rows * c)
        qkv.reserve(rows * 3 * c)
        attention.reserve(rows * c)
        mlp.reserve(rows * config.innerSize)
        logits.reserve(logitRows * config.vocabSize)
        attentionScratch.reserve(Kernels.attentionScratchCount(
            newTokens: longestNew, contextLength: config.contextLength,
            heads: config.headCount, threads: pool.threadCount))
    }

    /// A growable, 64-byte aligned float buffer.
    struct Buffer {
        private(set) var pointer: UnsafeMutablePointer<Float>? = nil
        private(set) var capacity = 0
        private var storage: FloatStorage? = nil

        mutating func reserve(_ count: Int) {
            guard count > capacity else { return }
            let grown = FloatStorage(count: count)
            storage = grown
            pointer = grown.pointer
            capacity = count
        }

        var base: UnsafeMutablePointer<Float> { pointer! }
    }
}
