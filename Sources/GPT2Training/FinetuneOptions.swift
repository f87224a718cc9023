import Foundation
import GPT2Privacy

/// The settings of one fine-tuning run (`gpt2 finetune`'s options).
public struct FinetuneOptions: Sendable, Equatable, Codable {
    /// Optimizer steps to reach (a resumed run continues up to this step).
    public var steps: Int
    /// Windows per micro-batch and tokens per window.
    public var batch = 1
    public var time = 1024
    /// Micro-batches per optimizer step (gradient accumulation).
    public var accumulate = 1
    public var learningRate: Float = 1e-4
    public var warmup = 0
    public var schedule: LearningRateSchedule.Shape = .cosine
    /// The cosine's floor, as a fraction of the learning rate.
    public var minimumLearningRateFraction: Float = 0.1
    /// Global gradient-norm limit; 0 turns clipping off.
    public var clip: Float = 1.0
    public var adamW = AdamW.Settings(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01)
    /// Validate every this many steps (0: only at the end).
    public var validationEvery = 0
    /// At most this many validation windows.
    public var validationWindows = 64
    /// Stop after this many validations without a new best (nil: never).
    public var earlyStopPatience: Int?
    /// Save a checkpoint every this many steps (0: only at the end).
    public var saveEvery = 0
    /// Step folders kept.
    public var keep = 1
    /// Print a sample every this many steps (0: never), of this many tokens.
    public var sampleEvery = 0
    public var sampleLength = 64
    public var seed: UInt64 = 0
    public var threads = 1
    public var freezeEmbeddings = false
    /// Train only these blocks (nil: all).
    public var trainLayers: ClosedRange<Int>?
    /// Tokens per window of the verbatim index written beside the checkpoints (for
    /// `--block-verbatim` and `gpt2 audit`); `nil` writes none.
    public var verbatimWindow: Int? = VerbatimIndexBuilder.defaultWindow

    public init(steps: Int) { self.steps = steps }

    /// Checks the numbers against each other and the model; `layers` and `contextLength` are the model's.
    public func validate(layers: Int, contextLength: Int) throws {
        func require(_ ok: Bool, _ option: String, _ expected: String) throws {
            if !ok { throw TrainingError.invalidOption(option, expected: expected) }
        }
        try require(steps >= 1, "--steps", "at least 1")
        try require(batch >= 1, "--batch", "at least 1")
        try require(time >= 1 && time <= contextLength, "--seq", "between 1 and the model's context length (\(contextLength))")
        try require(accumulate >= 1, "--accumulate", "at least 1")
        try require(learningRate > 0 && learningRate.isFinite, "--lr", "a positive number")
        try require(warmup >= 0, "--warmup", "0 or more")
        try require(clip >= 0 && clip.isFinite, "--clip", "0 (off) or a positive number")
        try require(adamW.weightDecay >= 0, "--weight-decay", "0 or more")
        try require(validationEvery >= 0, "--val-every", "0 or more")
        try require(validationWindows >= 1, "--val-windows", "at least 1")
        try require((earlyStopPatience ?? 1) >= 1, "--early-stop", "at least 1")
        try require(saveEvery >= 0, "--save-every", "0 or more")
        try require(keep >= 1, "--keep", "at least 1")
        try require(sampleEvery >= 0 && sampleLength >= 1, "--sample-every", "0 or more")
        try require(threads >= 1, "--threads", "at least 1")
        if let trainLayers {
            try require(trainLayers.lowerBound >= 0 && trainLayers.upperBound < layers, "--train-layers",
                        "a range of block numbers within 0...\(layers - 1)")
        }
    }
}
