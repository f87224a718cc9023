import Foundation
import GPT2Model
import GPT2Tokenizer

/// A model ready to generate: the weights and the tokenizer that goes with them, resolved from
/// what the user named. `generate`, `score` and `serve` all load through here.
public struct ResolvedModel: Sendable {
    /// The folder the model came from.
    public let directory: URL
    /// The immutable model, shared by every request.
    public let model: GPT2Model
    /// The folder's tokenizer, or GPT-2's bundled one (see ``load(path:)``).
    public let tokenizer: BPETokenizer

    public init(directory: URL, model: GPT2Model, tokenizer: BPETokenizer) {
        self.directory = directory
        self.model = model
        self.tokenizer = tokenizer
    }

    /// A short name for the model: the folder's last component.
    public var name: String { directory.standardizedFileURL.lastPathComponent }

    /// Loads the Hugging Face GPT-2 folder at `path`: `config.json`, `model.safetensors` (or
    /// shards) and the tokenizer files. A folder without tokenizer files whose vocabulary has
    /// GPT-2's size (50257) gets GPT-2's bundled tokenizer, as models saved by `gpt2 init` do.
    ///
    /// - Throws: the checkpoint's or the tokenizer's error, naming the file at fault.
    public static func load(path: String) throws -> ResolvedModel {
        let directory = URL(fileURLWithPath: path)
        let model = try GPT2Model.load(directory: directory)
        let tokenizer = try tokenizer(in: directory, vocabularySize: model.config.vocabSize)
        return ResolvedModel(directory: directory, model: model, tokenizer: tokenizer)
    }

    /// The tokenizer in `directory`; GPT-2's own when the directory has none and
    /// `vocabularySize` is GPT-2's (`nil` accepts GPT-2's for any model).
    public static func tokenizer(in directory: URL, vocabularySize: Int?) throws -> BPETokenizer {
        do {
            return try BPETokenizer(directory: directory)
        } catch let error as TokenizerError {
            guard case .noTokenizerFiles = error else { throw error }
            let gpt2 = try BPETokenizer.gpt2()
            if vocabularySize == nil || vocabularySize == gpt2.vocabularySize { return gpt2 }
            throw error
        }
    }

    /// Token ids of `prompt`; an empty prompt starts from `<|endoftext|>`, as GPT-2 was trained.
    public func promptTokens(_ prompt: String) -> [Int] {
        let ids = tokenizer.encode(prompt)
        return ids.isEmpty ? [model.config.endOfTextID] : ids
    }
}
