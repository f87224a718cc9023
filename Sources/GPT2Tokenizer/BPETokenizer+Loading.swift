import Foundation

extension BPETokenizer {
    /// Loads a vocabulary and merges pair: `vocab.json` + `merges.txt` (Hugging Face names) or
    /// `encoder.json` + `vocab.bpe` (OpenAI names); the formats are the same.
    ///
    /// - Throws: `TokenizerError` naming the file (and line, for merges) that is missing or malformed.
    public init(vocabulary: URL, merges: URL) throws {
        let model = try BPEModel(
            vocabulary: TokenizerFiles.readVocabulary(vocabulary), merges: TokenizerFiles.readMerges(merges),
            addedTokens: [], vocabularyFile: vocabulary, mergesFile: merges)
        self.init(model: model)
    }

    /// Loads a Hugging Face `tokenizer.json`: `model.vocab`, `model.merges` (as `"left right"`
    /// strings or `[left, right]` pairs) and `added_tokens`, which become special tokens.
    ///
    /// - Throws: `TokenizerError` naming the file and the field that is missing or malformed.
    public init(tokenizerJSON: URL) throws {
        let contents = try TokenizerFiles.readTokenizerJSON(tokenizerJSON)
        let model = try BPEModel(
            vocabulary: contents.vocabulary, merges: contents.merges, addedTokens: contents.addedTokens,
            vocabularyFile: tokenizerJSON, mergesFile: tokenizerJSON)
        self.init(model: model)
    }

    /// The file names `init(directory:)` looks for, in the order it tries them.
    public static let directoryLayouts: [[String]] = [
        ["tokenizer.json"], ["vocab.json", "merges.txt"], ["encoder.json", "vocab.bpe"],
    ]

    /// Loads the tokenizer in a folder: `tokenizer.json` if present (it also lists the added
    /// tokens), else `vocab.json` + `merges.txt`, else `encoder.json` + `vocab.bpe`.
    ///
    /// - Throws: `TokenizerError.noTokenizerFiles` naming the folder when none is complete, or
    ///   the error of the files it found.
    public init(directory: URL) throws {
        let fileManager = FileManager.default
        for layout in Self.directoryLayouts {
            let files = layout.map { directory.appendingPathComponent($0) }
            guard files.allSatisfy({ fileManager.fileExists(atPath: $0.path) }) else { continue }
            if files.count == 1 {
                try self.init(tokenizerJSON: files[0])
            } else {
                try self.init(vocabulary: files[0], merges: files[1])
            }
            return
        }
        throw TokenizerError.noTokenizerFiles(directory: directory)
    }

    /// GPT-2's tokenizer (OpenAI's `encoder.json` and `vocab.bpe`, identical to Hugging Face's
    /// `vocab.json` and `merges.txt` for `gpt2`): the files in `$GPT2_TOKENIZER_DIR` when that is
    /// set, else the copies built into the binary.
    public static func gpt2() throws -> BPETokenizer {
        if let folder = overrideFolder {
            return try BPETokenizer(
                vocabulary: folder.appendingPathComponent("encoder.json"),
                merges: folder.appendingPathComponent("vocab.bpe"))
        }
        let files = EmbeddedTokenizerFiles.self
        let model = try BPEModel(
            vocabulary: TokenizerFiles.vocabulary(
                from: TokenizerFiles.parseJSON(files.encoderJSON, file: files.encoderURL),
                file: files.encoderURL, field: "(top level)"),
            merges: TokenizerFiles.parseMerges(files.vocabBPE, file: files.mergesURL),
            addedTokens: [], vocabularyFile: files.encoderURL, mergesFile: files.mergesURL)
        return BPETokenizer(model: model)
    }

    /// Writes GPT-2's files into `directory` (created if needed) under the Hugging Face names
    /// `vocab.json` and `merges.txt`, replacing files of those names.
    public static func writeDefaultFiles(to directory: URL) throws {
        let contents: (vocabulary: Data, merges: Data)
        if let folder = overrideFolder {
            contents = (
                try TokenizerFiles.readData(folder.appendingPathComponent("encoder.json")),
                try TokenizerFiles.readData(folder.appendingPathComponent("vocab.bpe")))
        } else {
            contents = (EmbeddedTokenizerFiles.encoderJSON, EmbeddedTokenizerFiles.vocabBPE)
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try contents.vocabulary.write(to: directory.appendingPathComponent("vocab.json"), options: .atomic)
            try contents.merges.write(to: directory.appendingPathComponent("merges.txt"), options: .atomic)
        } catch {
            throw TokenizerError.unreadableFile(file: directory, reason: "writing the default tokenizer files failed (\(error))")
        }
    }

    /// `$GPT2_TOKENIZER_DIR`, a folder with `encoder.json` and `vocab.bpe` that replaces the
    /// built-in GPT-2 files, when it is set.
    static var overrideFolder: URL? {
        guard let path = ProcessInfo.processInfo.environment["GPT2_TOKENIZER_DIR"], !path.isEmpty else { return nil }
        return URL(fileURLWithPath: path)
    }
}
