import Foundation
import Testing

/// `gpt2 bench --model`: every figure the README and the peers' table read is present, positive
/// and consistent; impossible lengths are refused before any work.
struct BenchCommandTests {
    @Test func modelBench_printsEveryFigure() throws {
        let result = try CLIRunner.run(["bench", "--model", CLIRunner.model("sharded"), "--json", "--prompt-tokens", "8",
                                        "--gen-tokens", "4", "--batch", "1,3", "--repeats", "1", "--threads", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let row = try CLIRunner.json(result.stdout)
        for key in ["prompt_tok_s", "decode_tok_s", "peak_rss_mb", "read_gb_s", "bound_tok_s", "weight_mb",
                    "decode_fraction_of_adjacent_bound"] {
            let value = row[key] as? Double
            #expect(value != nil && value!.isFinite && value! > 0, "\(key) = \(String(describing: row[key]))")
        }
        // The level the kernels ran at, spelled as LinearISA's description.
        #expect(["portable", "AVX2", "AVX-512", "AVX-512 VNNI"].contains(row["isa"] as? String ?? ""), "isa = \(String(describing: row["isa"]))")
        let batches = row["batch_tok_s"] as? [String: Double]
        #expect(Set(batches?.keys.map { $0 } ?? []) == ["1", "3"])
        #expect(batches?["1"] == row["decode_tok_s"] as? Double)
        #expect(row["threads"] as? Int == 2 && row["prompt_tokens"] as? Int == 8 && row["gen_tokens"] as? Int == 4)
        // The bound is the bandwidth over the weight bytes of one token.
        let bound = try #require(row["bound_tok_s"] as? Double), bandwidth = try #require(row["read_gb_s"] as? Double)
        let megabytes = try #require(row["weight_mb"] as? Double)
        #expect(abs(bound - bandwidth * 1e3 / megabytes) <= 1e-6 * bound)
    }

    @Test func modelBench_longerThanTheContext_isRefused() throws {
        let result = try CLIRunner.run(["bench", "--model", CLIRunner.model("sharded"), "--prompt-tokens", "100000"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("context"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// `--train`: optimizer steps on random windows; tokens/s and peak memory as the issue's
    /// keys, the shape echoed, and a loss near ln(vocabulary) for untrained random tokens.
    @Test func trainBench_printsTokensPerSecondAndPeakMemory() throws {
        let result = try CLIRunner.run(["bench", "--train", "--model", CLIRunner.model("full-vocab-f32"), "--batch", "2",
                                        "--context", "8", "--steps", "3", "--threads", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let row = try CLIRunner.json(result.stdout)
        for key in ["train_tok_s", "peak_rss_mb"] {
            let value = row[key] as? Double
            #expect(value != nil && value!.isFinite && value! > 0, "\(key) = \(String(describing: row[key]))")
        }
        #expect(row["batch"] as? Int == 2 && row["context"] as? Int == 8 && row["timed_steps"] as? Int == 2)
        let loss = try #require(row["last_loss"] as? Double)
        #expect(abs(loss - log(50257.0)) < 3, "loss \(loss)")

        let refused = try CLIRunner.run(["bench", "--train", "--model", CLIRunner.model("full-vocab-f32"), "--batch", "1,8"])
        #expect(refused.status != 0 && refused.stderr.contains("--batch"), "\(refused.stderr)")
    }
}
