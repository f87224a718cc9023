import Foundation
import GPT2Privacy

/// What a build did: counts for the summary the command prints, and its `--json` form.
public struct DatasetSummary: Sendable, Codable, Equatable {
    /// One input and the format it was read as.
    public struct Input: Sendable, Codable, Equatable {
        public var path: String
        public var format: String
        public var bytes: Int
    }

    public var inputs: [Input] = []
    /// Documents written to the main output.
    public var documents = 0
    /// Documents written to the validation output.
    public var validationDocuments = 0
    /// Tokens in the main output (token files only), end-of-text ids included.
    public var tokens: Int?
    public var validationTokens: Int?
    /// UTF-8 bytes of document text written (both outputs), separators excluded.
    public var textBytes = 0
    /// Bytes of the files written.
    public var bytesWritten = 0
    /// Items dropped or skipped, by reason ("exact duplicate", "media", ...).
    public var dropped: [String: Int] = [:]
    /// Replacements made by `--scrub`, by category (`email`, `phone`, ...).
    public var scrubbed: [String: Int] = [:]
    /// Chat messages kept, per sender.
    public var messagesPerSpeaker: [String: Int] = [:]
    /// Wall-clock seconds of the whole build.
    public var seconds = 0.0

    public init() {}

    /// Human-readable lines: totals first, then what was dropped, scrubbed and who speaks.
    public var text: String {
        var lines: [String] = []
        let inputBytes = inputs.reduce(0) { $0 + $1.bytes }
        lines.append("Read \(inputs.count) input\(inputs.count == 1 ? "" : "s") (\(Self.bytes(inputBytes))): "
            + inputs.map { "\(URL(fileURLWithPath: $0.path).lastPathComponent) as \($0.format)" }.joined(separator: ", "))
        var written = "Wrote \(documents) document\(documents == 1 ? "" : "s")"
        if let tokens { written += ", \(tokens) tokens" }
        if validationDocuments > 0 {
            written += " (+ \(validationDocuments) validation"
            if let validationTokens { written += ", \(validationTokens) tokens" }
            written += ")"
        }
        written += " from \(Self.bytes(textBytes)) of text: \(Self.bytes(bytesWritten)) in \(String(format: "%.1f", seconds)) s"
        lines.append(written)
        if !dropped.isEmpty {
            lines.append("Dropped: " + dropped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !scrubbed.isEmpty {
            lines.append("Scrubbed: " + PIIScrubber.Category.allCases.compactMap { category in
                scrubbed[category.rawValue].map { "\($0) \(category.rawValue)" }
            }.joined(separator: ", "))
        }
        if !messagesPerSpeaker.isEmpty {
            let top = messagesPerSpeaker.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            let shown = top.prefix(10).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append("Messages per speaker: " + shown + (top.count > 10 ? ", and \(top.count - 10) more" : ""))
        }
        return lines.joined(separator: "\n")
    }

    static func bytes(_ count: Int) -> String {
        if count < 1 << 10 { return "\(count) B" }
        if count < 1 << 20 { return String(format: "%.1f KiB", Double(count) / 1024) }
        if count < 1 << 30 { return String(format: "%.1f MiB", Double(count) / 1_048_576) }
        return String(format: "%.2f GiB", Double(count) / 1_073_741_824)
    }
}
