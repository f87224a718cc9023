import ArgumentParser
import Foundation
import GPT2Generation
import GPT2Model
import GPT2Tokenizer

/// `--model DIR` and `--threads N`, shared by the commands that run a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A model folder (Hugging Face, or a TensorFlow checkpoint such as gpt-2-simple's checkpoint/run1), or a Hugging Face Hub id such as gpt2 (downloaded into the Hugging Face cache on first use). Default (or `default`): the small model built into gpt2.")
    var model: String?

    // Optional, so the help shows the one default in the text rather than this machine's core
    // count as well.
    @Option(name: .customLong("threads"), parsing: .unconditional, help: "Threads for the math (default: all cores).")
    var threadsOption: Int?

    func validate() throws {
        if let threadsOption, threadsOption < 1 {
            throw ValidationError("--threads must be at least 1, but got \(threadsOption).")
        }
    }

    /// The thread count to use: `--threads`, or every active core.
    var threads: Int { threadsOption ?? ProcessInfo.processInfo.activeProcessorCount }

    /// `--model` as given; commands that use it call `resolvedPath()` first, which is never empty.
    var directory: URL { URL(fileURLWithPath: model ?? "") }

    /// `--model` as a local folder: the path itself, or a Hub id's snapshot in the Hugging Face
    /// cache, downloaded first (with a message and a progress bar on stderr) when not there; with
    /// no `--model`, the built-in default model's folder (unpacked into the cache on first use).
    func resolvedPath() async throws -> String {
        try await modelPathOrDefault(model)
    }

    /// The model and its tokenizer (GPT-2's bundled one when the folder has none).
    func load() async throws -> ResolvedModel {
        let path = try await resolvedPath()
        return try reportingErrors { try ResolvedModel.load(path: path) }
    }

    func loadModel() throws -> GPT2Model {
        try reportingErrors { try GPT2Model.load(directory: directory) }
    }

    /// The directory's tokenizer; GPT-2's own when the directory has none and the model's
    /// vocabulary is GPT-2's.
    func loadTokenizer(for model: GPT2Model? = nil) throws -> BPETokenizer {
        try reportingErrors { try ResolvedModel.tokenizer(in: directory, vocabularySize: model?.config.vocabSize) }
    }
}
