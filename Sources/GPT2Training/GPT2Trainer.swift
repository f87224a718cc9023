import GPT2Kernels
import GPT2Model

/// GPT-2's training step on the CPU: a forward pass that keeps its activations, the loss (mean
/// cross-entropy of the next token), and a backward pass written by hand, layer by layer, that
/// accumulates ∂loss/∂parameter into `gradients`. All fp32; the matrix products run on `pool`.
///
/// Frozen parameters (see `trainable`) get no gradient (their products are skipped, their
/// gradient memory never touched); the gradient still flows through them to earlier layers that
/// learn, and the backward pass stops below the lowest layer that learns.
public final class GPT2Trainer: @unchecked Sendable {
    public let config: GPT2Config
    /// The weights being trained.
    public let parameters: ParameterBuffer
    /// ∂loss/∂parameters, summed over the backward passes since `zeroGradients()`.
    public let gradients: ParameterBuffer
    /// Per `parameters.entries`: whether that parameter learns.
    public private(set) var trainable: [Bool]
    public let pool: ThreadPool
    private var activations: TrainingActivations?

    public init(parameters: ParameterBuffer, threads: Int) {
        config = parameters.config
        self.parameters = parameters
        gradients = parameters.zerosLike()
        trainable = Array(repeating: true, count: parameters.entries.count)
        pool = ThreadPool(threadCount: max(1, threads))
    }

    /// Freezes the embeddings (wte, wpe) and/or every block outside `layers`; the final
    /// LayerNorm always learns.
    public func freeze(embeddings: Bool, keepingLayers layers: ClosedRange<Int>?) {
        trainable = parameters.entries.map { entry in
            if Self.isEmbedding(entry.name) { return !embeddings }
            if let layers, let block = Self.block(of: entry.name) { return layers.contains(block) }
            return true
        }
    }

    static func isEmbedding(_ name: String) -> Bool { name == "wte.weight" || name == "wpe.weight" }

    /// The block number of a parameter named "h.L....", nil for the others.
    static func block(of name: String) -> Int? {
        name.hasPrefix("h.") ? Int(name.dropFirst(2).prefix { $0 != "." }) : nil
    }

    /// Sets the trainable parameters' gradients to zero. Frozen ones are never written, so their
    /// memory is never touched (see `FloatStorage`).
    public func zeroGradients() {
        for (i, entry) in gradients.entries.enumerated() where trainable[i] {
            (gradients.pointer + gradients.offsets[i]).update(repeating: 0, count: entry.elementCount)
        }
    }

    /// The activation workspace for `batch` x `time`, made on first use of that shape.
    func workspace(batch: Int, time: Int) -> TrainingActivations {
        if let a = activations, a.batch == batch, a.time == time { return a }
        activations = nil   // free the old one first
        let a = TrainingActivations(config: config, batch: batch, time: time)
        activations = a
        return a
    }

    /// The gradient of entry `name`, or nil when it is frozen.
    private func grad(_ name: String) -> UnsafeMutablePointer<Float>? {
        trainable[parameters.entryIndex(name)!] ? gradients.pointer(name) : nil
    }

    /// Runs the forward pass on `tokens` [batch, time] predicting `targets` [batch, time] and
    /// returns the mean loss (nats per token). Keeps the activations for `backward`.
    public func forward(tokens: [Int32], targets: [Int32], batch: Int, time: Int) -> Float {
        precondition(tokens.count == batch * time && targets.count == batch * time, "tokens and targets must be batch x time")
        precondition(time >= 1 && time <= config.contextLength, "time must be 1...contextLength")
        let a = workspace(batch: batch, time: time)
        a.tokens.update(from: tokens, count: tokens.count)
        a.targets.update(from: targets, count: targets.count)
        let n = batch * time, c = config.embeddingSize, f = config.innerSize, eps = config.layerNormEpsilon
        let p = parameters
        TrainingKernels.encoderForward(out: a.encoded, tokens: a.tokens, wte: p.pointer("wte.weight"),
                                       wpe: p.pointer("wpe.weight"), batch: batch, time: time, channels: c)
        var residual = a.encoded
        for (l, layer) in a.layers.enumerated() {
            let name = "h.\(l)."
            layerNorm(name + "ln_1", input: residual, mean: layer.ln1Mean, rstd: layer.ln1Rstd, a)
            TrainingKernels.linearForward(out: layer.qkv, inp: a.normed, weight: p.pointer(name + "attn.c_attn.weight"),
                                          bias: p.pointer(name + "attn.c_attn.bias"), rows: n, inputs: c, outputs: 3 * c, pool: pool)
            TrainingKernels.attentionForward(out: layer.attentionOut, att: a.att, qkv: layer.qkv, batch: batch,
                                             time: time, channels: c, heads: config.headCount, pool: pool)
            TrainingKernels.linearForward(out: a.projection, inp: layer.attentionOut,
                                          weight: p.pointer(name + "attn.c_proj.weight"), bias: p.pointer(name + "attn.c_proj.bias"),
                                          rows: n, inputs: c, outputs: c, pool: pool)
            TrainingKernels.residualForward(out: layer.residual2, a: residual, b: a.projection, count: n * c)
            layerNorm(name + "ln_2", input: layer.residual2, mean: layer.ln2Mean, rstd: layer.ln2Rstd, a)
            TrainingKernels.linearForward(out: layer.fc, inp: a.normed, weight: p.pointer(name + "mlp.c_fc.weight"),
                                          bias: p.pointer(name + "mlp.c_fc.bias"), rows: n, inputs: c, outputs: f, pool: pool)
            TrainingKernels.geluForward(out: a.fcGelu, inp: layer.fc, count: n * f, pool: pool)
            TrainingKernels.linearForward(out: a.projection, inp: a.fcGelu, weight: p.pointer(name + "mlp.c_proj.weight"),
                                          bias: p.pointer(name + "mlp.c_proj.bias"), rows: n, inputs: f, outputs: c, pool: pool)
            TrainingKernels.residualForward(out: layer.residual3, a: layer.residual2, b: a.projection, count: n * c)
            residual = layer.residual3
        }
        TrainingKernels.layerNormForward(out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, inp: residual,
                                         weight: p.pointer("ln_f.weight"), bias: p.pointer("ln_f.bias"),
                                         rows: n, channels: c, epsilon: eps)
        return TrainingKernels.crossEntropyForward(probs: a.probs, losses: a.losses, inp: a.lnf, wte: p.pointer("wte.weight"),
                                                   targets: a.targets, rows: n, channels: c,
                                                   vocabulary: config.vocabSize, pool: pool)
    }

    /// The next-token probabilities [vocabulary] at position `row` (of batch x time) of the
    /// last `forward`, before any `backward`.
    public func probabilities(row: Int) -> UnsafeBufferPointer<Float> {
        let a = activations!
        return UnsafeBufferPointer(start: a.probs + row * config.vocabSize, count: config.vocabSize)
    }

    /// Adds ∂(scale x mean loss)/∂parameters of the last `forward` into `gradients`; `scale`
    /// is 1 / micro-batches under gradient accumulation.
    public func backward(scale: Float = 1) {
        guard let a = activations else { preconditionFailure("backward needs a forward first") }
        let batch = a.batch, time = a.time
        let n = batch * time, c = config.embeddingSize, f = config.innerSize
        let p = parameters
        a.dResidual.update(repeating: 0, count: n * c)
        a.dNormed.update(repeating: 0, count: n * c)
        TrainingKernels.crossEntropyBackward(dinp: a.dNormed, dwte: grad("wte.weight"), probs: a.probs, inp: a.lnf,
                                             wte: p.pointer("wte.weight"), targets: a.targets, dloss: scale / Float(n),
                                             rows: n, channels: c, vocabulary: config.vocabSize, pool: pool)
        let last = a.layers[config.layerCount - 1].residual3
        TrainingKernels.layerNormBackward(dinp: a.dResidual, dweight: grad("ln_f.weight"), dbias: grad("ln_f.bias"),
                                          dout: a.dNormed, inp: last, weight: p.pointer("ln_f.weight"),
                                          mean: a.lnfMean, rstd: a.lnfRstd, rows: n, channels: c)
        // Below the lowest layer that learns, the gradient has nowhere to go: stop there.
        let lowest = lowestLayerThatLearns
        for l in stride(from: config.layerCount - 1, through: lowest, by: -1) {
            let layer = a.layers[l], name = "h.\(l)."
            let residual = l == 0 ? a.encoded : a.layers[l - 1].residual3
            // What the forward pass did not keep is recomputed below with the kernels that made
            // it (same inputs, same bits), each just before the step that reads it.
            // residual3 = residual2 + mlp(ln2(residual2)): dResidual flows to both.
            TrainingKernels.geluForward(out: a.fcGelu, inp: layer.fc, count: n * f, pool: pool)
            a.dFCGelu.update(repeating: 0, count: n * f)
            TrainingKernels.linearBackward(dinp: a.dFCGelu, dweight: grad(name + "mlp.c_proj.weight"),
                                           dbias: grad(name + "mlp.c_proj.bias"), dout: a.dResidual, inp: a.fcGelu,
                                           weight: p.pointer(name + "mlp.c_proj.weight"), rows: n, inputs: f, outputs: c, pool: pool)
            a.dFC.update(repeating: 0, count: n * f)
            TrainingKernels.geluBackward(dinp: a.dFC, inp: layer.fc, dout: a.dFCGelu, count: n * f, pool: pool)
            layerNorm(name + "ln_2", input: layer.residual2, mean: layer.ln2Mean, rstd: layer.ln2Rstd, a)
            a.dNormed.update(repeating: 0, count: n * c)
            TrainingKernels.linearBackward(dinp: a.dNormed, dweight: grad(name + "mlp.c_fc.weight"),
                                           dbias: grad(name + "mlp.c_fc.bias"), dout: a.dFC, inp: a.normed,
                                           weight: p.pointer(name + "mlp.c_fc.weight"), rows: n, inputs: c, outputs: f, pool: pool)
            TrainingKernels.layerNormBackward(dinp: a.dResidual, dweight: grad(name + "ln_2.weight"), dbias: grad(name + "ln_2.bias"),
                                              dout: a.dNormed, inp: layer.residual2, weight: p.pointer(name + "ln_2.weight"),
                                              mean: layer.ln2Mean, rstd: layer.ln2Rstd, rows: n, channels: c)
            // residual2 = residual + attention(ln1(residual)).
            a.dAttentionOut.update(repeating: 0, count: n * c)
            TrainingKernels.linearBackward(dinp: a.dAttentionOut, dweight: grad(name + "attn.c_proj.weight"),
                                           dbias: grad(name + "attn.c_proj.bias"), dout: a.dResidual, inp: layer.attentionOut,
                                           weight: p.pointer(name + "attn.c_proj.weight"), rows: n, inputs: c, outputs: c, pool: pool)
            TrainingKernels.attentionForward(out: nil, att: a.att, qkv: layer.qkv, batch: batch, time: time, channels: c,
                                             heads: config.headCount, pool: pool)
            a.dQKV.update(repeating: 0, count: 3 * n * c)
            TrainingKernels.attentionBackward(dqkv: a.dQKV, dout: a.dAttentionOut, qkv: layer.qkv, att: a.att,
                                              batch: batch, time: time, channels: c, heads: config.headCount, pool: pool)
            layerNorm(name + "ln_1", input: residual, mean: layer.ln1Mean, rstd: layer.ln1Rstd, a)
            a.dNormed.update(repeating: 0, count: n * c)
            TrainingKernels.linearBackward(dinp: a.dNormed, dweight: grad(name + "attn.c_attn.weight"),
                                           dbias: grad(name + "attn.c_attn.bias"), dout: a.dQKV, inp: a.normed,
                                           weight: p.pointer(name + "attn.c_attn.weight"), rows: n, inputs: c, outputs: 3 * c, pool: pool)
            TrainingKernels.layerNormBackward(dinp: a.dResidual, dweight: grad(name + "ln_1.weight"), dbias: grad(name + "ln_1.bias"),
                                              dout: a.dNormed, inp: residual, weight: p.pointer(name + "ln_1.weight"),
                                              mean: layer.ln1Mean, rstd: layer.ln1Rstd, rows: n, channels: c)
        }
        if lowest == 0 {
            TrainingKernels.encoderBackward(dwte: grad("wte.weight"), dwpe: grad("wpe.weight"), dout: a.dResidual,
                                            tokens: a.tokens, batch: batch, time: time, channels: c)
        }
    }

    /// The lowest block with a trainable parameter (0 when an embedding learns; `layerCount`
    /// when only ln_f does): the backward pass needs to go no further down.
    var lowestLayerThatLearns: Int {
        var lowest = config.layerCount
        for (i, entry) in parameters.entries.enumerated() where trainable[i] {
            if Self.isEmbedding(entry.name) { return 0 }
            if let block = Self.block(of: entry.name) { lowest = min(lowest, block) }
        }
        return lowest
    }

    /// a.normed = the LayerNorm `norm` ("h.L.ln_1" or "h.L.ln_2") of `input`, keeping its
    /// statistics in `mean` and `rstd`; the forward pass and the backward pass's recomputation
    /// both call this, so both get the same bits.
    private func layerNorm(_ norm: String, input: UnsafePointer<Float>, mean: UnsafeMutablePointer<Float>,
                           rstd: UnsafeMutablePointer<Float>, _ a: TrainingActivations) {
        TrainingKernels.layerNormForward(out: a.normed, mean: mean, rstd: rstd, inp: input,
                                         weight: parameters.pointer(norm + ".weight"), bias: parameters.pointer(norm + ".bias"),
                                         rows: a.batch * a.time, channels: config.embeddingSize, epsilon: config.layerNormEpsilon)
    }
}
