import Foundation
import GPT2Generation
import GPT2Model
import GPT2Privacy
import GPT2Tokenizer

/// `gpt2 bench --privacy-data FILE --block-verbatim N`: what the verbatim guard costs a decode.
///
/// It indexes FILE (as `gpt2 finetune` would), then measures, in one run:
/// - greedy decoding of `genTokens` tokens after a prompt copied from FILE, without and with the
///   guard, alternated `repeats` times (the medians and their ratio);
/// - the worst case the model cannot show on demand: sampler steps along FILE's own tokens with
///   logits that favour copying, so that every step looks up the whole run and refuses the
///   copied token, timed with and without the guard, greedy and sampled; the larger difference
///   per token is reported as a fraction of the decode time per token.
struct GuardBenchmark {
    let directory: URL
    let data: URL
    let limit: Int
    let genTokens: Int
    let threads: Int
    let repeats: Int

    struct Output: Encodable {
        let index_windows: Int
        let index_mb: Double
        let training_tokens: Int
        let block_verbatim: Int
        let decode_tok_s: Double
        let guarded_decode_tok_s: Double
        let guarded_ratio: Double
        let worst_case_guard_us_per_token: Double
        let worst_case_fraction_of_decode: Double
        let threads: Int
    }

    func run(json: Bool) throws {
        let resolved = try reportingErrors { try ResolvedModel.load(path: directory.path) }
        let tokenizer = resolved.tokenizer
        guard let bytes = FileManager.default.contents(atPath: data.path) else {
            throw CommandFailure("Cannot read \(data.path).")
        }
        let training = tokenizer.encode(String(decoding: bytes, as: UTF8.self), allowSpecialTokens: true)
        guard training.count >= 256 else { throw CommandFailure("\(data.path) has \(training.count) tokens; give at least 256.") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-guard-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(VerbatimIndex.fileName)
        let index = try reportingErrors { () throws -> VerbatimIndex in
            var builder = try VerbatimIndexBuilder(endOfTextID: tokenizer.endOfTextID)
            try builder.add(ids: training, source: data.lastPathComponent)
            try builder.write(to: url)
            return try VerbatimIndex.load(url)
        }
        let guards = PrivacyGuards(verbatimIndex: index, blockVerbatim: limit)
        try reportingErrors { try guards.validate(naming: .commandLine) }

        let generator = TextGenerator(model: resolved.model, tokenizer: tokenizer, threads: threads)
        let prompt = Array(training.prefix(64))
        var parameters = GenerateParameters(maxTokens: genTokens, temperature: 0)
        parameters.ignoreEOS = true
        var plain: [Double] = [], guarded: [Double] = []
        _ = try generator.generate(promptIDs: prompt, parameters: parameters)   // warm-up
        for _ in 0..<repeats {
            plain.append(Double(genTokens) / (try time { _ = try generator.generate(promptIDs: prompt, parameters: parameters) }))
            guarded.append(Double(genTokens) / (try time {
                _ = try generator.generate(promptIDs: prompt, parameters: parameters, guards: guards)
            }))
        }
        let decode = median(plain), guardedDecode = median(guarded)

        // Worst case: every step's history is copied and the favoured token would extend it.
        let steps = min(400, training.count - 128)
        let vocabulary = resolved.model.config.vocabSize
        func sweep(_ vetoes: [any TokenVeto], temperature: Float) -> Double {
            var chain = SamplerChain(parameters: GenerateParameters(temperature: temperature, seed: 1), endOfTextID: tokenizer.endOfTextID)
            chain.vetoes = vetoes
            var row = [Float](repeating: 0, count: vocabulary)
            return time {
                for step in 0..<steps {
                    let history = Array(training[step..<(step + 120)])
                    for i in row.indices { row[i] = Float(i % 7) }
                    row[training[step + 120]] = 30
                    _ = row.withUnsafeMutableBufferPointer {
                        chain.choose(logits: $0, promptTokens: history, generatedTokens: [])
                    }
                }
            }
        }
        let vetoes = guards.vetoes(verbatimLimit: limit, tokenizer: tokenizer)
        // Greedy refusals cost an argmax, sampled ones a redraw: the dearer of the two counts.
        var extra = 0.0
        for temperature: Float in [0, 1] {
            var without: [Double] = [], with: [Double] = []
            for _ in 0..<max(repeats, 3) {
                without.append(sweep([], temperature: temperature))
                with.append(sweep(vetoes, temperature: temperature))
            }
            extra = max(extra, (median(with) - median(without)) / Double(steps))
        }
        let output = Output(index_windows: index.entryCount, index_mb: Double(index.byteCount) / 1e6, training_tokens: training.count,
                            block_verbatim: limit, decode_tok_s: decode, guarded_decode_tok_s: guardedDecode,
                            guarded_ratio: guardedDecode / decode, worst_case_guard_us_per_token: extra * 1e6,
                            worst_case_fraction_of_decode: extra * decode, threads: threads)
        if json {
            print(try jsonLine(output))
        } else {
            print(String(format: "verbatim index: %d windows from %d tokens, %.2f MB; limit %d tokens", output.index_windows,
                         output.training_tokens, output.index_mb, limit))
            print(String(format: "decode: %.1f tokens/s without the guard, %.1f with it (%.3fx)", decode, guardedDecode,
                         output.guarded_ratio))
            print(String(format: "worst case (every step copied and refused): +%.1f us per token = %.2f%% of a decode step",
                         output.worst_case_guard_us_per_token, 100 * output.worst_case_fraction_of_decode))
        }
    }
}
