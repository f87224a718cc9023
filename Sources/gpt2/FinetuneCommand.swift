import ArgumentParser
import Dispatch
import Foundation
import GPT2Model
import GPT2Tokenizer
import GPT2Training

/// `gpt2 finetune`: train a GPT-2 further on your own text, on the CPU.
struct FinetuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a GPT-2 model on text or token files, with validation, checkpoints and exact resume.",
        discussion: """
            Trains on random windows of --seq tokens (documents separated by <|endoftext|>); a
            corpus shorter than one window trains with a shorter one. checkpoint/NAME/ always holds
            the latest weights in the Hugging Face layout (so --model checkpoint/NAME works in every
            command and in transformers), step-N/ folders with the optimizer state for --resume,
            best/ (lowest validation loss) and log.jsonl. Ctrl-C saves and exits.
            """
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(parsing: .upToNextOption, help: "Training data: text files, or token files (*.tokens, from `gpt2 dataset build --tokens`).")
    var data: [String]

    @Option(help: "Name of the run: checkpoints go to <checkpoint-dir>/NAME/.")
    var runName: String

    @Option(help: "Folder that holds the runs.")
    var checkpointDir = "checkpoint"

    @Option(help: "Optimizer steps to train to (a resumed run continues up to this step).")
    var steps: Int

    @Option(help: "Windows per micro-batch.")
    var batch = 1

    @Option(help: "Tokens per window (default: the model's context length).")
    var seq: Int?

    @Option(help: "Micro-batches per optimizer step (gradient accumulation).")
    var accumulate = 1

    @Option(help: "Peak learning rate.")
    var lr: Float = 1e-4

    @Option(help: "Steps of linear warmup.")
    var warmup = 0

    @Option(help: "Learning rate after warmup: cosine (down to 10% at the last step) or constant.")
    var schedule = "cosine"

    @Option(help: "Clip the gradient to this global norm (0: off).")
    var clip: Float = 1.0

    @Option(help: "AdamW's decoupled weight decay (2-D weights only).")
    var weightDecay: Float = 0.01

    @Option(parsing: .upToNextOption, help: "Validation data files (else see --val-fraction).")
    var valData: [String] = []

    @Option(help: "Hold out this fraction of the training tokens for validation (0: none).")
    var valFraction: Double = 0

    @Option(help: "Validate every N steps (0: at the end only).")
    var valEvery = 0

    @Option(help: "At most this many validation windows.")
    var valWindows = 64

    @Option(help: "Stop after this many validations without a new best.")
    var earlyStop: Int?

    @Option(help: "Save a checkpoint every N steps (0: at the end only).")
    var saveEvery = 0

    @Option(help: "Step checkpoints to keep.")
    var keep = 1

    @Option(help: "Continue a run: `latest` resumes the newest checkpoint of --run-name.")
    var resume: String?

    @Option(help: "Print a sample every N steps (0: never).")
    var sampleEvery = 0

    @Option(help: "Tokens per sample.")
    var sampleLength = 64

    @Option(help: "Seed of the data order.")
    var seed: UInt64 = 0

    @Flag(help: "Keep the token and position embeddings fixed.")
    var freezeEmbeddings = false

    @Option(help: "Train only these blocks, e.g. 6-11 (the others stay fixed).")
    var trainLayers: String?

    @Flag(name: .customLong("no-verbatim-index"),
          help: "Write no verbatim index (verbatim.idx: the training text's 8-token windows, 12 bytes each, for `--block-verbatim` and `gpt2 audit`).")
    var noVerbatimIndex = false

    func validate() throws {
        guard modelOptions.model != nil else {
            throw ValidationError("Name the model to fine-tune with --model (a folder, a Hub id such as gpt2, or `default` for the small built-in model).")
        }
        guard resume == nil || resume == "latest" else { throw ValidationError("--resume takes `latest`.") }
        guard LearningRateSchedule.Shape(rawValue: schedule) != nil else {
            throw ValidationError("--schedule must be cosine or constant, not \"\(schedule)\".")
        }
        guard valFraction >= 0 && valFraction < 1 else { throw ValidationError("--val-fraction must be in [0, 1).") }
        guard valData.isEmpty || valFraction == 0 else { throw ValidationError("Use --val-data or --val-fraction, not both.") }
        guard !runName.isEmpty, !runName.contains("/"), runName != ".", runName != ".." else {
            throw ValidationError("--run-name must be a plain folder name, not \"\(runName)\".")
        }
        guard !data.isEmpty else { throw ValidationError("--data needs at least one file.") }
    }

    mutating func run() async throws {
        modelOptions.model = try await modelOptions.resolvedPath()
        // The loaded model (in the inference kernels' layouts) is dropped once copied to fp32.
        let (parameters, tokenizer) = try loadParameters()
        let config = parameters.config
        let options = try reportingErrors { try makeOptions(config: config) }
        var train = try reportingErrors { try loadCorpus(data, tokenizer: tokenizer, vocabulary: config.vocabSize) }
        var validation: TokenCorpus?
        if !valData.isEmpty {
            validation = try reportingErrors { try loadCorpus(valData, tokenizer: tokenizer, vocabulary: config.vocabSize) }
        } else if valFraction > 0 {
            (train, validation) = train.splitting(validationFraction: valFraction)
        }
        let store = CheckpointStore(folder: URL(fileURLWithPath: checkpointDir).appendingPathComponent(runName))
        try reportingErrors { try OutputFolder.requireSeparate(store.folder, from: modelOptions.directory) }
        let run = try reportingErrors {
            try FinetuneRun(parameters: parameters, modelSource: modelOptions.directory, train: train,
                            validation: validation, options: options, store: store, resume: resume != nil)
        }
        try reportingErrors { try run.writeVerbatimIndex(keepExisting: resume != nil) }
        if let index = run.verbatimIndex {
            say("Verbatim index: \(index.entries) windows of \(index.window) tokens from \(index.tokens) training tokens, "
                + String(format: "%.1f MB", Double(index.bytes) / 1e6) + " (\(store.folder.path)/verbatim.idx).")
        }
        if run.time < options.time {
            say("Note: the corpus is shorter than one window; training with \(run.time)-token windows.")
        }
        if run.state.step > 0 { say("Resuming \(store.folder.path) at step \(run.state.step).") }
        let stop = StopRequest()
        stop.install()
        let eot = Int32(tokenizer.endOfTextID)
        let outcome = try reportingErrors {
            try run.run(shouldStop: { stop.requested }, onStep: { printProgress($0) }, onSample: { step in
                let ids = run.trainer.sample(prompt: [eot], count: sampleLength, seed: seed &+ UInt64(step))
                say("--- sample at step \(step) ---\n\(tokenizer.decode(ids.map(Int.init)))\n---")
            })
        }
        let state = run.state
        switch outcome {
        case .finished: say("Finished step \(state.step).")
        case .stoppedEarly: say("Stopped early at step \(state.step): no better validation loss in \(options.earlyStopPatience ?? 0) validations.")
        case .interrupted: say("Interrupted: saved step \(state.step); continue with --resume latest.")
        }
        say("Latest weights: \(store.folder.path)")
        if let best = state.bestValidationLoss, let step = state.bestStep {
            say(String(format: "Best validation loss %.4f (perplexity %.2f) at step %d: %@", best, exp(Double(best)), step,
                         store.bestFolder.path))
        }
    }

    func loadParameters() throws -> (ParameterBuffer, BPETokenizer) {
        let model = try modelOptions.loadModel()
        let tokenizer = try modelOptions.loadTokenizer(for: model)
        return (try reportingErrors { try ParameterBuffer(model: model) }, tokenizer)
    }

    func makeOptions(config: GPT2Config) throws -> FinetuneOptions {
        var o = FinetuneOptions(steps: steps)
        o.batch = batch
        o.time = seq ?? config.contextLength
        o.accumulate = accumulate
        o.learningRate = lr
        o.warmup = warmup
        o.schedule = LearningRateSchedule.Shape(rawValue: schedule)!
        o.clip = clip
        o.adamW.weightDecay = weightDecay
        o.validationEvery = valEvery
        o.validationWindows = valWindows
        o.earlyStopPatience = earlyStop
        o.saveEvery = saveEvery
        o.keep = keep
        o.sampleEvery = sampleEvery
        o.sampleLength = sampleLength
        o.seed = seed
        o.threads = modelOptions.threads
        o.freezeEmbeddings = freezeEmbeddings
        if noVerbatimIndex { o.verbatimWindow = nil }
        if let trainLayers {
            let parts = trainLayers.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard (parts.count == 1 || parts.count == 2), let low = parts.first ?? nil, let high = parts.last ?? nil, low <= high else {
                throw TrainingError.invalidOption("--train-layers", expected: "a block number or a range such as 6-11, not \"\(trainLayers)\"")
            }
            o.trainLayers = low...high
        }
        return o
    }

    /// One line to stdout at once (unbuffered, so progress shows while training).
    func say(_ line: String) { writeOut(line + "\n") }

    func printProgress(_ r: FinetuneRun.Report) {
        let width = String(r.totalSteps).count
        var line = String(format: "step %\(width)d/%d | loss %.4f", r.step, r.totalSteps, r.loss)
        if let v = r.lastValidationLoss { line += String(format: " | val %.4f%@ (ppl %.1f)", v, r.improved ? "*" : "", exp(Double(v))) }
        line += String(format: " | lr %.2e | %.0f tok/s | ETA %@", r.learningRate, r.tokensPerSecond, Self.duration(r.secondsLeft))
        writeOut(line + "\n")
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s / 60 % 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}

/// Ctrl-C (SIGINT) or SIGTERM asks the training loop to save and stop after the current step;
/// a second one ends the process at once.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private var sources: [any DispatchSourceSignal] = []

    var requested: Bool { lock.withLock { flag } }

    func install() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in
                let first = lock.withLock { () -> Bool in
                    defer { flag = true }
                    return !flag
                }
                if first {
                    FileHandle.standardError.write(Data("Stopping after this step and saving (Ctrl-C again to quit now)...\n".utf8))
                } else {
                    signal(signalNumber, SIG_DFL)
                    raise(signalNumber)
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}
