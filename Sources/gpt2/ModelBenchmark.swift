import Foundation
import GPT2Generation
import GPT2Kernels
import GPT2Model

/// The model half of `gpt2 bench`: prompt processing, one-stream decoding and batched decoding,
/// each the median of `repeats` runs, plus peak RSS and the read-bandwidth bound (the best
/// bandwidth of every probe, and decode against a probe made just before each of `repeats`
/// extra one-stream runs).
struct ModelBenchmark {
    let directory: URL
    let promptTokens: Int
    let genTokens: Int
    let batchSizes: [Int]
    let threads: Int
    let repeats: Int

    struct Output: Encodable {
        let prompt_tok_s: Double
        let decode_tok_s: Double
        let batch_tok_s: [String: Double]
        /// The instruction-set level the kernels ran at (`LinearISA.detected`), e.g. "AVX2".
        let isa: String
        let peak_rss_mb: Double
        let read_gb_s: Double
        let bound_tok_s: Double
        /// Median over `repeats` pairs of (bandwidth probe, one-stream decode run straight after
        /// it) of decode tok/s / the bound that probe gives: on a host whose bandwidth swings
        /// from minute to minute, the fraction of the bandwidth available at the time.
        let decode_fraction_of_adjacent_bound: Double
        let weight_mb: Double
        let threads: Int
        let prompt_tokens: Int
        let gen_tokens: Int
    }

    func run(json: Bool) throws {
        let model = try reportingErrors { try GPT2Model.load(directory: directory) }
        let config = model.config
        guard promptTokens + genTokens <= config.contextLength else {
            throw CommandFailure("--prompt-tokens plus --gen-tokens (\(promptTokens + genTokens)) exceed the model's context of \(config.contextLength) tokens.")
        }
        try requireMemory(config: config)
        let workspace = ForwardWorkspace(threads: threads)
        var rng = Xoshiro256StarStar(seed: 1)
        let prompt = (0..<promptTokens).map { _ in Int(rng.next() % UInt64(config.vocabSize)) }

        // Warm-up: touches every weight page once.
        _ = try model.forward([.init(tokens: prompt, cache: model.makeCache(capacity: promptTokens))], workspace: workspace)

        let promptRate = try median((0..<repeats).map { _ in
            let cache = model.makeCache(capacity: promptTokens)
            let seconds = try time { _ = try model.forward([.init(tokens: prompt, cache: cache)], workspace: workspace) }
            return Double(promptTokens) / seconds
        })
        var batchRates: [String: Double] = [:]
        for size in Set(batchSizes + [1]).sorted() {
            batchRates[String(size)] = try median((0..<repeats).map { _ in try decodeRate(model: model, batch: size, prompt: prompt, workspace: workspace) })
        }
        let oneStream = batchRates["1"]!
        if !batchSizes.contains(1) { batchRates["1"] = nil }
        let peakRSS = ProcessMemory.peakResidentMB()   // before the bandwidth probes' own buffers
        let weightBytes = Double(model.weights.byteCount)
        var bandwidth = ReadBandwidth.measure(pool: workspace.pool)
        var fractions: [Double] = []
        for _ in 0..<repeats {
            let adjacent = ReadBandwidth.measure(pool: workspace.pool, megabytes: 256, passes: 3)
            let rate = try decodeRate(model: model, batch: 1, prompt: prompt, workspace: workspace)
            fractions.append(rate / (adjacent * 1e9 / weightBytes))
            bandwidth = max(bandwidth, adjacent)
        }
        let output = Output(prompt_tok_s: promptRate, decode_tok_s: oneStream, batch_tok_s: batchRates,
                            isa: LinearISA.detected.description, peak_rss_mb: peakRSS, read_gb_s: bandwidth,
                            bound_tok_s: bandwidth * 1e9 / weightBytes,
                            decode_fraction_of_adjacent_bound: median(fractions), weight_mb: weightBytes / 1e6,
                            threads: threads, prompt_tokens: promptTokens, gen_tokens: genTokens)
        if json {
            print(try jsonLine(output))
        } else {
            print("kernels: \(output.isa)")
            print(String(format: "prompt (%d tokens): %.1f tok/s", promptTokens, output.prompt_tok_s))
            print(String(format: "decode, one stream: %.1f tok/s (%.0f%% of the %.1f tok/s bandwidth bound)",
                         output.decode_tok_s, 100 * output.decode_tok_s / output.bound_tok_s, output.bound_tok_s))
            for (size, rate) in batchRates.sorted(by: { Int($0.key)! < Int($1.key)! }) {
                print(String(format: "decode, %@ streams: %.1f tok/s aggregate", size, rate))
            }
            print(String(format: "read bandwidth: %.1f GB/s (best of 1...%d threads and of every probe); weights %.0f MB streamed per token; peak RSS %.0f MB",
                         output.read_gb_s, threads, output.weight_mb, output.peak_rss_mb))
            print(String(format: "decode against the bandwidth probed just before it: %.0f%% of that bound (median of %d pairs)",
                         100 * output.decode_fraction_of_adjacent_bound, repeats))
        }
    }

    /// Refuses batch sizes whose KV caches and activations would not fit in memory, before
    /// allocating any: the largest batch holds `batch` caches of 16 + `genTokens` positions and
    /// a forward pass of `batch` rows with `batch` rows of logits; the prompt measurement one
    /// cache of `promptTokens` positions.
    private func requireMemory(config: GPT2Config) throws {
        let largest = batchSizes.max() ?? 1
        let decodeCache = config.kvCacheBytes(capacity: min(promptTokens, 16) + genTokens)
        let decode = GPT2Config.checkedSum([decodeCache.flatMap { GPT2Config.checkedProduct($0, largest) },
                                            config.forwardBytes(rows: largest, logitRows: largest)])
        let prompt = GPT2Config.checkedSum([config.kvCacheBytes(capacity: promptTokens),
                                            config.forwardBytes(rows: promptTokens, logitRows: 1)])
        try reportingErrors {
            try MemoryBudget.require(decode, for: "--batch \(largest) (the KV caches and logits of \(largest) streams)",
                                     advice: "use a smaller --batch")
            try MemoryBudget.require(prompt, for: "--prompt-tokens \(promptTokens)", advice: "use a smaller --prompt-tokens")
        }
    }

    /// Aggregate tokens/s of `batch` sequences decoding `genTokens` tokens together after a
    /// 16-token prompt each (the prompt is not timed).
    private func decodeRate(model: GPT2Model, batch: Int, prompt: [Int], workspace: ForwardWorkspace) throws -> Double {
        let start = Array(prompt.prefix(16))
        let caches = (0..<batch).map { _ in model.makeCache(capacity: start.count + genTokens) }
        var logits = try model.forward(caches.map { .init(tokens: start, cache: $0) }, workspace: workspace)
        let seconds = try time {
            for _ in 0..<genTokens {
                let next = (0..<batch).map { SamplerChain.argmax(UnsafeBufferPointer(logits[$0])) ?? 0 }
                logits = try model.forward(zip(next, caches).map { .init(tokens: [$0], cache: $1) }, workspace: workspace)
            }
        }
        return Double(batch * genTokens) / seconds
    }
}
