import Foundation
import GPT2Kernels
import GPT2Model
import GPT2Tokenizer
import GPT2Training
import Testing

/// The training loop on the tiny fixture model: exact resume, checkpoint layout, validation,
/// early stopping, interruption, short corpora.
@Suite struct FinetuneRunTests {
    /// A fresh temporary folder, removed by the caller's `defer`.
    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A corpus with some structure to learn: repeated short "documents" over the tiny vocabulary.
    static func corpus(tokens count: Int, seed: UInt64 = 5) -> TokenCorpus {
        var rng = TrainingRNG(seed: seed)
        var ids: [Int] = []
        while ids.count < count {
            let start = rng.below(60)
            ids += (0..<rng.below(9) + 3).map { (start + $0 * 2) % 66 }
            ids.append(66)   // end of text
        }
        return TokenCorpus(ids: Array(ids.prefix(count)), source: "synthetic")
    }

    static func options(steps: Int) -> FinetuneOptions {
        var o = FinetuneOptions(steps: steps)
        o.batch = 2
        o.time = 8
        o.accumulate = 2
        o.learningRate = 1e-3
        o.warmup = 2
        o.validationEvery = 2
        o.validationWindows = 8
        o.threads = 2
        o.seed = 42
        return o
    }

    static func run(_ options: FinetuneOptions, folder: URL, resume: Bool = false, stopAfter: Int? = nil,
                    train: TokenCorpus = corpus(tokens: 400)) throws -> (FinetuneRun, [FinetuneRun.Report], FinetuneRun.Outcome) {
        let split = train.splitting(validationFraction: 0.2)
        let run = try FinetuneRun(parameters: try TrainingFixture.parameters(), modelSource: TrainingFixture.modelFolder,
                                  train: split.train, validation: split.validation, options: options,
                                  store: CheckpointStore(folder: folder), resume: resume)
        var reports: [FinetuneRun.Report] = []
        let outcome = try run.run(shouldStop: { stopAfter.map { n in reports.count >= n } ?? false },
                                  onStep: { reports.append($0) })
        return (run, reports, outcome)
    }

    @Test func resumeContinuesExactly() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let (whole, all, outcome) = try Self.run(Self.options(steps: 6), folder: root.appendingPathComponent("whole"))
        #expect(outcome == .finished && all.count == 6)
        let split = root.appendingPathComponent("split")
        let (_, first, stopped) = try Self.run(Self.options(steps: 6), folder: split, stopAfter: 3)
        #expect(stopped == .interrupted && first.count == 3)
        #expect(CheckpointStore(folder: split).savedSteps() == [3])
        let (resumed, rest, finished) = try Self.run(Self.options(steps: 6), folder: split, resume: true)
        #expect(finished == .finished && rest.map(\.step) == [4, 5, 6])
        for (a, b) in zip(all, first + rest) {
            #expect(abs(a.loss - b.loss) <= 1e-6, "step \(a.step): \(a.loss) vs resumed \(b.loss)")
            #expect(a.validationLoss == b.validationLoss)
        }
        let p = whole.trainer.parameters, q = resumed.trainer.parameters
        #expect((0..<p.count).allSatisfy { p.pointer[$0] == q.pointer[$0] }, "final weights equal")
        // The log holds each step once, even across the interruption.
        let log = try String(contentsOf: CheckpointStore(folder: split).logURL, encoding: .utf8)
        #expect(log.split(separator: "\n").count == 6)
    }

    @Test func checkpointFolderLoadsAsAModel() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        var options = Self.options(steps: 4)
        options.saveEvery = 1
        options.keep = 2
        let (run, reports, _) = try Self.run(options, folder: root)
        let store = CheckpointStore(folder: root)
        #expect(store.savedSteps() == [3, 4])
        for name in ["config.json", "model.safetensors", "log.jsonl", "best/model.safetensors",
                     "step-00000004/optimizer.safetensors", "step-00000004/state.json"] {
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path), "\(name)")
        }
        let hidden = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "temporary files left: \(hidden)")
        // The top-level weights are the last step's: the same validation loss.
        let saved = try ParameterBuffer(model: GPT2Model.load(directory: root))
        #expect((0..<saved.count).allSatisfy { saved.pointer[$0] == run.trainer.parameters.pointer[$0] })
        // best/ holds the step with the lowest validation loss.
        let validated = reports.compactMap { r in r.validationLoss.map { (r.step, $0) } }
        let best = validated.min { $0.1 < $1.1 }!
        #expect(run.state.bestStep == best.0)
        let bestWeights = try ParameterBuffer(model: GPT2Model.load(directory: store.bestFolder))
        let check = GPT2Trainer(parameters: bestWeights, threads: 1)
        let split = Self.corpus(tokens: 400).splitting(validationFraction: 0.2)
        let batches = split.validation.sequentialBatches(batch: 2, time: 8, limit: 8)
        #expect(abs(check.evaluate(batches) - best.1) < 1e-6)
    }

    @Test func aFailedSaveLeavesThePreviousCheckpointIntact() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let (run, _, _) = try Self.run(Self.options(steps: 2), folder: root.appendingPathComponent("run"))
        let store = run.store
        let before = try Data(contentsOf: store.folder.appendingPathComponent("step-00000002/model.safetensors"))
        // A tokenizer "file" that cannot be read makes the next save fail part-way.
        let badSource = root.appendingPathComponent("bad-source")
        try FileManager.default.createDirectory(at: badSource.appendingPathComponent("vocab.json"), withIntermediateDirectories: true)
        var state = run.state
        state.step = 3
        #expect(throws: (any Error).self) {
            try store.save(parameters: run.trainer.parameters, optimizer: run.optimizer, state: state,
                           tokenizerSource: badSource, keep: 1)
        }
        #expect(store.savedSteps() == [2])
        #expect(try Data(contentsOf: store.folder.appendingPathComponent("step-00000002/model.safetensors")) == before)
        let hidden = try FileManager.default.contentsOfDirectory(atPath: store.folder.path).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "temporary files left: \(hidden)")
        // And the run still resumes from it.
        let (_, rest, outcome) = try Self.run(Self.options(steps: 3), folder: store.folder, resume: true)
        #expect(outcome == .finished && rest.map(\.step) == [3])
    }

    @Test func earlyStoppingStopsWhenValidationStopsImproving() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        var options = Self.options(steps: 40)
        options.learningRate = 0.5    // far too high: the validation loss soon rises
        options.warmup = 0
        options.clip = 0
        options.validationEvery = 1
        options.earlyStopPatience = 2
        let (run, reports, outcome) = try Self.run(options, folder: root)
        #expect(outcome == .stoppedEarly)
        #expect(reports.count < 40)
        #expect(run.state.validationsWithoutImprovement == 2)
        #expect(CheckpointStore(folder: root).savedSteps() == [reports.count])
    }

    @Test func shortCorpusTrainsWithAShorterWindow() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let tiny = TokenCorpus(ids: [1, 2, 3, 4, 5, 66], source: "six tokens")
        #expect(try tiny.windowLength(requested: 8) == 5)
        let run = try FinetuneRun(parameters: try TrainingFixture.parameters(), modelSource: TrainingFixture.modelFolder,
                                  train: tiny, validation: nil, options: Self.options(steps: 2),
                                  store: CheckpointStore(folder: root), resume: false)
        #expect(run.time == 5)
        #expect(try run.run() == .finished)
        #expect(throws: TrainingError.emptyCorpus("one token", tokens: 1)) {
            try TokenCorpus(ids: [7], source: "one token").windowLength(requested: 8)
        }
    }

    @Test func tokenFilesTrainMemoryMapped() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("train.tokens")
        let writer = try TokenFileWriter(url: url, vocabularySize: 67, endOfTextID: 66)
        for d in 0..<30 { try writer.append(document: (0..<9).map { (d + $0 * 5) % 66 }) }
        try writer.finish()
        let corpus = try TokenCorpus.tokenFile(url, vocabularySize: 67)
        #expect(corpus.tokenCount == 300)
        let (_, reports, outcome) = try Self.run(Self.options(steps: 2), folder: root.appendingPathComponent("run"),
                                                 train: corpus)
        #expect(outcome == .finished && reports.count == 2 && reports.allSatisfy { $0.loss.isFinite })
        // A file made for a larger vocabulary than the model's is refused.
        let big = root.appendingPathComponent("big.tokens")
        let bigWriter = try TokenFileWriter(url: big, vocabularySize: 50257, endOfTextID: 50256)
        try bigWriter.append(document: [1, 2, 3])
        try bigWriter.finish()
        #expect(throws: TrainingError.self) { try TokenCorpus.tokenFile(big, vocabularySize: 67) }
    }

    @Test func randomWindowsStayInsideTheirRuns() {
        let a = TokenCorpus(ids: Array(0..<10), source: "a"), b = TokenCorpus(ids: Array(20..<25), source: "b")
        let both = TokenCorpus(joining: [a, b])
        var rng = TrainingRNG(seed: 1)
        var seen = Set<Int32>()
        for _ in 0..<200 {
            let batch = both.randomBatch(batch: 1, time: 3, rng: &rng)
            #expect(zip(batch.inputs, batch.targets).allSatisfy { $1 == $0 + 1 }, "window crosses runs: \(batch.inputs)")
            seen.insert(batch.inputs[0])
        }
        // Every start of both runs: 0...6 and 20...21.
        #expect(seen == Set<Int32>([0, 1, 2, 3, 4, 5, 6, 20, 21]))
    }

    @Test func badInputsAreRefused() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let parameters = try TrainingFixture.parameters()
        #expect(throws: TrainingError.tokenOutOfRange("big ids", id: 70, vocabulary: 67)) {
            _ = try FinetuneRun(parameters: parameters, modelSource: TrainingFixture.modelFolder,
                                train: TokenCorpus(ids: [1, 70, 3], source: "big ids"), validation: nil,
                                options: Self.options(steps: 1), store: CheckpointStore(folder: root), resume: false)
        }
        var long = Self.options(steps: 1)
        long.time = 17
        #expect(throws: TrainingError.invalidOption("--seq", expected: "between 1 and the model's context length (16)")) {
            _ = try FinetuneRun(parameters: parameters, modelSource: TrainingFixture.modelFolder,
                                train: Self.corpus(tokens: 100), validation: nil, options: long,
                                store: CheckpointStore(folder: root), resume: false)
        }
        #expect(throws: TrainingError.self) {
            _ = try FinetuneRun(parameters: parameters, modelSource: TrainingFixture.modelFolder,
                                train: Self.corpus(tokens: 100), validation: nil, options: Self.options(steps: 1),
                                store: CheckpointStore(folder: root.appendingPathComponent("none")), resume: true)
        }
        // A quantized model.
        let weights = try parameters.weights()
        let int8 = try GPT2Weights(config: parameters.config, source: .init(
            vector: { name, _ in weights.vectors.first { $0.name == name }!.tensor },
            matrix: { name, _, _, _ in
                let w = weights.matrices.first { $0.name == name }!.weight
                return name == "wte.weight" ? w : Quantizer.quantize(w, to: .int8, layout: .outputMajor)
            }))
        #expect(throws: TrainingError.self) {
            _ = try ParameterBuffer(model: GPT2Model(config: parameters.config, weights: int8))
        }
    }
}
