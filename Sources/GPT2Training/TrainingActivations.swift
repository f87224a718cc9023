import GPT2Kernels
import GPT2Model

/// The activations a forward pass keeps for its backward pass, and the backward pass's scratch,
/// for one shape (batch B x time T); its own workspace, apart from inference's. Sizes for
/// B·T = N rows, width C, MLP width F, heads H, vocabulary V, L layers: per layer
/// 7·N·C + N·3C + 2·N·F + 4·N floats; once, one layer's attention probabilities B·H·T²
/// (recomputed by the backward pass, see `att`), N·V probabilities and the backward's
/// 6·N·C + 2·N·F of scratch.
public final class TrainingActivations: @unchecked Sendable {
    public let batch: Int
    public let time: Int
    let config: GPT2Config
    private let storage: FloatStorage

    /// Per-layer activations, each a pointer into `storage`.
    struct Layer {
        var ln1, ln1Mean, ln1Rstd, qkv, attentionOut, attentionProjection, residual2: UnsafeMutablePointer<Float>
        var ln2, ln2Mean, ln2Rstd, fc, fcGelu, fcProjection, residual3: UnsafeMutablePointer<Float>
    }

    /// wte[token] + wpe[position] [N, C].
    let encoded: UnsafeMutablePointer<Float>
    let layers: [Layer]
    /// One layer's attention probabilities [B, H, T, T], shared by every layer: the forward
    /// pass overwrites it layer by layer, and the backward pass recomputes layer l's from its
    /// qkv (the same kernel, so the same bits) just before that layer's attention backward.
    /// Kept per layer they would be the largest activation at long contexts (L·B·H·T²).
    let att: UnsafeMutablePointer<Float>
    /// Final LayerNorm [N, C] and its statistics [N].
    let lnf, lnfMean, lnfRstd: UnsafeMutablePointer<Float>
    /// Softmax of the logits [N, V], turned into the logits' gradient by the backward pass.
    let probs: UnsafeMutablePointer<Float>
    /// Per-position loss [N].
    let losses: UnsafeMutablePointer<Float>
    // Backward scratch.
    let dResidual, dNormed, dAttentionOut: UnsafeMutablePointer<Float>
    let dQKV, dFC, dFCGelu: UnsafeMutablePointer<Float>
    /// Token ids and targets [N].
    let tokens, targets: UnsafeMutablePointer<Int32>
    private let tokenStorage: UnsafeMutablePointer<Int32>

    /// Floats needed for `batch` x `time` of `config`.
    public static func floatCount(config: GPT2Config, batch: Int, time: Int) -> Int {
        let n = batch * time, c = config.embeddingSize, f = config.innerSize
        let perLayer = 7 * n * c + 2 * n * f + 3 * n * c + 4 * n
        return n * c + config.layerCount * perLayer + batch * config.headCount * time * time
            + n * c + 2 * n + n * config.vocabSize + n + 3 * n * c + 3 * n * c + 2 * n * f
    }

    public init(config: GPT2Config, batch: Int, time: Int) {
        self.config = config
        self.batch = batch
        self.time = time
        let n = batch * time, c = config.embeddingSize, f = config.innerSize
        storage = FloatStorage(count: Self.floatCount(config: config, batch: batch, time: time))
        var cursor = storage.pointer
        func take(_ count: Int) -> UnsafeMutablePointer<Float> {
            defer { cursor += count }
            return cursor
        }
        encoded = take(n * c)
        var layers: [Layer] = []
        for _ in 0..<config.layerCount {
            layers.append(Layer(
                ln1: take(n * c), ln1Mean: take(n), ln1Rstd: take(n), qkv: take(3 * n * c), attentionOut: take(n * c),
                attentionProjection: take(n * c), residual2: take(n * c),
                ln2: take(n * c), ln2Mean: take(n), ln2Rstd: take(n), fc: take(n * f), fcGelu: take(n * f),
                fcProjection: take(n * c), residual3: take(n * c)))
        }
        self.layers = layers
        att = take(batch * config.headCount * time * time)
        lnf = take(n * c)
        lnfMean = take(n)
        lnfRstd = take(n)
        probs = take(n * config.vocabSize)
        losses = take(n)
        dResidual = take(n * c)
        dNormed = take(n * c)
        dAttentionOut = take(n * c)
        dQKV = take(3 * n * c)
        dFC = take(n * f)
        dFCGelu = take(n * f)
        tokenStorage = .allocate(capacity: 2 * max(n, 1))
        tokenStorage.initialize(repeating: 0, count: 2 * max(n, 1))
        tokens = tokenStorage
        targets = tokenStorage + max(n, 1)
    }

    deinit { tokenStorage.deallocate() }
}
