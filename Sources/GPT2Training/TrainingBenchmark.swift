import Foundation
import GPT2Model

/// `gpt2 bench --train`: optimizer steps (forward, backward, AdamW) on random token windows of
/// a model's shape, timed, with the process's peak resident memory. The first step is a
/// warm-up (first touches of the activations, gradients and AdamW's moments) and is not timed,
/// as Scripts/bench-train-torch.py does for PyTorch.
public struct TrainingBenchmark: Sendable {
    public var batch: Int
    public var context: Int
    public var steps: Int
    public var threads: Int
    public var seed: UInt64 = 1

    public init(batch: Int, context: Int, steps: Int, threads: Int) {
        self.batch = batch
        self.context = context
        self.steps = steps
        self.threads = threads
    }

    public struct Result: Sendable, Encodable {
        /// Tokens (batch x context) per second over the timed steps.
        public var train_tok_s: Double
        /// The process's peak resident memory, in MB (10^6 bytes).
        public var peak_rss_mb: Double
        public var batch: Int
        public var context: Int
        /// Steps timed (the warm-up step excluded).
        public var timed_steps: Int
        public var threads: Int
        /// The last step's loss (random tokens: about ln(vocabulary)).
        public var last_loss: Float
    }

    /// Runs `steps` steps (at least 2: one warm-up, then the timed ones) on `parameters`.
    public func run(parameters: ParameterBuffer) -> Result {
        precondition(steps >= 2 && batch >= 1 && context >= 1, "a training benchmark needs 2 steps or more")
        let config = parameters.config
        let trainer = GPT2Trainer(parameters: parameters, threads: threads)
        let optimizer = AdamW(like: parameters, settings: .init())
        var rng = TrainingRNG(seed: seed)
        let window = min(context, config.contextLength)
        var seconds = 0.0
        var loss: Float = 0
        for step in 0..<steps {
            let tokens = (0..<(batch * (window + 1))).map { _ in Int32(rng.below(config.vocabSize)) }
            var inputs: [Int32] = [], targets: [Int32] = []
            for row in 0..<batch {
                let start = row * (window + 1)
                inputs += tokens[start..<(start + window)]
                targets += tokens[(start + 1)...(start + window)]
            }
            let started = DispatchTime.now().uptimeNanoseconds
            loss = trainer.step([TokenBatch(inputs: inputs, targets: targets, batch: batch, time: window)],
                                optimizer: optimizer, lr: 1e-4, clip: 1).loss
            if step > 0 { seconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        }
        return Result(train_tok_s: Double(batch * window * (steps - 1)) / seconds, peak_rss_mb: ProcessMemory.peakResidentMB(),
                      batch: batch, context: window, timed_steps: steps - 1, threads: threads, last_loss: loss)
    }
}
