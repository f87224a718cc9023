import Foundation

/// How a plain text file is cut into documents.
public enum TextSplit: String, CaseIterable, Sendable {
    /// `endOfText` when the file holds `<|endoftext|>`, else `percent` when lines holding only
    /// `%` separate its texts, else `blankLines` when it has a blank line, else `lines` (decided
    /// from the first mebibyte).
    case auto
    /// Documents end at each `<|endoftext|>`.
    case endOfText = "eot"
    /// Documents are separated by one or more blank (or whitespace-only) lines.
    case blankLines = "blank"
    /// Every non-blank line is a document.
    case lines = "line"
    /// Documents are separated by lines holding only `%`: the fortune (strfile) format of
    /// `/usr/share/games/fortunes`.
    case percent
    /// The whole file is one document.
    case file
}

/// Plain text, streamed line by line: memory holds one document at a time, never the file.
public struct PlainTextImporter: DatasetImporter {
    public static let endOfText = "<|endoftext|>"
    public var split: TextSplit

    public init(split: TextSplit = .auto) { self.split = split }

    public func read(_ url: URL, into sink: RecordSink) throws {
        let mode = split == .auto ? try Self.detectSplit(url) : split
        let reader = try LineReader(url: url)
        var document = ""
        func finish() throws {
            let trimmed = TextTrimming.trimmed(document)
            if !trimmed.isEmpty { try sink.emit(.document(trimmed)) }
            document = ""
        }
        while let line = try reader.next() {
            switch mode {
            case .lines:
                document = line
                try finish()
            case .blankLines:
                if TextTrimming.isBlank(line) {
                    try finish()
                } else {
                    if !document.isEmpty { document += "\n" }
                    document += line
                }
            case .percent:
                if line.trimmingCharacters(in: .whitespaces) == "%" {
                    try finish()
                } else {
                    if !document.isEmpty { document += "\n" }
                    document += line
                }
            case .endOfText:
                guard TextTrimming.containsEndOfText(line) else {
                    if !document.isEmpty { document += "\n" }
                    document += line
                    continue
                }
                var parts = line.components(separatedBy: Self.endOfText)[...]
                if !document.isEmpty { document += "\n" }
                document += parts.removeFirst()
                for part in parts {
                    try finish()
                    document = part
                }
            case .file, .auto:
                if reader.lineNumber > 1 { document += "\n" }
                document += line
            }
        }
        try finish()
    }

    /// Chooses `endOfText`, `percent`, `blankLines` or `lines` from the start of the file.
    public static func detectSplit(_ url: URL) throws -> TextSplit {
        let head = try FileSample.head(of: url, bytes: 1 << 20)
        let text = String(decoding: head, as: UTF8.self)
        if text.contains(endOfText) { return .endOfText }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Two lines holding only `%`: a fortune file (a single one may be a line of text).
        if lines.lazy.filter({ $0.trimmingCharacters(in: .whitespaces) == "%" }).prefix(2).count == 2 {
            return .percent
        }
        var sawText = false
        var blankAfterText = false
        for line in lines {
            if line.allSatisfy(\.isWhitespace) {
                blankAfterText = sawText
            } else {
                if blankAfterText { return .blankLines }
                sawText = true
            }
        }
        return .lines
    }
}

/// Reading the start of a file, for format detection.
enum FileSample {
    static func head(of url: URL, bytes: Int) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw DatasetError.unreadable(file: url.path, reason: "no such file or it is not readable")
        }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: bytes)) ?? Data()
    }
}
