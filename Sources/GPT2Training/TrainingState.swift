import Foundation

/// Everything besides the weights and the optimizer's moments that a resumed run needs to
/// continue exactly: saved as `state.json` beside them.
public struct TrainingState: Codable, Sendable, Equatable {
    /// Format of this file.
    public var version = 1
    /// Optimizer steps completed.
    public var step: Int
    /// The data generator's state (it picks every window, so it is the data position).
    public var rng: TrainingRNG
    /// AdamW's update count (its bias corrections).
    public var optimizerSteps: Int
    /// Tokens trained on so far.
    public var tokensSeen: Int
    /// The best validation loss so far and its step.
    public var bestValidationLoss: Float?
    public var bestStep: Int?
    /// Validations since the best one (early stopping's counter).
    public var validationsWithoutImprovement: Int
    /// The last validation loss.
    public var lastValidationLoss: Float?

    public init(step: Int, rng: TrainingRNG, optimizerSteps: Int, tokensSeen: Int, bestValidationLoss: Float?,
                bestStep: Int?, validationsWithoutImprovement: Int, lastValidationLoss: Float?) {
        self.step = step
        self.rng = rng
        self.optimizerSteps = optimizerSteps
        self.tokensSeen = tokensSeen
        self.bestValidationLoss = bestValidationLoss
        self.bestStep = bestStep
        self.validationsWithoutImprovement = validationsWithoutImprovement
        self.lastValidationLoss = lastValidationLoss
    }
}
