import ArgumentParser
import Foundation
import GPT2Generation

/// `gpt2 generate`: stream a continuation of a prompt to stdout.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt, streaming the text to stdout as it is generated."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The text to continue (empty: start a new document).")
    var prompt: String = ""

    @OptionGroup var sampling: SamplingOptions

    @Flag(help: "Print one JSON object {\"text\", \"ids\", \"finish_reason\", \"prompt_tokens\", \"seed\"} instead of streaming text.")
    var json = false

    struct Output: Encodable {
        let text: String
        let ids: [Int]
        let finish_reason: String
        let prompt_tokens: Int
        let seed: UInt64
    }

    func run() async throws {
        // Parameters are checked before the model loads, so a typo costs no loading time.
        let parameters = try sampling.parameters().withChosenSeed()
        let resolved = try await modelOptions.load()
        let generator = TextGenerator(model: resolved.model, tokenizer: resolved.tokenizer, threads: modelOptions.threads)
        let streaming = !json
        let result = try reportingErrors {
            try generator.generate(prompt: prompt, parameters: parameters, naming: .commandLine) { chunk in
                if streaming { writeOut(chunk.text) }
                return true
            }
        }
        if json {
            print(try jsonLine(Output(text: result.text, ids: result.ids, finish_reason: result.finishReason.rawValue,
                                      prompt_tokens: result.promptTokenCount, seed: result.seed)))
        } else {
            writeOut("\n")
        }
    }
}
