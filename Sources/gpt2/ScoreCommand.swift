import ArgumentParser
import Foundation
import GPT2Generation
import GPT2Model

/// `gpt2 score`: each token's log-probability given the ones before it.
struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Print each token's natural-log probability given the tokens before it."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The text to score.")
    var text: String

    @Flag(help: "Print {\"ids\", \"token_logprobs\", \"total_logprob\", \"perplexity\"} as JSON.")
    var json = false

    struct Output: Encodable {
        let ids: [Int]
        let token_logprobs: [Double?]
        let total_logprob: Double
        let perplexity: Double?
    }

    func run() async throws {
        let resolved = try await modelOptions.load()
        let (model, tokenizer) = (resolved.model, resolved.tokenizer)
        let ids = tokenizer.encode(text)
        guard !ids.isEmpty else { throw CommandFailure("--text is empty: there is nothing to score.") }
        let workspace = ForwardWorkspace(threads: modelOptions.threads)
        let logprobs = try reportingErrors { try model.tokenLogProbabilities(ids, workspace: workspace) }
        let total = logprobs.compactMap { $0 }.reduce(0, +)
        let scored = logprobs.count - 1
        let perplexity = scored > 0 ? exp(-total / Double(scored)) : nil
        if json {
            print(try jsonLine(Output(ids: ids, token_logprobs: logprobs, total_logprob: total, perplexity: perplexity)))
        } else {
            let pieces = ids.map { tokenizer.decode([$0]) }
            for (piece, lp) in zip(pieces, logprobs) {
                let value = lp.map { String(format: "%10.4f", $0) } ?? "         -"
                print("\(value)  \(piece.debugDescription)")
            }
            print(String(format: "total %.4f over %d tokens, perplexity %@", total, scored,
                         perplexity.map { String(format: "%.3f", $0) } ?? "-"))
        }
    }
}
