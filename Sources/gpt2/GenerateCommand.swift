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

    @OptionGroup(title: "Privacy guards") var privacy: PrivacyOptions

    @Flag(help: "Print one JSON object {\"text\", \"ids\", \"finish_reason\", \"prompt_tokens\", \"seed\"} (and \"privacy\" with a guard on) instead of streaming text.")
    var json = false

    struct Output: Encodable {
        let text: String
        let ids: [Int]
        let finish_reason: String
        let prompt_tokens: Int
        let seed: UInt64
        let privacy: PrivacyReport.JSON?
    }

    func run() async throws {
        // Parameters are checked before the model loads, so a typo costs no loading time.
        let parameters = try sampling.parameters().withChosenSeed()
        if privacy.names != nil && (privacy.outputFilter ?? .off) == .off {
            throw ValidationError("--names needs --output-filter redact or reject.")
        }
        let resolved = try await modelOptions.load()
        let guards = try privacy.load(modelDirectory: resolved.directory)
        let generator = TextGenerator(model: resolved.model, tokenizer: resolved.tokenizer, threads: modelOptions.threads)
        let streaming = !json
        let result = try reportingErrors {
            try generator.generate(prompt: prompt, parameters: parameters, naming: .commandLine, guards: guards) { chunk in
                if streaming { writeOut(chunk.text) }
                return true
            }
        }
        if json {
            print(try jsonLine(Output(text: result.text, ids: result.ids, finish_reason: result.finishReason.rawValue,
                                      prompt_tokens: result.promptTokenCount, seed: result.seed,
                                      privacy: result.privacy?.encodable)))
        } else {
            writeOut("\n")
            if let line = result.privacy?.summary { FileHandle.standardError.write(Data("gpt2: privacy: \(line)\n".utf8)) }
        }
    }
}
