import GPT2Kernels
import GPT2Model

/// The activations a forward pass keeps for its backward pass, and the backward pass's scratch,
/// for one shape (batch B x time T); its own workspace, apart from inference's.
///
/// Each layer keeps only what the backward pass cannot cheaply make again: the residual stream,
/// qkv, the attention output, the MLP's pre-activation and the LayerNorm statistics. What
/// recomputes cheaply with the same kernel and the same bits (the LayerNorm outputs, GELU,
/// the attention probabilities) or is not needed at all (the projections before the residual
/// add) lives in one buffer that every layer shares. Sizes for B·T = N rows, width C, MLP width
/// F, heads H, vocabulary V, L layers: per layer 6·N·C + N·F + 4·N floats; once, 2·N·C + N·F
/// + B·H·T² of shared buffers, the final LayerNorm's N·C + 2·N, N·V probabilities, N losses
/// and the backward's 6·N·C + 2·N·F of scratch.
public final class TrainingActivations: @unchecked Sendable {
    public let batch: Int
    public let time: Int
    let config: GPT2Config
    private let storage: FloatStorage

    /// What one layer keeps for the backward pass, each a pointer into `storage`.
    struct Layer {
        /// LayerNorm statistics [N] (ln_1's and ln_2's mean and 1 / std).
        var ln1Mean, ln1Rstd, ln2Mean, ln2Rstd: UnsafeMutablePointer<Float>
        /// qkv [N, 3C], the attention output before c_proj [N, C], the residual stream after the
        /// attention [N, C] and after the MLP [N, C], and c_fc's output before GELU [N, F].
        var qkv, attentionOut, residual2, residual3, fc: UnsafeMutablePointer<Float>
    }

    /// wte[token] + wpe[position] [N, C].
    let encoded: UnsafeMutablePointer<Float>
    let layers: [Layer]
    /// One layer's LayerNorm output [N, C] (ln_1's, then ln_2's): the backward pass recomputes it
    /// from the layer's residual input and statistics before the product that reads it.
    let normed: UnsafeMutablePointer<Float>
    /// One layer's attention probabilities [B, H, T, T], shared by every layer: the forward
    /// pass overwrites it layer by layer, and the backward pass recomputes layer l's from its
    /// qkv (the same kernel, so the same bits) just before that layer's attention backward.
    /// Kept per layer they would be the largest activation at long contexts (L·B·H·T²).
    let att: UnsafeMutablePointer<Float>
    /// A projection's output before the residual add [N, C] (attention's c_proj, then the
    /// MLP's): the backward pass never reads it.
    let projection: UnsafeMutablePointer<Float>
    /// GELU of one layer's fc [N, F]; the backward pass recomputes it from `Layer.fc`.
    let fcGelu: UnsafeMutablePointer<Float>
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
        let perLayer = 6 * n * c + n * f + 4 * n
        let shared = 2 * n * c + n * f + batch * config.headCount * time * time
        return n * c + config.layerCount * perLayer + shared + n * c + 2 * n + n * config.vocabSize + n
            + 6 * n * c + 2 * n * f
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
                ln1Mean: take(n), ln1Rstd: take(n), ln2Mean: take(n), ln2Rstd: take(n),
                qkv: take(3 * n * c), attentionOut: take(n * c), residual2: take(n * c), residual3: take(n * c),
                fc: take(n * f)))
        }
        self.layers = layers
        normed = take(n * c)
        att = take(batch * config.headCount * time * time)
        projection = take(n * c)
        fcGelu = take(n * f)
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
        precondition(cursor == storage.pointer + storage.count, "floatCount disagrees with the buffers taken")
        tokenStorage = .allocate(capacity: 2 * max(n, 1))
        tokenStorage.initialize(repeating: 0, count: 2 * max(n, 1))
        tokens = tokenStorage
        targets = tokenStorage + max(n, 1)
    }

    deinit { tokenStorage.deallocate() }
}
