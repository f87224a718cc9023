import Foundation

/// What to do with personal details (``PIIScrubber``'s categories) in generated text.
public enum OutputFilterMode: String, Sendable, Codable, CaseIterable, Comparable {
    /// Leave the text as generated.
    case off
    /// Replace each detail with its placeholder (`[EMAIL]`, `[PHONE]`, ...).
    case redact
    /// End the text before the first detail (finish reason `content_filter`).
    case reject

    private var strictness: Int {
        switch self {
        case .off: 0
        case .redact: 1
        case .reject: 2
        }
    }

    public static func < (a: OutputFilterMode, b: OutputFilterMode) -> Bool { a.strictness < b.strictness }
}

/// Applies a ``PIIScrubber`` to text that arrives in pieces, releasing only what is final.
///
/// A detail can span pieces (a phone number arrives digit group by digit group), so the filter
/// holds back the last few words: text is released up to a whitespace after which at least
/// ``PIIScrubber/longestMatchWords`` + 1 words follow and across which no detail reaches. Every
/// pattern's edges look at one neighbouring character and whitespace is neutral to all of them,
/// so filtering the released part alone finds what filtering the whole text would.
public struct OutputFilter: Sendable {
    public let mode: OutputFilterMode
    public let scrubber: PIIScrubber
    /// Details found, by category (redacted ones, or the one that ended a rejected text).
    public private(set) var counts: [PIIScrubber.Category: Int] = [:]
    /// Whether a detail ended the text (``OutputFilterMode/reject``).
    public private(set) var rejected = false
    private var pending = ""
    private let heldWords: Int

    public init(mode: OutputFilterMode, scrubber: PIIScrubber) {
        self.mode = mode
        self.scrubber = scrubber
        heldWords = scrubber.longestMatchWords + 1
    }

    /// Adds generated text; returns the part that is now final. After a rejection, returns "".
    public mutating func append(_ text: String) -> String {
        guard mode != .off else { return text }
        guard !rejected else { return "" }
        pending += text
        let source = pending as NSString
        guard var cut = releasePoint(source) else { return "" }
        let ranges = scrubber.matchRanges(in: pending).map(\.range)
        // Moving the cut before one detail can make it fall inside an earlier one: repeat.
        var moved = true
        while moved {
            moved = false
            for range in ranges where range.location < cut && NSMaxRange(range) > cut {
                cut = wordStart(source, before: range.location)
                moved = true
            }
        }
        guard cut > 0 else { return "" }
        let released = source.substring(to: cut)
        pending = source.substring(from: cut)
        return filter(released)
    }

    /// Releases what is held, filtered: call once the text has ended.
    public mutating func finish() -> String {
        guard mode != .off, !rejected else { return "" }
        let rest = pending
        pending = ""
        return filter(rest)
    }

    private mutating func filter(_ text: String) -> String {
        switch mode {
        case .off:
            return text
        case .redact:
            let (clean, found) = scrubber.scrub(text)
            counts.merge(found, uniquingKeysWith: +)
            return clean
        case .reject:
            guard let first = scrubber.matchRanges(in: text).first else { return text }
            counts[first.category, default: 0] += 1
            rejected = true
            pending = ""
            return (text as NSString).substring(to: first.range.location)
        }
    }

    /// The UTF-16 offset of the start of the word that follows the whitespace run after which
    /// `heldWords` words remain, or `nil` when fewer words are held.
    private func releasePoint(_ source: NSString) -> Int? {
        var words = 0
        var i = source.length
        var inWord = false
        while i > 0 {
            let unit = source.character(at: i - 1)
            let space = Self.isSpace(unit)
            if !space && !inWord {
                inWord = true
            } else if space && inWord {
                inWord = false
                words += 1
                if words == heldWords { return i }
            }
            i -= 1
        }
        return nil
    }

    /// The start of the word holding UTF-16 offset `location`: just after the whitespace before it.
    private func wordStart(_ source: NSString, before location: Int) -> Int {
        var i = location
        while i > 0 && !Self.isSpace(source.character(at: i - 1)) { i -= 1 }
        return i
    }

    private static func isSpace(_ unit: unichar) -> Bool {
        unit == 0x20 || unit == 0x0A || unit == 0x09 || unit == 0x0D || unit == 0x0B || unit == 0x0C || unit == 0xA0
    }
}
