import Foundation
import GPT2Tokenizer
import GPT2Privacy

/// Progress of a build, reported about twice a second.
public struct BuildProgress: Sendable {
    /// The input being read (1-based) and how many there are.
    public var input: Int
    public var inputCount: Int
    public var file: String
    /// Documents accepted so far (both outputs).
    public var documents: Int
    /// UTF-8 bytes of accepted document text, a proxy for how far the inputs have been read.
    public var textBytes: Int
    /// Total bytes of all inputs.
    public var inputBytes: Int
    /// Seconds since the build started.
    public var elapsed: Double
}

/// Runs a build: reads every input with its importer, shapes chat messages into documents,
/// then scrubs, filters by length, removes duplicates, splits off validation documents and
/// writes each document as it comes. Nothing is written unless every input succeeds: outputs
/// go to temporary files that are renamed into place only at the end.
public struct DatasetBuilder {
    public let options: DatasetBuildOptions
    /// The tokenizer for `--tokens` (nil for text output).
    public let tokenizer: BPETokenizer?

    public init(options: DatasetBuildOptions, tokenizer: BPETokenizer? = nil) {
        self.options = options
        self.tokenizer = tokenizer
    }

    public func build(progress: ((BuildProgress) -> Void)? = nil) throws -> DatasetSummary {
        let start = Date()
        let outputs = [options.output] + (options.resolvedValidationOutput.map { [$0] } ?? [])
        try checkOutputs(outputs)
        var summary = DatasetSummary()
        summary.inputs = options.inputs.map { .init(path: $0.path, format: "", bytes: Self.size(of: $0)) }
        let inputBytes = summary.inputs.reduce(0) { $0 + $1.bytes }
        let main = try makeWriter(outputs[0])
        let validation = try outputs.count > 1 ? makeWriter(outputs[1]) : nil
        var finished = false
        defer {
            if !finished {
                main.cancel()
                validation?.cancel()
            }
        }
        var duplicates = DuplicateFilter(mode: options.duplicates)
        var lastReport = Date.distantPast
        var current = 0
        let threshold = UInt64(options.validationFraction * 1_000_000)

        func accept(_ document: String) throws {
            var text = TextTrimming.containsEndOfText(document)
                ? document.replacingOccurrences(of: PlainTextImporter.endOfText, with: "") : document
            if let scrubber = options.scrubber {
                let (scrubbed, counts) = scrubber.scrub(text)
                text = scrubbed
                for (category, count) in counts { summary.scrubbed[category.rawValue, default: 0] += count }
            }
            text = TextTrimming.trimmed(text)
            if text.isEmpty || (options.minimumLength > 1 && text.count < options.minimumLength) {
                summary.dropped["shorter than \(options.minimumLength) characters", default: 0] += 1
                return
            }
            switch duplicates.check(text) {
            case .exactDuplicate: summary.dropped["exact duplicate", default: 0] += 1; return
            case .nearDuplicate: summary.dropped["near duplicate", default: 0] += 1; return
            case .unique: break
            }
            if let validation, ContentHash(text).low % 1_000_000 < threshold {
                try validation.append(text)
            } else {
                try main.append(text)
            }
            summary.textBytes += text.utf8.count
            if let progress, Date().timeIntervalSince(lastReport) >= 0.5 {
                lastReport = Date()
                progress(BuildProgress(input: current + 1, inputCount: options.inputs.count,
                                       file: options.inputs[current].path,
                                       documents: main.documentCount + (validation?.documentCount ?? 0),
                                       textBytes: summary.textBytes, inputBytes: inputBytes,
                                       elapsed: lastReport.timeIntervalSince(start)))
            }
        }

        let shaper = ConversationShaper(options: options.shaping, emit: accept)
        for (index, input) in options.inputs.enumerated() {
            current = index
            let format = try options.importing.format ?? FormatDetector.detect(input)
            summary.inputs[index].format = format.rawValue
            let sink = RecordSink { record in
                switch record {
                case let .document(text):
                    try shaper.finish()
                    try accept(text)
                case let .message(message):
                    try shaper.add(message)
                }
            }
            try FormatDetector.importer(for: format, options: options.importing).read(input, into: sink)
            try shaper.finish()
            for (reason, count) in sink.skipped { summary.dropped[reason, default: 0] += count }
        }
        for (reason, count) in shaper.dropped { summary.dropped[reason, default: 0] += count }
        summary.messagesPerSpeaker = shaper.messagesPerSpeaker
        try main.finish()
        try validation?.finish()
        finished = true
        summary.documents = main.documentCount
        summary.tokens = main.tokenCount
        summary.validationDocuments = validation?.documentCount ?? 0
        summary.validationTokens = validation?.tokenCount
        summary.bytesWritten = main.byteCount + (validation?.byteCount ?? 0)
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    private func makeWriter(_ url: URL) throws -> any CorpusWriter {
        guard options.tokens else { return try TextCorpusWriter(url: url) }
        guard let tokenizer else {
            throw DatasetError.unwritable(file: url.path, reason: "a token file needs a tokenizer")
        }
        do {
            return try TokenCorpusWriter(url: url, tokenizer: tokenizer, threads: options.threads)
        } catch let error as TokenFileError {
            throw DatasetError.unwritable(file: url.path, reason: error.localizedDescription)
        }
    }

    /// Refuses outputs that are inputs (the same path or the same file through a link) and
    /// existing outputs without `force`.
    private func checkOutputs(_ outputs: [URL]) throws {
        for output in outputs {
            for input in options.inputs where Self.sameFile(input, output) {
                throw DatasetError.outputIsInput(output: output.path)
            }
            if !options.force && FileManager.default.fileExists(atPath: output.path) {
                throw DatasetError.outputExists(output: output.path)
            }
        }
    }

    static func sameFile(_ a: URL, _ b: URL) -> Bool {
        if a.standardizedFileURL.resolvingSymlinksInPath().path == b.standardizedFileURL.resolvingSymlinksInPath().path {
            return true
        }
        var first = stat(), second = stat()
        guard stat(a.path, &first) == 0, stat(b.path, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// Bytes of a file, or of all files in a folder.
    static func size(of url: URL) -> Int {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return 0 }
        if (info.st_mode & S_IFMT) != S_IFDIR { return Int(info.st_size) }
        var total = 0
        let enumerator = FileManager.default.enumerator(atPath: url.path)
        while let name = enumerator?.nextObject() as? String {
            var child = stat()
            if stat(url.appendingPathComponent(name).path, &child) == 0, (child.st_mode & S_IFMT) == S_IFREG {
                total += Int(child.st_size)
            }
        }
        return total
    }
}
