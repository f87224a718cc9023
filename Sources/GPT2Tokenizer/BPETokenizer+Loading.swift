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

    /// The GPT-2 tokenizer bundled with this module (OpenAI's `encoder.json` and `vocab.bpe`,
    /// identical to Hugging Face's `vocab.json` and `merges.txt` for `gpt2`).
    public static func gpt2() throws -> BPETokenizer {
        let files = try bundledFiles()
        return try BPETokenizer(vocabulary: files.vocabulary, merges: files.merges)
    }

    /// Writes the bundled GPT-2 files into `directory` (created if needed) under the Hugging
    /// Face names `vocab.json` and `merges.txt`, replacing files of those names.
    public static func writeDefaultFiles(to directory: URL) throws {
        let files = try bundledFiles()
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
            for (source, name) in [(files.vocabulary, "vocab.json"), (files.merges, "merges.txt")] {
                let target = directory.appendingPathComponent(name)
                try fileManager.contentsOfDirectory(atPath: directory.path).contains(name)
                    ? fileManager.removeItem(at: target) : ()
                try fileManager.copyItem(at: source, to: target)
            }
        } catch {
            throw TokenizerError.unreadableFile(file: directory, reason: "writing the default tokenizer files failed (\(error))")
        }
    }

    /// Folders searched, in order, for GPT-2's own files (`encoder.json`, `vocab.bpe`):
    /// 1. `$GPT2_TOKENIZER_DIR` when it is set (and then only that folder);
    /// 2. SwiftPM's resource folder `gpt2_GPT2Tokenizer.resources` (or its `Resources/`) beside
    ///    the running executable (symlinks resolved) and beside `Bundle.main`, which is where a
    ///    deployment copies it;
    /// 3. the package's source folder `Sources/GPT2Tokenizer/Resources` this file was compiled
    ///    from, for binaries run where they were built.
    /// Unlike SwiftPM's `Bundle.module`, which stops the process when its folder is missing, a
    /// binary copied without the files gets `TokenizerError.missingBundledResource` naming them.
    public static func defaultFileFolders() -> [URL] {
        if let explicit = ProcessInfo.processInfo.environment["GPT2_TOKENIZER_DIR"], !explicit.isEmpty {
            return [URL(fileURLWithPath: explicit)]
        }
        let resources = "gpt2_GPT2Tokenizer.resources"
        var homes: [URL] = []
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            homes.append(executable.deletingLastPathComponent())
        }
        homes.append(Bundle.main.bundleURL)
        var folders: [URL] = []
        for home in homes {
            folders.append(home.appendingPathComponent(resources).appendingPathComponent("Resources"))
            folders.append(home.appendingPathComponent(resources))
        }
        folders.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources"))
        return folders
    }

    private static func bundledFiles() throws -> (vocabulary: URL, merges: URL) {
        let folders = defaultFileFolders()
        let fileManager = FileManager.default
        for folder in folders {
            let vocabulary = folder.appendingPathComponent("encoder.json"), merges = folder.appendingPathComponent("vocab.bpe")
            if fileManager.isReadableFile(atPath: vocabulary.path) && fileManager.isReadableFile(atPath: merges.path) {
                return (vocabulary, merges)
            }
        }
        throw TokenizerError.missingBundledResource(name: "encoder.json and vocab.bpe", searched: folders.map(\.path))
    }
}
