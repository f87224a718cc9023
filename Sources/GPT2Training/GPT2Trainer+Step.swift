import GPT2Model

/// A batch of `batch` windows of `time` tokens, and the tokens that follow each position.
public struct TokenBatch: Sendable, Equatable {
    public var inputs: [Int32]
    public var targets: [Int32]
    public var batch: Int
    public var time: Int

    public init(inputs: [Int32], targets: [Int32], batch: Int, time: Int) {
        precondition(inputs.count == batch * time && targets.count == batch * time, "a batch holds batch x time inputs and targets")
        self.inputs = inputs
        self.targets = targets
        self.batch = batch
        self.time = time
    }
}

/// What one optimizer step did.
public struct StepResult: Sendable, Equatable {
    /// Mean loss over the step's micro-batches (before the update).
    public var loss: Float
    /// Global gradient norm before clipping.
    public var gradientNorm: Double
    public var learningRate: Float
}

extension GPT2Trainer {
    /// One optimizer step: forward and backward over every micro-batch (gradients averaged),
    /// clipping to `clip` (0: none), then an AdamW update at `lr`.
    public func step(_ microBatches: [TokenBatch], optimizer: AdamW, lr: Float, clip: Float) -> StepResult {
        precondition(!microBatches.isEmpty, "a step needs at least one micro-batch")
        zeroGradients()
        var total: Double = 0
        let scale = 1 / Float(microBatches.count)
        for micro in microBatches {
            total += Double(forward(tokens: micro.inputs, targets: micro.targets, batch: micro.batch, time: micro.time))
            backward(scale: scale)
        }
        let norm = clipGradients(maxNorm: clip)
        optimizer.step(parameters: parameters, gradients: gradients, trainable: trainable, lr: lr, pool: pool)
        return StepResult(loss: Float(total / Double(microBatches.count)), gradientNorm: norm, learningRate: lr)
    }

    /// The mean loss over `batches` without touching the gradients (validation).
    public func evaluate(_ batches: [TokenBatch]) -> Float {
        guard !batches.isEmpty else { return .nan }
        var total: Double = 0, tokens = 0
        for b in batches {
            let n = b.batch * b.time
            total += Double(forward(tokens: b.inputs, targets: b.targets, batch: b.batch, time: b.time)) * Double(n)
            tokens += n
        }
        return Float(total / Double(tokens))
    }
}
