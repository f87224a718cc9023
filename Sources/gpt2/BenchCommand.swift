import ArgumentParser
import Foundation
import GPT2Generation
import GPT2Model
import GPT2Tokenizer
import GPT2Training

/// `gpt2 bench`: tokenizer throughput, or the model's prompt, decode and batched speeds beside
/// the machine's own read bandwidth.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure tokenizer throughput (--tokenizer FILE), model speed (--model DIR) or training speed (--train --model DIR).",
        discussion: """
            Figures depend on the machine: compare them with peers measured in the same run.
            With --tokenizer, --model only supplies the tokenizer files (default: GPT-2's).
            With --privacy-data FILE: the verbatim guard's cost (decode with and without --block-verbatim N, and
            its worst case per token).
            With --train: --batch B windows of --context T random tokens per step, --steps N steps
            (the first untimed), AdamW; prints tokens/s and the peak resident memory
            (Scripts/bench-train-torch.py measures PyTorch on the same shape).
            """
    )

    @Option(help: "A text file to encode, one thread, best of several passes.")
    var tokenizer: String?

    @Option(help: "A model directory (the tokenizer files' folder with --tokenizer).")
    var model: String?

    @Option(help: "Prompt length for the prompt-processing measurement.")
    var promptTokens: Int = 128

    @Option(help: "Tokens generated per decode measurement.")
    var genTokens: Int = 64

    @Option(help: "Comma-separated batch sizes for the aggregate decode measurement.")
    var batch: String = "1,8"

    @Option(help: "Threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Repetitions of each measurement; the median is reported.")
    var repeats: Int = 3

    @Flag(help: "Print one JSON object.")
    var json = false

    @Flag(help: "Measure training steps (forward, backward, AdamW) instead of inference.")
    var train = false

    @Option(help: "With --train: tokens per window (capped at the model's context).")
    var context: Int = 64

    @Option(help: "With --train: optimizer steps, the first one untimed.")
    var steps: Int = 4

    @Option(name: .customLong("privacy-data"),
            help: "Measure the verbatim guard instead: index this training text and decode with and without --block-verbatim.")
    var privacyData: String?

    @Option(name: .customLong("block-verbatim"), parsing: .unconditional, help: "With --privacy-data: the guard's limit in tokens.")
    var blockVerbatim: Int = 16

    func validate() throws {
        guard tokenizer != nil || model != nil else { throw ValidationError("Give --tokenizer FILE or --model DIR.") }
        guard threads >= 1, repeats >= 1, promptTokens >= 1, genTokens >= 1 else {
            throw ValidationError("--threads, --repeats, --prompt-tokens and --gen-tokens must be at least 1.")
        }
        if train {
            guard model != nil, tokenizer == nil else { throw ValidationError("--train needs --model DIR (and no --tokenizer).") }
            guard batchSizes.count == 1 else { throw ValidationError("--train takes one --batch size, such as 4.") }
            guard context >= 1, steps >= 2 else { throw ValidationError("--train needs --context 1 or more and --steps 2 or more.") }
        }
        let sizes = batch.split(separator: ",", omittingEmptySubsequences: false)
        guard batchSizes.allSatisfy({ $0 >= 1 }), !batchSizes.isEmpty, batchSizes.count == sizes.count else {
            throw ValidationError("--batch takes positive sizes separated by commas, such as 1,8.")
        }
    }

    var batchSizes: [Int] { batch.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() async throws {
        if let tokenizer {
            try runTokenizer(file: tokenizer)
        } else if let model, let privacyData {
            let path = try await localModelPath(model)
            try GuardBenchmark(directory: URL(fileURLWithPath: path), data: URL(fileURLWithPath: privacyData), limit: blockVerbatim,
                               genTokens: genTokens, threads: threads, repeats: repeats).run(json: json)
        } else if let model, train {
            let path = try await localModelPath(model)
            // The loaded model is dropped once copied, as in `gpt2 finetune`, so it does not count
            // in the peak memory of the steps.
            let parameters = try reportingErrors {
                try ParameterBuffer(model: GPT2Model.load(directory: URL(fileURLWithPath: path)))
            }
            let result = TrainingBenchmark(batch: batchSizes[0], context: context, steps: steps, threads: threads)
                .run(parameters: parameters)
            if json {
                print(try jsonLine(result))
            } else {
                print(String(format: "train: %.1f tokens/s (batch %d x %d tokens, %d timed steps, %d threads), peak RSS %.0f MB, last loss %.3f",
                             result.train_tok_s, result.batch, result.context, result.timed_steps, result.threads,
                             result.peak_rss_mb, result.last_loss))
            }
        } else if let model {
            let path = try await localModelPath(model)
            try ModelBenchmark(directory: URL(fileURLWithPath: path), promptTokens: promptTokens, genTokens: genTokens,
                               batchSizes: batchSizes, threads: threads, repeats: repeats).run(json: json)
        }
    }

    private func runTokenizer(file: String) throws {
        let bpe = try reportingErrors {
            try model.map { try BPETokenizer(directory: URL(fileURLWithPath: $0)) } ?? BPETokenizer.gpt2()
        }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure("\(file) cannot be read as UTF-8 text.")
        }
        var times: [Double] = []
        var tokens = 0
        let deadline = Date().addingTimeInterval(3)
        repeat {
            let start = DispatchTime.now().uptimeNanoseconds
            tokens = bpe.encode(text).count
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        } while times.count < max(repeats, 3) || (Date() < deadline && times.count < 20)
        let best = times.min()!
        let megabytesPerSecond = Double(data.count) / best / 1e6
        struct Output: Encodable { let tokenizer_mb_s: Double; let tokens_per_s: Double; let bytes: Int; let tokens: Int }
        if json {
            print(try jsonLine(Output(tokenizer_mb_s: megabytesPerSecond, tokens_per_s: Double(tokens) / best,
                                      bytes: data.count, tokens: tokens)))
        } else {
            print(String(format: "tokenizer: %.2f MB/s, %.0f tokens/s (%d bytes -> %d tokens, best of %d, 1 thread)",
                         megabytesPerSecond, Double(tokens) / best, data.count, tokens, times.count))
        }
    }
}
