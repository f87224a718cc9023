import ArgumentParser
import Foundation
import GPT2Model
import GPT2Tokenizer

/// `--model DIR` and `--threads N`, shared by the commands that run a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A Hugging Face GPT-2 directory: config.json, model.safetensors (or shards), tokenizer files.")
    var model: String

    @Option(name: .long, help: "Threads for the math (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1.") }
    }

    var directory: URL { URL(fileURLWithPath: model) }

    func loadModel() throws -> GPT2Model {
        try reportingErrors { try GPT2Model.load(directory: directory) }
    }

    /// The directory's tokenizer; GPT-2's own when the directory has none and the model's
    /// vocabulary is GPT-2's.
    func loadTokenizer(for model: GPT2Model? = nil) throws -> BPETokenizer {
        try reportingErrors {
            try Self.tokenizer(in: directory, vocabularySize: model?.config.vocabSize)
        }
    }

    static func tokenizer(in directory: URL, vocabularySize: Int?) throws -> BPETokenizer {
        do {
            return try BPETokenizer(directory: directory)
        } catch let error as TokenizerError {
            let gpt2 = try BPETokenizer.gpt2()
            if case .noTokenizerFiles = error, vocabularySize == gpt2.vocabularySize { return gpt2 }
            throw error
        }
    }
}
