import ArgumentParser
import Foundation
import GPT2Generation
import GPT2Model

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

    @Flag(help: "Print one JSON object {\"text\", \"ids\", \"finish_reason\"} instead of streaming text.")
    var json = false

    struct Output: Encodable {
        let text: String
        let ids: [Int]
        let finish_reason: String
        let prompt_tokens: Int
        let seed: UInt64
    }

    func run() async throws {
        let model = try modelOptions.loadModel()
        let tokenizer = try modelOptions.loadTokenizer(for: model)
        var parameters = try reportingErrors { try sampling.parameters(vocabularySize: model.config.vocabSize) }
        let seed = parameters.seed ?? UInt64.random(in: .min ... .max)
        parameters.seed = seed
        let generator = TextGenerator(model: model, tokenizer: tokenizer, threads: modelOptions.threads)
        let streaming = !json
        let result = try reportingErrors {
            try generator.generate(prompt: prompt, parameters: parameters) { chunk in
                if streaming { writeOut(chunk.text) }
                return true
            }
        }
        if json {
            print(try jsonLine(Output(text: result.text, ids: result.ids, finish_reason: result.finishReason.rawValue,
                                      prompt_tokens: result.promptTokenCount, seed: seed)))
        } else {
            writeOut("\n")
        }
    }
}
