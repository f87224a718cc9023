import ArgumentParser
import Foundation
import GPT2Generation
import GPT2Privacy
import GPT2Tokenizer
import GPT2Training

/// `gpt2 audit`: how much of a text is copied from the training text, and the index that tells.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Find runs of a text copied from the training text (check), or build the index that finds them (index).",
        subcommands: [AuditCheckCommand.self, AuditIndexCommand.self],
        defaultSubcommand: AuditCheckCommand.self
    )
}

/// `gpt2 audit check`: the copied runs of a generated (or any) text, longest first.
struct AuditCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report the longest runs of a text copied from the training text, and where they came from.",
        discussion: """
        A run is a stretch whose every window (8 tokens by default) occurs in the training text, \
        as the model folder's verbatim.idx records it (written by `gpt2 finetune`, or by `gpt2 audit index`). \
        The text comes from --text, from files, or from stdin.
        """
    )

    @Option(name: .long, help: "The model folder whose verbatim.idx and tokenizer to use (default: the built-in model).")
    var model: String?

    @Option(name: .customLong("index"), help: "A verbatim index file (default: verbatim.idx in the model folder).")
    var indexPath: String?

    @Option(help: "The text to check.")
    var text: String?

    @Argument(help: "Files to check, each on its own (default: stdin when no --text).")
    var files: [String] = []

    @Option(name: .customLong("min"), parsing: .unconditional, help: "List runs of at least this many tokens (default: the index's window).")
    var minimum: Int?

    @Option(name: .customLong("fail-at"), parsing: .unconditional, help: "Exit with status 1 when a run of this many tokens or more is found.")
    var failAt: Int?

    @Flag(help: "Print one JSON object per text: {\"source\", \"tokens\", \"longest\", \"runs\": [{\"start\", \"length\", \"text\", \"from\"}]}.")
    var json = false

    func validate() throws {
        if text != nil && !files.isEmpty { throw ValidationError("Give --text or files, not both.") }
        if let minimum, minimum < 1 { throw ValidationError("--min must be at least 1.") }
        if let failAt, failAt < 1 { throw ValidationError("--fail-at must be at least 1.") }
    }

    struct Run: Encodable {
        let start: Int
        let length: Int
        let text: String
        let from: String
    }

    struct Output: Encodable {
        let source: String
        let tokens: Int
        let longest: Int
        let runs: [Run]
    }

    func run() async throws {
        let directory = URL(fileURLWithPath: try await modelPathOrDefault(model))
        let index = try reportingErrors { () throws -> VerbatimIndex in
            let url = indexPath.map { URL(fileURLWithPath: $0) } ?? directory.appendingPathComponent(VerbatimIndex.fileName)
            if indexPath == nil && !FileManager.default.fileExists(atPath: url.path) {
                throw CommandFailure("\(directory.path) has no verbatim.idx: fine-tune with `gpt2 finetune` (which writes one) or build one with `gpt2 audit index --data CORPUS --out \(directory.path)`.")
            }
            return try VerbatimIndex.load(url)
        }
        let tokenizer = try reportingErrors { try ResolvedModel.tokenizer(in: directory, vocabularySize: nil) }
        var texts: [(String, String)] = []
        if let text {
            texts = [("--text", text)]
        } else if files.isEmpty {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            texts = [("stdin", String(decoding: data, as: UTF8.self))]
        } else {
            for path in files {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw CommandFailure("Cannot read \(path): no such file, or it is not readable.")
                }
                texts.append((path, String(decoding: data, as: UTF8.self)))
            }
        }
        let shortest = minimum ?? index.window
        var failed = false
        for (source, text) in texts {
            let ids = tokenizer.encode(text)
            let all = index.copiedRuns(in: ids)
            let longest = all.map(\.length).max() ?? 0
            let runs = all.filter { $0.length >= shortest }.sorted { $0.length > $1.length }
            if let failAt, longest >= failAt { failed = true }
            let listed = runs.map { run in
                Run(start: run.start, length: run.length, text: tokenizer.decode(Array(ids[run.start..<(run.start + run.length)])),
                    from: "\(run.source.source), document \(run.source.document), token \(run.source.token)")
            }
            if json {
                print(try jsonLine(Output(source: source, tokens: ids.count, longest: longest, runs: listed)))
                continue
            }
            print("\(source): \(ids.count) tokens; longest copied run \(longest) tokens"
                + (longest == 0 ? " (no \(index.window)-token window of it is in the training text)" : ""))
            for run in listed {
                print("  \(run.length) tokens at token \(run.start), from \(run.from): \(run.text.debugDescription)")
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `gpt2 audit index`: builds `verbatim.idx` from training files.
struct AuditIndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build a verbatim index (verbatim.idx) of training text, for --block-verbatim and `gpt2 audit check`.",
        discussion: """
        `gpt2 finetune` writes one by itself; build one here for a model trained elsewhere (put it in the model \
        folder) or on other text. Text files are encoded with the model's tokenizer (GPT-2's by default); \
        *.tokens files from `gpt2 dataset build --tokens` are read as they are. It takes 12 bytes per \
        training token on disk and 16 while building.
        """
    )

    @Option(parsing: .upToNextOption, help: "Training files: UTF-8 text (documents separated by <|endoftext|>) or *.tokens.")
    var data: [String] = []

    @Option(help: "Where to write: a file, or a folder (then FOLDER/verbatim.idx).")
    var out: String

    @Option(name: .long, help: "The model folder whose tokenizer encodes text files (default: GPT-2's tokenizer).")
    var model: String?

    @Option(parsing: .unconditional, help: "Tokens per window, the shortest run --block-verbatim can refuse (2...256).")
    var window = VerbatimIndexBuilder.defaultWindow

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("--data needs at least one file.") }
    }

    func run() async throws {
        let tokenizer = try reportingErrors {
            try model.map { try ResolvedModel.tokenizer(in: URL(fileURLWithPath: $0), vocabularySize: nil) } ?? BPETokenizer.gpt2()
        }
        var target = URL(fileURLWithPath: out)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: target.path, isDirectory: &isFolder) {
            if isFolder.boolValue {
                target = target.appendingPathComponent(VerbatimIndex.fileName)
            }
        }
        let corpus = try reportingErrors { try loadCorpus(data, tokenizer: tokenizer, vocabulary: tokenizer.vocabularySize) }
        let summary = try writeVerbatimIndex(of: corpus, to: target, window: window, endOfTextID: tokenizer.endOfTextID)
        print("Wrote \(target.path): \(summary.entries) distinct \(summary.window)-token windows from \(summary.tokens) tokens in "
            + "\(summary.documents) documents, " + String(format: "%.2f MB.", Double(summary.bytes) / 1e6))
    }
}
