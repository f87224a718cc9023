import ArgumentParser
import Dispatch
import Foundation
import GPT2Datasets
import GPT2Tokenizer
import GPT2Privacy
import GPT2Training

/// `gpt2 dataset`: turn text, CSV, JSON Lines and chat exports into a training corpus.
struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Build training corpora from text, CSV, JSON Lines and chat exports.",
        subcommands: [Build.self]
    )

    /// `gpt2 dataset build`: import, shape, clean and write one corpus.
    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "build",
            abstract: "Import files into one corpus: text with <|endoftext|> between documents, or a token file.",
            discussion: "Formats (detected from content unless --format): \(DatasetFormat.allNames)."
        )

        @Option(parsing: .upToNextOption, help: "Input files or folders (a Slack export may be a folder or a .zip).")
        var from: [String]

        @Option(help: "The corpus file to write.")
        var out: String

        @Option(help: "Read every input as this format: \(DatasetFormat.allNames).")
        var format: String?

        @Option(help: "Plain text documents: auto, eot (<|endoftext|>), percent (fortune files), blank (blank lines), line or file.")
        var split: String = "auto"

        @Option(help: "CSV column holding the text (default: text, content, body or message).")
        var column: String?

        @Option(help: "JSON Lines field holding the text, a dotted path allowed (default: text, content, body or message).")
        var field: String?

        @Option(help: "WhatsApp date order: dmy, mdy or ymd (default: inferred from the file).")
        var dateOrder: String?

        @Option(help: "Name for the sender of your own SMS messages.")
        var me: String = "Me"

        @Option(help: "A chat silence longer than this starts a new document (s, m, h or d).")
        var gap: String = "6h"

        @Option(help: "Keep only conversations where this person speaks, up to their last message.")
        var speaker: String?

        @Flag(help: "With --speaker: keep only that person's lines.")
        var speakerOnly = false

        @Option(help: "Drop chat messages before this day (YYYY-MM-DD, UTC).")
        var since: String?

        @Option(help: "Drop chat messages after this day (YYYY-MM-DD, UTC, inclusive).")
        var until: String?

        @Option(help: "Drop documents shorter than this many characters.")
        var minLength: Int = 1

        @Option(help: "Duplicate removal: none, exact or near (MinHash over word 3-grams; includes exact).")
        var dedupe: String = "exact"

        @Flag(help: "Replace e-mail addresses, phone numbers, URLs and @handles with placeholders.")
        var scrub = false

        @Option(help: "With --scrub: a file of names to replace, one per line.")
        var names: String?

        @Option(help: "Fraction of documents (0 to 0.5) written to a held-out validation file.")
        var validation: Double = 0

        @Option(help: "The validation file (default: NAME.validation.EXT beside --out).")
        var validationOut: String?

        @Flag(help: "Write a binary token file (uint16 ids) instead of text.")
        var tokens = false

        @Option(help: "With --tokens: a folder with tokenizer files (default: GPT-2's).")
        var model: String?

        @Option(help: "With --tokens: encoding threads (default: every core).")
        var threads: Int?

        @Flag(name: .customLong("verbatim-index"),
              help: "With --tokens: also write OUT.verbatim.idx, the corpus's 8-token windows for `gpt2 audit` and --block-verbatim (16 bytes per token in memory while built).")
        var verbatimIndex = false

        @Flag(help: "Replace existing output files.")
        var force = false

        @Flag(help: "Print the summary as one JSON object.")
        var json = false

        func validate() throws {
            if from.isEmpty { throw ValidationError("Give at least one input with --from.") }
            if !(0...0.5).contains(validation) {
                throw ValidationError("--validation must be between 0 and 0.5.")
            }
            if minLength < 1 { throw ValidationError("--min-length must be at least 1.") }
            if names != nil && !scrub { throw ValidationError("--names needs --scrub.") }
            if speakerOnly && speaker == nil { throw ValidationError("--speaker-only needs --speaker.") }
            if (model != nil || threads != nil || verbatimIndex) && !tokens {
                throw ValidationError("--model, --threads and --verbatim-index need --tokens.")
            }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
        }

        func run() async throws {
            let options = try reportingErrors { try buildOptions() }
            let tokenizer = try reportingErrors {
                try tokens ? model.map { try BPETokenizer(directory: URL(fileURLWithPath: $0)) } ?? BPETokenizer.gpt2() : nil
            }
            PartialOutputCleanup.install(for: [options.output] + (options.resolvedValidationOutput.map { [$0] } ?? []))
            let progress = ProgressLine()
            let summary: DatasetSummary
            do {
                summary = try DatasetBuilder(options: options, tokenizer: tokenizer).build(progress: progress.report)
                progress.clear()
            } catch {
                progress.clear()
                throw CommandFailure(error)
            }
            print(json ? try jsonLine(summary) : summary.text)
            if verbatimIndex, let tokenizer {
                let line = try indexTokenFile(options.output, tokenizer: tokenizer)
                if json { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
            }
        }

        /// Indexes the token file just written into `OUT.verbatim.idx` (only an index is replaced).
        private func indexTokenFile(_ url: URL, tokenizer: BPETokenizer) throws -> String {
            let target = URL(fileURLWithPath: url.path + "." + VerbatimIndex.fileName)
            let corpus = try reportingErrors { try TokenCorpus.tokenFile(url, vocabularySize: tokenizer.vocabularySize) }
            let summary = try writeVerbatimIndex(of: corpus, to: target, endOfTextID: tokenizer.endOfTextID)
            return "Verbatim index: \(summary.entries) windows of \(summary.window) tokens, "
                + String(format: "%.2f MB", Double(summary.bytes) / 1e6) + " (\(target.path))."
        }

        private func buildOptions() throws -> DatasetBuildOptions {
            var options = DatasetBuildOptions(inputs: from.map { URL(fileURLWithPath: $0) }, output: URL(fileURLWithPath: out))
            options.importing.format = try format.map { try DatasetFormat(name: $0) }
            guard let splitMode = TextSplit(rawValue: split) else {
                throw DatasetError.badOption(name: "split", value: split, expected: TextSplit.allCases.map(\.rawValue).joined(separator: ", "))
            }
            options.importing.split = splitMode
            options.importing.column = column
            options.importing.field = field
            if let dateOrder {
                guard let order = WhatsAppImporter.DateOrder(rawValue: dateOrder) else {
                    throw DatasetError.badOption(name: "date-order", value: dateOrder, expected: "dmy, mdy or ymd")
                }
                options.importing.dateOrder = order
            }
            options.importing.ownName = me
            options.shaping.gap = try DatasetBuildOptions.parseDuration(gap, option: "gap")
            options.shaping.speaker = speaker
            options.shaping.speakerOnly = speakerOnly
            options.shaping.since = try since.map { try DatasetBuildOptions.parseDay($0, option: "since") }
            options.shaping.until = try until.map { try DatasetBuildOptions.parseDay($0, option: "until").addingTimeInterval(86400) }
            options.minimumLength = minLength
            guard let mode = DuplicateFilter.Mode(rawValue: dedupe) else {
                throw DatasetError.badOption(name: "dedupe", value: dedupe, expected: "none, exact or near")
            }
            options.duplicates = mode
            if scrub { options.scrubber = try names.map { try PIIScrubber(namesFile: URL(fileURLWithPath: $0)) } ?? PIIScrubber() }
            options.validationFraction = validation
            options.validationOutput = validationOut.map { URL(fileURLWithPath: $0) }
            options.tokens = tokens
            if let threads { options.threads = threads }
            options.force = force
            return options
        }
    }
}

/// Build progress on stderr: one line redrawn in place on a terminal, a plain line every five
/// seconds otherwise.
final class ProgressLine: @unchecked Sendable {
    // Called only from the build's thread.
    private let terminal = isatty(2) != 0
    private var lastPlain = Date()
    private var drawn = false

    func report(_ progress: BuildProgress) {
        let rate = Double(progress.textBytes) / max(progress.elapsed, 0.001) / 1_048_576
        let remaining = max(0, Double(progress.inputBytes - progress.textBytes)) / max(rate * 1_048_576, 1)
        let fraction = min(1, Double(progress.textBytes) / Double(max(progress.inputBytes, 1)))
        let text = String(format: "input %d/%d  %d documents  %.1f MiB  %.1f MiB/s  ~%.0f s left",
                          progress.input, progress.inputCount, progress.documents,
                          Double(progress.textBytes) / 1_048_576, rate, remaining)
        if terminal {
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(text)\u{1B}[K".utf8))
            drawn = true
        } else if Date().timeIntervalSince(lastPlain) >= 5 {
            lastPlain = Date()
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    func clear() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// On SIGINT or SIGTERM, removes the hidden `.NAME.UUID.partial` files that the build writes
/// beside each output before renaming them into place, then ends the process: an interrupted
/// build leaves neither a partial corpus nor a changed output behind.
enum PartialOutputCleanup {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func install(for outputs: [URL]) {
        guard sources.isEmpty else { return }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                for output in outputs {
                    let folder = output.deletingLastPathComponent()
                    let prefix = ".\(output.lastPathComponent)."
                    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                    where name.hasPrefix(prefix) && name.hasSuffix(".partial") {
                        unlink(folder.appendingPathComponent(name).path)
                    }
                }
                // Exit at once with the shell's status for a signal; raising the signal again
                // here does not end the process on Linux, where libdispatch keeps its handler.
                _exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }
}
