import Foundation
import GPT2Model
import GPT2Privacy

/// One fine-tuning run: random windows from the training corpus, AdamW steps, validation,
/// early stopping, checkpoints, and a JSONL log, continued exactly by `resume`.
public final class FinetuneRun: @unchecked Sendable {
    /// What the run reports after each step.
    public struct Report: Sendable {
        public var step: Int
        public var totalSteps: Int
        public var loss: Float
        public var learningRate: Float
        public var gradientNorm: Double
        /// This step's validation loss, if it validated.
        public var validationLoss: Float?
        /// The latest validation loss so far.
        public var lastValidationLoss: Float?
        public var improved: Bool
        public var tokensPerSecond: Double
        public var secondsLeft: Double
    }

    /// How the run ended.
    public enum Outcome: Sendable, Equatable {
        case finished, stoppedEarly, interrupted
    }

    public let options: FinetuneOptions
    public let trainer: GPT2Trainer
    public let optimizer: AdamW
    public let store: CheckpointStore
    public private(set) var state: TrainingState
    /// The window length in use (shorter than asked for a short corpus).
    public let time: Int
    let train: TokenCorpus
    let validationBatches: [TokenBatch]
    let modelSource: URL
    let schedule: LearningRateSchedule

    /// Starts a run from `parameters` (read from `modelSource`, whose tokenizer files every
    /// checkpoint copies), or continues the newest checkpoint in `store` when `resume` is set.
    public init(parameters: ParameterBuffer, modelSource: URL, train: TokenCorpus, validation: TokenCorpus?,
                options: FinetuneOptions, store: CheckpointStore, resume: Bool) throws {
        let config = parameters.config
        try options.validate(layers: config.layerCount, contextLength: config.contextLength)
        try train.validate(vocabularySize: config.vocabSize)
        try validation?.validate(vocabularySize: config.vocabSize)
        self.options = options
        self.train = train
        self.store = store
        self.modelSource = modelSource
        time = try train.windowLength(requested: options.time)
        if let validation {
            let validationTime = try validation.windowLength(requested: time)
            validationBatches = validation.sequentialBatches(batch: options.batch, time: validationTime,
                                                             limit: options.validationWindows)
        } else {
            validationBatches = []
        }
        schedule = LearningRateSchedule(peak: options.learningRate, warmup: options.warmup, totalSteps: options.steps,
                                        shape: options.schedule, minimumFraction: options.minimumLearningRateFraction)
        var start = (parameters, AdamW(like: parameters, settings: options.adamW),
                     TrainingState(step: 0, rng: TrainingRNG(seed: options.seed), optimizerSteps: 0, tokensSeen: 0,
                                   bestValidationLoss: nil, bestStep: nil, validationsWithoutImprovement: 0,
                                   lastValidationLoss: nil))
        if resume {
            guard let latest = store.latest() else {
                throw TrainingError.badCheckpoint(store.folder, reason: "it holds no step-N checkpoint to resume (run without --resume to start)")
            }
            start = try CheckpointStore.load(latest, settings: options.adamW)
            guard start.0.config == config else {
                throw TrainingError.badCheckpoint(latest, reason: "its config.json describes another model than --model")
            }
        }
        trainer = GPT2Trainer(parameters: start.0, threads: options.threads)
        trainer.freeze(embeddings: options.freezeEmbeddings, keepingLayers: options.trainLayers)
        optimizer = start.1
        state = start.2
        if resume { try trimLog(after: state.step) }
    }

    /// The verbatim index this run wrote beside its checkpoints, if it wrote one.
    public private(set) var verbatimIndex: VerbatimIndexBuilder.Summary?

    /// Writes the training text's verbatim index into the run's folder (atomically); checkpoints
    /// then carry a copy, so `--block-verbatim` and `gpt2 audit` work on every saved folder.
    ///
    /// - Parameter keepExisting: leave an index already there (a resumed run's) as it is.
    public func writeVerbatimIndex(keepExisting: Bool) throws {
        guard let window = options.verbatimWindow else { return }
        let url = store.folder.appendingPathComponent(VerbatimIndex.fileName)
        if keepExisting && FileManager.default.fileExists(atPath: url.path) { return }
        do { try FileManager.default.createDirectory(at: store.folder, withIntermediateDirectories: true) } catch {
            throw TrainingError.writeFailed(store.folder, reason: "the folder cannot be created")
        }
        verbatimIndex = try train.writeVerbatimIndex(to: url, window: window, endOfTextID: trainer.parameters.config.endOfTextID)
    }

    public var hasValidation: Bool { !validationBatches.isEmpty }

    /// Mean loss over the validation windows (nan without validation data).
    public func validationLoss() -> Float { trainer.evaluate(validationBatches) }

    /// Trains until `options.steps`, early stopping, or `shouldStop()` (checked between steps),
    /// then saves. `onStep` sees every step's report; `onSample` is called every `sampleEvery` steps.
    public func run(shouldStop: () -> Bool = { false }, onStep: (Report) -> Void = { _ in },
                    onSample: (Int) -> Void = { _ in }) throws -> Outcome {
        var lastSaved = state.step
        var smoothedSeconds: Double?
        let tokensPerStep = options.batch * time * options.accumulate
        while state.step < options.steps {
            if shouldStop() {
                if lastSaved != state.step { try save() }
                return .interrupted
            }
            let started = Date()
            let micro = (0..<options.accumulate).map { _ in
                train.randomBatch(batch: options.batch, time: time, rng: &state.rng)
            }
            let result = trainer.step(micro, optimizer: optimizer, lr: schedule.rate(at: state.step), clip: options.clip)
            guard result.loss.isFinite, result.gradientNorm.isFinite else { throw TrainingError.diverged(step: state.step + 1) }
            state.step += 1
            state.optimizerSteps = optimizer.stepCount
            state.tokensSeen += tokensPerStep
            let seconds = Date().timeIntervalSince(started)
            smoothedSeconds = smoothedSeconds.map { 0.8 * $0 + 0.2 * seconds } ?? seconds

            var validation: Float?, improved = false, stopEarly = false
            let due = options.validationEvery > 0 ? state.step % options.validationEvery == 0 : false
            if hasValidation && (due || state.step == options.steps) {
                let loss = validationLoss()
                validation = loss
                state.lastValidationLoss = loss
                if state.bestValidationLoss.map({ loss < $0 }) ?? true {
                    improved = true
                    state.bestValidationLoss = loss
                    state.bestStep = state.step
                    state.validationsWithoutImprovement = 0
                    try store.saveBest(parameters: trainer.parameters, step: state.step, loss: loss, tokenizerSource: modelSource)
                } else {
                    state.validationsWithoutImprovement += 1
                    if let patience = options.earlyStopPatience, state.validationsWithoutImprovement >= patience {
                        stopEarly = true
                    }
                }
            }
            let report = Report(step: state.step, totalSteps: options.steps, loss: result.loss,
                                learningRate: result.learningRate, gradientNorm: result.gradientNorm,
                                validationLoss: validation, lastValidationLoss: state.lastValidationLoss,
                                improved: improved, tokensPerSecond: Double(tokensPerStep) / max(seconds, 1e-9),
                                secondsLeft: Double(options.steps - state.step) * (smoothedSeconds ?? 0))
            try appendLog(report)
            onStep(report)
            if options.sampleEvery > 0 && state.step % options.sampleEvery == 0 { onSample(state.step) }
            if stopEarly {
                try save()
                return .stoppedEarly
            }
            if options.saveEvery > 0 && state.step % options.saveEvery == 0 && state.step != options.steps {
                try save()
                lastSaved = state.step
            }
        }
        if lastSaved != state.step || store.latest() == nil { try save() }
        return .finished
    }

    /// Writes a checkpoint of the current step.
    public func save() throws {
        try store.save(parameters: trainer.parameters, optimizer: optimizer, state: state,
                       tokenizerSource: modelSource, keep: options.keep)
    }

    // MARK: Log

    struct LogLine: Codable {
        let step: Int
        let loss: Float
        let val_loss: Float?
        let lr: Float
        let grad_norm: Double
        let tokens_per_second: Double
    }

    func appendLog(_ report: Report) throws {
        let line = LogLine(step: report.step, loss: report.loss, val_loss: report.validationLoss, lr: report.learningRate,
                           grad_norm: report.gradientNorm, tokens_per_second: report.tokensPerSecond)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(line) + Data("\n".utf8)
        let url = store.logURL
        do {
            try FileManager.default.createDirectory(at: store.folder, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: url.path) {
                _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        } catch {
            throw TrainingError.writeFailed(url, reason: "the log cannot be appended to")
        }
    }

    /// Drops log lines past `step` (written after the checkpoint a resume continues from).
    func trimLog(after step: Int) throws {
        guard let data = FileManager.default.contents(atPath: store.logURL.path) else { return }
        let kept = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { line in
            guard let parsed = try? JSONDecoder().decode(LogLine.self, from: Data(line.utf8)) else { return false }
            return parsed.step <= step
        }
        let text = kept.map { $0 + "\n" }.joined()
        try AtomicFile.write([Array(text.utf8)], to: store.logURL)
    }
}
